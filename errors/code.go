package errors

import "strconv"

// Code is a platform error code: an HTTP status (400…504) or a logic code
// (10000…40007). It implements error, so a Code can be compared with
// errors.Is against any error the SDK returns.
type Code int

// Error returns the code with its catalog text, e.g.
// "devcloud code 20005: 发送消息超时 (sending the message timed out)".
func (c Code) Error() string {
	info, ok := Lookup(int(c))
	if !ok {
		return "devcloud code " + strconv.Itoa(int(c))
	}
	return "devcloud code " + strconv.Itoa(int(c)) + ": " + info.Message + " (" + info.Description + ")"
}

// String returns the Go name of a catalog code ("SendMessageTimeout"), or
// "Code(N)" for a code the catalog does not know.
func (c Code) String() string {
	if info, ok := Lookup(int(c)); ok {
		return info.Name
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Info returns the catalog entry of c.
func (c Code) Info() (Info, bool) { return Lookup(int(c)) }

// Category returns the category of c. Codes outside the catalog are placed by
// their range: 429 is throttling, other 4xx are client errors, 5xx server
// errors, 10000…10999 login and session errors; anything else is
// CategoryUnknown.
func (c Code) Category() Category {
	if info, ok := Lookup(int(c)); ok {
		return info.Category
	}
	switch {
	case c == 429:
		return CategoryThrottle
	case c >= 400 && c < 500:
		return CategoryClient
	case c >= 500 && c < 600:
		return CategoryServer
	case c >= 10000 && c < 11000:
		return CategoryAuth
	}
	return CategoryUnknown
}

// Action returns the SDK's default action for c: the catalog's, or for a code
// outside the catalog, retry on the throttle schedule for 429, retry for
// 502, 503 and 504, retry of idempotent calls for other 5xx statuses, and
// fail for everything else.
func (c Code) Action() Action {
	if info, ok := Lookup(int(c)); ok {
		return info.Action
	}
	switch {
	case c == 429:
		return ActionRetryThrottle
	case c == 502 || c == 503 || c == 504:
		return ActionRetry
	case c >= 500 && c < 600:
		return ActionRetryIdempotent
	}
	return ActionFail
}
