package errors

import stderrors "errors"

// CodeOf returns the platform code carried by err: an *APIError's code or a
// bare Code. It reports false for any other error, and for an APIError whose
// code was not numeric.
func CodeOf(err error) (Code, bool) {
	var ae *APIError
	if stderrors.As(err, &ae) {
		return ae.Code, ae.Code != 0
	}
	var c Code
	if stderrors.As(err, &c) {
		return c, true
	}
	return 0, false
}

// RequestIDOf returns the platform request id carried by err, or "".
func RequestIDOf(err error) string {
	var ae *APIError
	if stderrors.As(err, &ae) {
		return ae.RequestID
	}
	var de *DecodeError
	if stderrors.As(err, &de) {
		return de.RequestID
	}
	return ""
}

// IsRetryable reports whether err carries a code the default policy retries
// (on any schedule, including idempotent-only and throttle retries).
func IsRetryable(err error) bool {
	c, ok := CodeOf(err)
	if !ok {
		return false
	}
	switch c.Action() {
	case ActionRetry, ActionRetryIdempotent, ActionRetryThrottle:
		return true
	}
	return false
}

// IsAuth reports whether err is a login or session failure.
func IsAuth(err error) bool { return categoryOf(err) == CategoryAuth }

// IsThrottle reports whether err asks the caller to slow down.
func IsThrottle(err error) bool { return categoryOf(err) == CategoryThrottle }

// IsClient reports whether err is a request the platform refuses as it is.
func IsClient(err error) bool { return categoryOf(err) == CategoryClient }

// IsServer reports whether err is a failure on the platform's side.
func IsServer(err error) bool { return categoryOf(err) == CategoryServer }

func categoryOf(err error) Category {
	c, ok := CodeOf(err)
	if !ok {
		return CategoryUnknown
	}
	return c.Category()
}
