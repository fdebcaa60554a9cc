package client

import (
	"context"
	"log/slog"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

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
	// Endpoint is the base URL the request went to: the one given to
	// New, or one of WithEndpoints.
	Endpoint string
}

// withHook appends h, as an Observer, to list.
func withHook(list []Observer, h func(AttemptInfo)) []Observer {
	if h == nil {
		return list
	}
	return append(list[:len(list):len(list)], Observer{
		AttemptEnd: func(_ context.Context, a AttemptInfo) { h(a) },
	})
}

// attemptInfo describes the attempt that gave res, judged d, for hooks and
// logs. Its error was named when the attempt ended (send).
func (c *Client) attemptInfo(k *call, res *result, d decision) AttemptInfo {
	info := AttemptInfo{
		Attempt: k.sent, Method: k.method, Path: k.name, Status: res.status, Err: res.err,
		Elapsed: res.elapsed, Action: d.action, Delay: d.delay, Login: k.login,
		Endpoint: k.exchange.base,
	}
	if res.err != nil {
		info.Code, _ = apierrors.CodeOf(res.err)
		info.RequestID = apierrors.RequestIDOf(res.err)
	}
	return info
}

// observe tells the observer and the debug log how an attempt ended.
func (c *Client) observe(ctx context.Context, info AttemptInfo) {
	if c.obs.AttemptEnd != nil {
		c.obs.AttemptEnd(ctx, info)
	}
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.Int("attempt", info.Attempt), slog.String("method", info.Method),
			slog.String("path", info.Path), slog.Int("status", info.Status),
			slog.Int("code", int(info.Code)), slog.String("action", info.Action.String()),
			slog.Duration("delay", info.Delay), slog.Duration("elapsed", info.Elapsed),
		}
		if info.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", info.RequestID))
		}
		if info.Err != nil {
			attrs = append(attrs, slog.String("error", info.Err.Error()))
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "devcloud attempt", attrs...)
	}
}
