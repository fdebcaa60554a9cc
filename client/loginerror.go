package client

import (
	stderrors "errors"
	"strings"
	"time"
)

// ErrClosed is the cause of the error a call gets when it needs a login
// after Client.Close.
var ErrClosed = stderrors.New("devcloud: client closed")

// errEmptyToken is the cause of a LoginFailedError for a login that succeeded
// without a token: sending no session would only bring 10001 back.
var errEmptyToken = stderrors.New("the login returned an empty token")

// errUnsendableToken is the cause of a LoginFailedError for a login whose token or
// CSRF token holds a control character: net/http refuses it as a header
// value, so every call would fail before sending anything.
var errUnsendableToken = stderrors.New("the login returned a token with a control character, which no header can carry")

// errFleetCooldown is the cause of a LoginCooldownError announced by a
// shared session store: another client's login failed.
var errFleetCooldown = stderrors.New("a login by another client sharing the session store failed")

// LoginFailedError is a failed login: the platform refused it (10000, 10003,
// 10005, …), could not be reached, or the session store failed. Err is the
// login's own error, so errors.Is matches its code.
type LoginFailedError struct {
	// Err is the login's error.
	Err error
}

// Error names the failed login and its cause.
func (e *LoginFailedError) Error() string {
	return "devcloud: login failed: " + strings.TrimPrefix(e.Err.Error(), "devcloud: ")
}

// Unwrap returns the login's error.
func (e *LoginFailedError) Unwrap() error { return e.Err }

// LoginCooldownError is returned instead of logging in while the client waits
// after a failed login. Err is that login's error, so errors.Is matches its
// code (10004, 10005, …).
type LoginCooldownError struct {
	// Until is when the client will try to log in again.
	Until time.Time
	// Err is the error of the login that started the cool-down.
	Err error
}

// Error names the cool-down and the failed login's error.
func (e *LoginCooldownError) Error() string {
	return "devcloud: login cooling down until " + e.Until.UTC().Format(time.RFC3339) + " after: " + strings.TrimPrefix(e.Err.Error(), "devcloud: ")
}

// Unwrap returns the failed login's error.
func (e *LoginCooldownError) Unwrap() error { return e.Err }
