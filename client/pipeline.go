package client

import (
	"context"
	"net/http"
	"time"
)

// The client sends every request — each attempt of a call, each request of
// the default login — down a pipeline of steps, in the manner of azcore's
// policies: each cross-cutting concern (the circuit breaker, the observer,
// the attempt's deadline, the headers) is one small type in a file named
// for it, which does its part and hands the request on with next. The last
// step sends it. Steps are assembled once, in New (steps below); a new
// concern is a new step and a line there, and never touches Do's loop.
//
// A pipeline rather than resty's middleware: resty's request and response
// hooks cannot stop a request without an error of resty's own, cannot wrap
// the whole of an attempt (a breaker must see its outcome, an observer its
// end), and would run for the login's request only by accident.
type step interface {
	// run does the step's part of the exchange a and returns its result,
	// normally by calling a.next(ctx) in between.
	run(ctx context.Context, a *exchange) result
}

// exchange is one request on its way down the steps.
type exchange struct {
	k      *call
	n      int         // its number within the call, from 1; its session is k.sess
	steps  []step      // the steps still to run
	header http.Header // the request's headers, which the steps fill in; nil until one does
	base   string      // the base URL it goes to: the client's, or the endpoint's
}

// next runs the next step.
func (a *exchange) next(ctx context.Context) result {
	s := a.steps[0]
	a.steps = a.steps[1:]
	return s.run(ctx, a)
}

// result is what one request came back with.
type result struct {
	status    int
	header    http.Header
	err       error
	refused   bool            // by a step before sending (the circuit breaker): nothing was sent
	noSession bool            // no session could be had: nothing was sent
	stale     bool            // refused: its session was condemned before it left
	ctx       context.Context // the request's, for AttemptEnd
	elapsed   time.Duration   // how long it took
	failover  bool            // its endpoint was set aside and another is ready: retry there at once
}

// steps assembles the client's pipeline, in the order a request meets
// them: the endpoint (with its breaker) or the breaker may refuse it before
// anything else is spent; the adaptive throttle, then the rate limit, make
// it wait its turn; a session condemned meanwhile keeps it from leaving;
// the observer sees what is sent; the deadline bounds the rest; the headers
// are set last before sending.
func (c *Client) assemble(cfg *config) []step {
	var s []step
	switch {
	case c.endpoints != nil:
		// Chooses the endpoint, and runs its breaker.
		s = append(s, c.endpoints)
	case c.breaker != nil:
		s = append(s, c.breaker)
	}
	if cfg.throttle != nil {
		s = append(s, newThrottle(*cfg.throttle, c.clock, c.obs.Throttle))
	}
	if cfg.limiter != nil {
		s = append(s, rateLimitStep{cfg.limiter})
	}
	s = append(s, liveStep{c.sessions})
	s = append(s, observeStep{c}, deadlineStep{c}, headerStep{c}, transportStep{c})
	return s
}
