package client

import (
	"context"
	"net/http"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// Observer sees the life of every call a Client makes: the call, each of its
// attempts, each wait between them and each login. Telemetry plugs in here
// without the client depending on any telemetry library; the devcloudotel
// module is one Observer, an application's own metrics may be another.
//
// Every field is optional. A Start function receives the current context and
// returns the one to carry on with, derived from it (a span put in, say): the
// call's context flows into its attempts, their HTTP requests, its waits,
// its log lines and its End function, and a request's into its AttemptEnd.
// Returning nil keeps the context received.
//
// The functions run synchronously on the goroutine doing the work (a
// shared login's on the login's own), so they must be quick, and safe for
// concurrent use by the client's many calls. Nothing they receive holds the
// session's tokens, except what they put in RequestInfo.Header themselves.
// Without an Observer the client makes no allocation for one.
type Observer struct {
	// CallStart is called when Do starts a call whose arguments are valid.
	CallStart func(ctx context.Context, call CallInfo) context.Context
	// CallEnd is called once when the call returns, with CallStart's
	// context.
	CallEnd func(ctx context.Context, call CallResult)

	// AttemptStart is called before each request is sent, the default
	// login's included. The context it returns is the request's.
	AttemptStart func(ctx context.Context, req RequestInfo) context.Context
	// AttemptEnd is called after each request, with AttemptStart's context,
	// once the client has decided what to do next (Action and Delay).
	AttemptEnd func(ctx context.Context, attempt AttemptInfo)

	// Wait is called with the call's context before the client sleeps:
	// the backoff before a retry, or the wait for a login cool-down.
	Wait func(ctx context.Context, wait WaitInfo)

	// LoginStart is called when a login starts. One login serves every call
	// that needs it and outlives any of them: ctx is the login's own (its
	// deadline is the login timeout), caller the context of the call that
	// started it, for its values only (a trace to join). The context
	// returned, derived from ctx, is the login's, for its requests and
	// LoginEnd.
	LoginStart func(ctx, caller context.Context, login LoginInfo) context.Context
	// LoginEnd is called when the login ends, with LoginStart's context.
	LoginEnd func(ctx context.Context, login LoginResult)
	// LoginWait is called with a call's context when that call has waited
	// for a login, the one whose LoginStart returned login; err is what the
	// wait gave the call.
	LoginWait func(ctx, login context.Context, err error)

	// BreakerChange is called on every change of state of the client's
	// circuit breaker (WithCircuitBreaker), in order, and once when the
	// client is made, from BreakerClosed to BreakerClosed. It may call the
	// client.
	BreakerChange func(from, to BreakerState)

	// EndpointChange is called when an endpoint of WithEndpoints is set
	// aside after a failure and when it is back, with the context of the
	// request that showed it (AttemptStart's).
	EndpointChange func(ctx context.Context, e EndpointInfo)
	// Throttle is called with the adaptive throttle's state
	// (WithAdaptiveThrottle) after every answer once it is on.
	Throttle func(ThrottleInfo)
}

// CallInfo names a call of Do.
type CallInfo struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is the path relative to the base URL, without the query.
	Path string
}

// CallResult is a finished call.
type CallResult struct {
	CallInfo
	// Attempts is how many requests the call sent.
	Attempts int
	// Err is the call's error, nil on success. It is complete: the same
	// value Do returns.
	Err error
	// RetryBudget is the tokens left in the client's retry budget.
	RetryBudget int
}

// RequestInfo describes a request about to be sent.
type RequestInfo struct {
	// Attempt is the 1-based number of the request within its call, or
	// within its login's tries.
	Attempt int
	// Method is the HTTP method.
	Method string
	// Path is the path relative to the base URL, without the query.
	Path string
	// URL is the absolute URL, with every query value replaced by
	// "REDACTED", as OpenTelemetry's url.full wants it.
	URL string
	// Login marks a request of the default login.
	Login bool
	// Header is the request's header, still empty: AttemptStart may add
	// to it (a traceparent, say), before the client adds its own headers
	// and the session's. It must not keep it.
	Header http.Header
}

// WaitInfo is a sleep the client is about to make.
type WaitInfo struct {
	// Action says why: ActionRetry and ActionRetryThrottle before a retry
	// (Poll's waits between its calls included), ActionLoginCooldown before
	// a login after a failed one.
	Action apierrors.Action
	// Delay is how long the client sleeps, unless the context ends first.
	Delay time.Duration
	// Attempt is the number of the attempt whose failure is waited out, 0
	// for a login cool-down and for Poll's waits, which come between calls.
	Attempt int
	// Err is the failure waited out.
	Err error
	// RetryBudget is the tokens left in the client's retry budget, after
	// this retry's cost.
	RetryBudget int
}

// LoginInfo describes a login about to start.
type LoginInfo struct {
	// Generation is the session generation the login replaces, 0 when
	// there is none yet.
	Generation uint64
}

// LoginResult is a finished login.
type LoginResult struct {
	LoginInfo
	// Err is the login's error, nil on success.
	Err error
}

