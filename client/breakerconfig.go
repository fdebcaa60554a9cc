package client

import (
	stderrors "errors"
	"strings"
	"time"
)

// ErrCircuitOpen matches, with errors.Is, the error of a call that the
// client's circuit breaker stopped: either before its first request (nothing
// was sent) or before a retry (the error is the call's last real failure,
// with ErrCircuitOpen as its cause). See WithCircuitBreaker.
var ErrCircuitOpen = stderrors.New("circuit breaker open")

// Defaults of BreakerConfig's zero fields.
const (
	defaultBreakerWindow       = 10 * time.Second
	defaultBreakerMinFailures  = 5
	defaultBreakerFailureRatio = 0.5
	defaultBreakerOpenFor      = 30 * time.Second
	defaultBreakerProbes       = 1
	defaultBreakerProbeTimeout = 3 * time.Second
)

// BreakerConfig tunes the circuit breaker of WithCircuitBreaker. Its zero
// value is the default breaker; a zero field keeps that field's default.
type BreakerConfig struct {
	// Window is the rolling window over which attempts are counted
	// (default 10 s, counted in tenths of the window).
	Window time.Duration
	// MinFailures is the number of failed attempts within Window below
	// which the breaker never opens (default 5).
	MinFailures int
	// FailureRatio is the share of failed attempts, among the attempts
	// counted within Window, at or above which the breaker opens, once
	// MinFailures is reached (default 0.5; at most 1).
	FailureRatio float64
	// OpenFor is how long the breaker stays open before it lets probes
	// through (default 30 s).
	OpenFor time.Duration
	// Probes is how many attempts the half-open breaker lets through; that
	// many successes close it, one failure opens it again (default 1).
	Probes int
	// ProbeTimeout bounds each half-open probe, whatever WithTimeout
	// says (default 3 s): a probe that hangs past it frees its slot
	// without counting, and the next call is the probe.
	ProbeTimeout time.Duration
	// OnStateChange, if set, is called on every change of state, in order,
	// never while the breaker is locked: it may call the client.
	OnStateChange func(from, to BreakerState)
}

// withDefaults fills the zero fields.
func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.Window == 0 {
		c.Window = defaultBreakerWindow
	}
	if c.MinFailures == 0 {
		c.MinFailures = defaultBreakerMinFailures
	}
	if c.FailureRatio == 0 {
		c.FailureRatio = defaultBreakerFailureRatio
	}
	if c.OpenFor == 0 {
		c.OpenFor = defaultBreakerOpenFor
	}
	if c.Probes == 0 {
		c.Probes = defaultBreakerProbes
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = defaultBreakerProbeTimeout
	}
	return c
}

func (c BreakerConfig) check() error {
	switch {
	case c.Window < 0:
		return &InputError{Field: "breaker.Window", Reason: "must not be negative"}
	case c.MinFailures < 0 || c.MinFailures > 1<<30:
		return &InputError{Field: "breaker.MinFailures", Reason: "must be between 0 and 2^30"}
	case !(c.FailureRatio >= 0 && c.FailureRatio <= 1): // NaN included
		return &InputError{Field: "breaker.FailureRatio", Reason: "must be between 0 and 1"}
	case c.OpenFor < 0:
		return &InputError{Field: "breaker.OpenFor", Reason: "must not be negative"}
	case c.Probes < 0 || c.Probes > 1<<16:
		return &InputError{Field: "breaker.Probes", Reason: "must be between 0 and 65536"}
	case c.ProbeTimeout < 0:
		return &InputError{Field: "breaker.ProbeTimeout", Reason: "must not be negative"}
	}
	return nil
}

// WithCircuitBreaker stops calling a platform that is down. The breaker
// counts the attempts of every call (and the default login's requests) in
// a rolling window; when enough of them failed it opens, and calls fail at
// once with ErrCircuitOpen — no request, no retry-budget token, no sleep —
// until OpenFor has passed. Then it lets Probes attempts through: their
// success closes it, a failure opens it again.
//
// Failures are transport errors and HTTP 500, 502, 503 and 504 without a
// platform code in the body. Any other answer proves the platform alive and
// counts as a success: 2xx, 4xx, platform codes and session codes whatever
// the HTTP status (a 20001 in a 500 is the platform answering). Throttling
// (429, 10004, 30011) and attempts ended by the caller's own context are not
// counted, except that a throttled half-open probe closes the breaker: the
// platform answered. Each probe runs under ProbeTimeout; one that hangs
// past it frees its slot uncounted, and the next call probes.
//
// The zero BreakerConfig opens when, within 10 s, at least 5 attempts failed
// and at least half of the attempts failed; stays open 30 s; and lets 1
// probe through. Without this option the client has no breaker.
func WithCircuitBreaker(cfg BreakerConfig) Option {
	return func(c *config) error {
		if err := cfg.check(); err != nil {
			return err
		}
		cfg = cfg.withDefaults()
		c.breaker = &cfg
		return nil
	}
}

// BreakerState is the state of a client's circuit breaker.
type BreakerState int8

// The states of a circuit breaker.
const (
	// BreakerClosed lets every attempt through and counts its outcome.
	BreakerClosed BreakerState = iota
	// BreakerHalfOpen lets the probes through and stops the other attempts.
	BreakerHalfOpen
	// BreakerOpen stops every attempt.
	BreakerOpen
)

// String returns "closed", "half-open" or "open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerHalfOpen:
		return "half-open"
	case BreakerOpen:
		return "open"
	}
	return "unknown"
}

// BreakerState returns the state of the client's circuit breaker;
// BreakerClosed for a client without one.
func (c *Client) BreakerState() BreakerState { return c.breaker.state() }

// circuitOpenError is a call stopped before its request was sent because
// the breaker was open (or half-open with its probes in flight). It matches
// ErrCircuitOpen and, through errors.As, the breaker's last counted failure.
type circuitOpenError struct {
	method, path string
	last         error // a copy, owned by the breaker, never changed
}

func (e *circuitOpenError) Error() string {
	var b strings.Builder
	b.WriteString("devcloud: ")
	if e.method != "" {
		b.WriteString(e.method)
		b.WriteString(" ")
		b.WriteString(e.path)
		b.WriteString(": ")
	}
	b.WriteString("circuit breaker open, request not sent")
	if e.last != nil {
		b.WriteString("; last failure: ")
		b.WriteString(strings.TrimPrefix(e.last.Error(), "devcloud: "))
	}
	return b.String()
}

func (e *circuitOpenError) Unwrap() []error {
	if e.last == nil {
		return []error{ErrCircuitOpen}
	}
	return []error{ErrCircuitOpen, e.last}
}
