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

// MarshalText returns the category's name, so an Info encodes to JSON with
// "Category": "server".
func (c Category) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText sets c to the category named text, as String spells it.
func (c *Category) UnmarshalText(text []byte) error {
	v, ok := ParseCategory(string(text))
	if !ok {
		return fmt.Errorf("devcloud: unknown category %q", text)
	}
	*c = v
	return nil
}