// observers joins several Observers into one that calls each in turn:
// Start functions in order, each with the context the previous one returned,
// End functions in reverse order, so each observer's scope nests in the
// previous one's.
func observers(list []Observer) Observer {
	switch len(list) {
	case 0:
		return Observer{}
	case 1:
		return list[0]
	}
	var o Observer
	for _, x := range list {
		o.CallStart = nestStart(o.CallStart, x.CallStart)
		o.CallEnd = nestEnd(o.CallEnd, x.CallEnd)
		o.AttemptStart = nestStart(o.AttemptStart, x.AttemptStart)
		o.AttemptEnd = nestEnd(o.AttemptEnd, x.AttemptEnd)
		o.Wait = inTurn(o.Wait, x.Wait)
		o.EndpointChange = inTurn(o.EndpointChange, x.EndpointChange)
		o.LoginEnd = nestEnd(o.LoginEnd, x.LoginEnd)
		if f := x.LoginStart; f != nil {
			prev := o.LoginStart
			o.LoginStart = func(ctx, caller context.Context, login LoginInfo) context.Context {
				if prev != nil {
					ctx = keep(ctx, prev(ctx, caller, login))
				}
				return keep(ctx, f(ctx, caller, login))
			}
		}
		if f := x.BreakerChange; f != nil {
			prev := o.BreakerChange
			o.BreakerChange = func(from, to BreakerState) {
				if prev != nil {
					prev(from, to)
				}
				f(from, to)
			}
		}
		if f := x.Throttle; f != nil {
			prev := o.Throttle
			o.Throttle = func(info ThrottleInfo) {
				if prev != nil {
					prev(info)
				}
				f(info)
			}
		}
		if f := x.LoginWait; f != nil {
			prev := o.LoginWait
			o.LoginWait = func(ctx, login context.Context, err error) {
				if prev != nil {
					prev(ctx, login, err)
				}
				f(ctx, login, err)
			}
		}
	}
	return o
}

// nestStart calls prev, then f with the context prev returned.
func nestStart[I any](prev, f func(context.Context, I) context.Context) func(context.Context, I) context.Context {
	if prev == nil {
		return f
	}
	if f == nil {
		return prev
	}
	return func(ctx context.Context, info I) context.Context {
		ctx = keep(ctx, prev(ctx, info))
		return keep(ctx, f(ctx, info))
	}
}

// nestEnd calls f, then next: ends run in the reverse order of starts.
func nestEnd[I any](next, f func(context.Context, I)) func(context.Context, I) {
	if next == nil {
		return f
	}
	if f == nil {
		return next
	}
	return func(ctx context.Context, info I) {
		f(ctx, info)
		next(ctx, info)
	}
}

// inTurn calls prev, then f.
func inTurn[I any](prev, f func(context.Context, I)) func(context.Context, I) {
	if prev == nil {
		return f
	}
	if f == nil {
		return prev
	}
	return func(ctx context.Context, info I) {
		prev(ctx, info)
		f(ctx, info)
	}
}

// keep returns next, or ctx when an observer returned no context.
func keep(ctx, next context.Context) context.Context {
	if next == nil {
		return ctx
	}
	return next
}

// The client calls its observer through these methods, which cost nothing
// when a field is nil.

func (o *Observer) callStart(ctx context.Context, k *call) context.Context {
	if o.CallStart == nil {
		return ctx
	}
	return keep(ctx, o.CallStart(ctx, CallInfo{Method: k.method, Path: k.name}))
}

func (o *Observer) attemptStart(ctx context.Context, req RequestInfo) context.Context {
	if o.AttemptStart == nil {
		return ctx
	}
	return keep(ctx, o.AttemptStart(ctx, req))
}

func (o *Observer) loginStart(ctx, caller context.Context, l LoginInfo) context.Context {
	if o.LoginStart == nil {
		return ctx
	}
	return keep(ctx, o.LoginStart(ctx, caller, l))
}

func (o *Observer) loginEnd(ctx context.Context, l LoginResult) {
	if o.LoginEnd != nil {
		o.LoginEnd(ctx, l)
	}
}

func (o *Observer) loginWait(ctx, login context.Context, err error) {
	if o.LoginWait != nil {
		o.LoginWait(ctx, login, err)
	}
}

// observeStep tells the observer of each request about to be sent; the
// context AttemptStart returns is the request's, and AttemptEnd's.
type observeStep struct{ c *Client }

func (s observeStep) run(ctx context.Context, a *exchange) result {
	if s.c.obs.AttemptStart != nil {
		ctx = s.c.startAttempt(ctx, a)
	}
	res := a.next(ctx)
	res.ctx = ctx
	// A request held back at the last moment (its session was condemned
	// on the way, res.stale) was never sent: it is no attempt, and its
	// AttemptStart gets no AttemptEnd, so telemetry records no request
	// for it (a started span is dropped unexported).
	return res
}

// startAttempt tells AttemptStart about the request a and returns the
// context it gave back. Apart from observeStep, so its RequestInfo is off
// the stack while the exchange runs.
func (c *Client) startAttempt(ctx context.Context, a *exchange) context.Context {
	if a.header == nil {
		a.header = make(http.Header, 8) // AttemptStart may add to it
	}
	return c.obs.attemptStart(ctx, c.requestInfo(a, a.header))
}

// requestInfo describes the request a, whose header is h.
func (c *Client) requestInfo(a *exchange, h http.Header) RequestInfo {
	k := a.k
	return RequestInfo{
		Attempt: a.n, Method: k.method, Path: k.name, URL: redactedURL(a.base, k),
		Login: k.login, Header: h,
	}
}

// wait tells the observer about a sleep the client is about to make.
func (c *Client) wait(ctx context.Context, w WaitInfo) {
	if c.obs.Wait != nil {
		w.RetryBudget = c.budget.Tokens()
		c.obs.Wait(ctx, w)
	}
}
