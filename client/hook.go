package client

import (
	"context"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// AttemptHook observes every attempt of every call.
type AttemptHook func(AttemptInfo)

// AttemptInfo describes one finished attempt and what the client does next.
type AttemptInfo struct {
	// Attempt is the 1-based number of the request within its call.
	Attempt int
	// Method and Path name the call; Path carries no query.
	Method, Path string
	// Status is the HTTP status, 0 when no response was read.
	Status int
	// Code is the platform code of a failure, 0 on success or when the
	// failure carried no code.
	Code apierrors.Code
	// Err is the attempt's error, nil on success.
	Err error
	// RequestID is the platform's request id, when known.
	RequestID string
	// Action is what the client does next: ActionNone after a success,
	// ActionFail when the call ends with Err, ActionRetry and
	// ActionRetryThrottle sleep Delay and send again, ActionRelogin and
	// ActionReloginClockSkew log in again and replay.
	Action apierrors.Action
	// Delay is the sleep before the next attempt.
	Delay time.Duration
	// Login marks a request of the default login rather than of a call;
	// its Action is ActionNone or ActionFail (the shared login decides
	// itself whether to try again).
	Login bool
	// Elapsed is how long the attempt took.
	Elapsed time.Duration
}

// withHook appends h, as an Observer, to list.
func withHook(list []Observer, h AttemptHook) []Observer {
	if h == nil {
		return list
	}
	return append(list[:len(list):len(list)], Observer{
		AttemptEnd: func(_ context.Context, a AttemptInfo) { h(a) },
	})
}
