package client

import (
	stderrors "errors"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// The three error types of a call (APIError, DecodeError, TransportError)
// share what the call knows, apierrors.Call, and a cause, Err. The helpers
// below are the only place that tells them apart (clone); the rest works on
// those two parts. An error an attempt made is named in place before any
// hook sees it; afterwards it is only ever copied, never written to.

// clone returns a shallow copy of err with pointers to the copy's Call and
// cause, or err itself and nils when err is none of the three.
func clone(err error) (cp error, call *apierrors.Call, cause *error) {
	switch e := err.(type) {
	case *apierrors.APIError:
		c := *e
		return &c, &c.Call, &c.Err
	case *apierrors.DecodeError:
		c := *e
		return &c, &c.Call, &c.Err
	case *apierrors.TransportError:
		c := *e
		return &c, &c.Call, &c.Err
	}
	return err, nil, nil
}

// nameAttempt sets method, path and attempt number on a fresh error of one
// attempt, in place: nobody has seen it yet.
func nameAttempt(err error, method, path string, attempt int) {
	if c := apierrors.CallOf(err); c != nil {
		c.Method, c.Path, c.Attempts = method, path, attempt
	}
}

// annotate fills in what the call knows and the attempt did not: method,
// path and attempts, on a copy of an error that lacks them. Only err itself
// is looked at, never an error wrapped inside it (a shared login's error,
// held by other callers).
func annotate(err error, method, path string, attempts int) error {
	if c := apierrors.CallOf(err); c == nil || c.Method != "" {
		return err
	}
	cp, c, _ := clone(err)
	c.Method, c.Path, c.Attempts = method, path, attempts
	return cp
}

// withCause returns a copy of err with the reason the call stopped early
// attached, so errors.Is matches both the platform code and the cause.
func withCause(err, cause error) error {
	cp, c, e := clone(err)
	if c != nil {
		*e = joinCause(*e, cause)
	}
	return cp
}

// stoppedAt returns err, the call's last answer, as the call's error when
// cause ended the call after sent requests: a copy with the cause attached
// and the call's attempts.
func stoppedAt(err, cause error, sent int) error {
	cp, c, e := clone(err)
	if c != nil {
		*e = joinCause(*e, cause)
		c.Attempts = sent
	}
	return cp
}

// loginFailed wraps a login failure so the caller can tell it from the
// call's own failure; errors.Is still matches the login's code. The login's
// error is shared by every caller that waited for it, so it is copied,
// never written to; the copy counts the login requests the call waited for
// (logins), so a call whose three logins each failed says 3 attempts.
func loginFailed(err error, logins int) error {
	switch err.(type) {
	case *LoginFailedError, *LoginCooldownError:
		return err
	}
	if c := apierrors.CallOf(err); c != nil && logins > c.Attempts {
		cp, c, _ := clone(err)
		c.Attempts = logins
		err = cp
	}
	return &LoginFailedError{Err: err}
}

// isTransport reports whether err is an attempt's transport failure: no
// answer was read.
func isTransport(err error) bool {
	_, ok := err.(*apierrors.TransportError)
	return ok
}

// joinCause adds cause to err unless err already matches it, so a context
// deadline is not reported twice ("context deadline exceeded; context
// deadline exceeded").
func joinCause(err, cause error) error {
	switch {
	case err == nil:
		return cause
	case stderrors.Is(err, cause):
		return err
	}
	return stderrors.Join(err, cause)
}

func setRetryAfter(err error, d time.Duration) {
	if ae, ok := err.(*apierrors.APIError); ok && d > 0 {
		ae.RetryAfter = d
	}
}
