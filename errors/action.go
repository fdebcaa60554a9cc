package errors

import "fmt"

// Action is what the SDK does by default when the platform answers with a
// code. The retry package turns it into a rule that can be overridden.
type Action uint8

// The actions. ActionNone is the zero value; the catalog uses the others.
const (
	// ActionNone is no action: what an attempt that succeeded reports, and,
	// in a retry.Rule, "keep the code's default action".
	ActionNone Action = iota
	// ActionFail returns the typed error at once.
	ActionFail
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

var actionNames = [...]string{"none", "fail", "retry", "retry-idempotent", "retry-throttle", "relogin", "relogin-clock-skew", "login-cooldown"}

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
	return ActionNone, false
}

// MarshalText returns the action's name, so an Info encodes to JSON with
// "Action": "retry".
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText sets a to the action named text, as String spells it.
func (a *Action) UnmarshalText(text []byte) error {
	v, ok := ParseAction(string(text))
	if !ok {
		return fmt.Errorf("devcloud: unknown action %q", text)
	}
	*a = v
	return nil
}
