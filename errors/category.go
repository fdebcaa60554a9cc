package errors

import "fmt"

// Category groups codes by what an application would do about them.
type Category uint8

// The categories of the catalog.
const (
	// CategoryUnknown is a code the catalog does not know and its range does
	// not place.
	CategoryUnknown Category = iota
	// CategoryAuth covers login and session failures (10000…10007 but 10004).
	CategoryAuth
	// CategoryThrottle covers "slow down" answers: too many logins, licences
	// used up, HTTP 429.
	CategoryThrottle
	// CategoryClient covers requests the platform refuses as they are: bad
	// parameters, missing data, no permission. Sending them again does not help.
	CategoryClient
	// CategoryServer covers failures on the platform's side, some transient.
	CategoryServer
)

var categoryNames = [...]string{"unknown", "auth", "throttle", "client", "server"}

// String returns the category's lowercase name ("auth", "server", …).
func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return fmt.Sprintf("Category(%d)", uint8(c))
}

// ParseCategory returns the category named s, as String spells it.
func ParseCategory(s string) (Category, bool) {
	for i, n := range categoryNames {
		if n == s {
			return Category(i), true
		}
	}
	return CategoryUnknown, false
}

// Action is what the SDK does by default when the platform answers with a
// code. The retry package turns it into a rule that can be overridden.
type Action uint8

// The default actions of the catalog.
const (
	// ActionFail returns the typed error at once.
	ActionFail Action = iota
	// ActionRetry retries with exponential backoff and full jitter.
	ActionRetry
	// ActionRetryIdempotent retries only idempotent calls: GET, HEAD, PUT,
	// DELETE, OPTIONS, or a call the application marked idempotent. An
	// idempotency key alone does not count: the server may have acted.
	ActionRetryIdempotent
	// ActionRetryThrottle retries on the slower, throttle-class backoff.
	ActionRetryThrottle
	// ActionRelogin logs in again (one login shared by all callers), then
	// replays the call once.
	ActionRelogin
	// ActionReloginClockSkew corrects the clock offset from the server's Date
	// header, logs in again and replays the call.
	ActionReloginClockSkew
	// ActionLoginCooldown backs off before the next login; the login endpoint
	// is never hammered.
	ActionLoginCooldown
)

var actionNames = [...]string{"fail", "retry", "retry-idempotent", "retry-throttle", "relogin", "relogin-clock-skew", "login-cooldown"}

// String returns the action's name as codes.json spells it ("retry", …).
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// ParseAction returns the action named s, as String spells it.
func ParseAction(s string) (Action, bool) {
	for i, n := range actionNames {
		if n == s {
			return Action(i), true
		}
	}
	return ActionFail, false
}
