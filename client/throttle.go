package client

import (
	"context"
	stderrors "errors"
	"fmt"
	"sync"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

// ThrottleConfig tunes WithAdaptiveThrottle. The zero value is the
// defaults, which are AWS adaptive retry mode's.
type ThrottleConfig struct {
	// MinRate is the lowest send rate the throttle falls to, in requests
	// per second (default 0.5).
	MinRate float64
	// Beta is the share of the send rate kept after a throttle answer, in
	// (0, 1) (default 0.7).
	Beta float64
	// Scale is CUBIC's C, how fast the rate grows back after a cut
	// (default 0.4).
	Scale float64
}

// Defaults of ThrottleConfig.
const (
	DefaultThrottleMinRate = 0.5
	DefaultThrottleBeta    = 0.7
	DefaultThrottleScale   = 0.4
	// throttleSmoothing weighs the last half-second's rate against the
	// rates before it.
	throttleSmoothing = 0.8
)

// ErrThrottled matches the error of a request the adaptive throttle
// (WithAdaptiveThrottle) did not send: its turn at the client's send rate
// would have come after the call's deadline. The refusal is local — the
// platform was not asked — and the error also matches the platform's last
// throttle answer (429, 30011, 10004), which set the rate.
var ErrThrottled = stderrors.New("devcloud: the client's adaptive throttle held the request back (local, nothing sent)")

// WithAdaptiveThrottle makes the client slow down when the platform says
// so, as AWS's adaptive retry mode does: off until the first throttle
// answer (HTTP 429, 30011 licences used up, 10004 logins too frequent),
// then every request waits for its turn at a client-side send rate that is
// cut by cfg.Beta on each throttle answer and grows back on the others,
// along CUBIC's curve. A request whose turn would come after its call's
// deadline is not sent: the call fails at once with an error matching
// ErrThrottled and the last throttle answer.
//
// Long polls (Poll) are neither slowed nor counted: one is held open for
// seconds by design. The observer's Throttle function sees the rate after
// every answer once the throttle is on.
func WithAdaptiveThrottle(cfg ThrottleConfig) Option {
	return func(c *config) error {
		switch {
		case cfg.MinRate < 0:
			return &InputError{Field: "ThrottleConfig.MinRate", Reason: "must not be negative"}
		case cfg.Beta < 0 || cfg.Beta >= 1:
			return &InputError{Field: "ThrottleConfig.Beta", Reason: "must be in (0, 1), or 0 for the default"}
		case cfg.Scale < 0:
			return &InputError{Field: "ThrottleConfig.Scale", Reason: "must not be negative"}
		}
		if cfg.MinRate == 0 {
			cfg.MinRate = DefaultThrottleMinRate
		}
		if cfg.Beta == 0 {
			cfg.Beta = DefaultThrottleBeta
		}
		if cfg.Scale == 0 {
			cfg.Scale = DefaultThrottleScale
		}
		c.throttle = &cfg
		return nil
	}
}

// ThrottleInfo is the adaptive throttle's state after an answer.
type ThrottleInfo struct {
	// On is true once a throttle answer has been seen.
	On bool
	// Rate is the send rate, in requests per second.
	Rate float64
	// Throttled marks the answer that was a throttle answer.
	Throttled bool
}

// throttle is the adaptive throttle: the CUBIC rate and a token bucket
// filled at that rate, from which each request takes one token. A request
// that finds it empty reserves the next token — the count goes below zero
// — and sleeps until its turn, so waiters go in order, one at each tick of
// the rate, without waking each other. The bucket holds one token: AWS's
// holds a second's worth, which callers idle in their backoff let pile up
// and then send at once, far past the platform's own burst. A cut of the
// rate wakes every waiter to reserve again at the new rate: a turn given
// at the old rate would send at it.
type throttle struct {
	clock retry.Clock
	obs   func(ThrottleInfo)

	mu       sync.Mutex
	rate     cubic
	tokens   float64 // may be negative: tokens reserved ahead
	refilled time.Time
	last     error           // the last throttle answer, a copy nobody changes
	cut      context.Context // ends at the next cut of the rate
	cutNow   context.CancelFunc
	gen      uint64 // cuts so far: a turn given before the last one is void
	queued   int    // turns of this generation still waited for
}

func newThrottle(cfg ThrottleConfig, clock retry.Clock, obs func(ThrottleInfo)) *throttle {
	now := clock.Now()
	t := &throttle{
		clock: clock, obs: obs,
		rate:     newCubic(now, cfg.Beta, cfg.Scale, throttleSmoothing, cfg.MinRate),
		refilled: now,
	}
	t.cut, t.cutNow = context.WithCancel(context.Background())
	return t
}

// turn is a reservation: the wait until it, the generation of the rate it
// was given at, and the context that ends when that rate is cut.
type turn struct {
	wait time.Duration
	cut  context.Context
	gen  uint64
}

// reserve takes a token for a request at now, or says false when its turn
// would come after deadline (zero: none), with the last throttle answer.
func (t *throttle) reserve(now, deadline time.Time) (turn, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.rate.on {
		return turn{gen: t.gen}, true, nil
	}
	t.refill(now)
	var wait time.Duration
	if t.tokens < 1 {
		wait = time.Duration((1 - t.tokens) / t.rate.fill * float64(time.Second))
	}
	if !deadline.IsZero() && now.Add(wait).After(deadline) {
		return turn{wait: wait}, false, t.last
	}
	t.tokens--
	if wait > 0 {
		t.queued++
	}
	return turn{wait: wait, cut: t.cut, gen: t.gen}, true, nil
}

// done ends the wait for tn; a turn not taken (its caller gave up) gives
// its token back. A turn voided by a cut has had its token back already;
// one whose wait ended as the cut came is taken, and takes a token again.
func (t *throttle) done(tn turn, taken bool) {
	t.mu.Lock()
	switch {
	case tn.gen == t.gen:
		t.queued--
		if !taken {
			t.tokens++
		}
	case taken:
		t.tokens--
	}
	t.mu.Unlock()
}

func (t *throttle) refill(now time.Time) {
	if dt := now.Sub(t.refilled); dt > 0 {
		t.tokens = min(t.tokens+dt.Seconds()*t.rate.fill, 1)
	}
	t.refilled = now
}

// answered takes the answer to the request of turn tn into account.
func (t *throttle) answered(err error, tn turn, method, path string) {
	throttled := isThrottleAnswer(err)
	t.mu.Lock()
	now := t.clock.Now()
	if throttled {
		t.last = snapshot(err, method, path)
	}
	t.refill(now)
	if t.rate.update(throttled, tn.gen == t.gen, now) {
		// Every turn given at the old rate is void: its token goes back,
		// and its waiter asks again; what the old rate had accrued is
		// dropped, so the next turn is a full tick of the new rate away.
		t.tokens = min(t.tokens+float64(t.queued), 0)
		t.queued = 0
		t.gen++
		t.cutNow()
		t.cut, t.cutNow = context.WithCancel(context.Background())
	}
	info := ThrottleInfo{On: t.rate.on, Rate: t.rate.fill, Throttled: throttled}
	t.mu.Unlock()
	if info.On && t.obs != nil {
		t.obs(info)
	}
}

// isThrottleAnswer reports whether err is the platform asking the client
// to slow down: 429, or a code of the throttle category (10004, 30011).
func isThrottleAnswer(err error) bool {
	ae, ok := err.(*apierrors.APIError)
	return ok && (ae.HTTPStatus == 429 || ae.Code.Category() == apierrors.CategoryThrottle)
}

// run is the throttle's step: a request waits for its turn, or is refused
// when its turn is past the deadline; its answer then moves the rate.
func (t *throttle) run(ctx context.Context, a *exchange) result {
	if a.k.poll != nil {
		return a.next(ctx)
	}
	var deadline time.Time
	if dl, ok := ctx.Deadline(); ok {
		deadline = dl
	}
	for {
		tn, ok, last := t.reserve(t.clock.Now(), deadline)
		if !ok {
			return result{refused: true, ctx: ctx, err: &apierrors.TransportError{Err: &throttledError{wait: tn.wait, last: last}}}
		}
		if tn.wait > 0 {
			err := t.sleep(ctx, tn)
			t.done(tn, err == nil)
			if err != nil {
				if ctx.Err() != nil {
					return result{refused: true, ctx: ctx, err: &apierrors.TransportError{Err: ctx.Err()}}
				}
				continue // the rate was cut: a new turn at the new rate
			}
		}
		res := a.next(ctx)
		if !res.refused && ctx.Err() == nil {
			t.answered(res.err, tn, a.k.method, a.k.name)
		}
		return res
	}
}

// sleep waits for tn on the client's clock; it ends early with an error
// when ctx ends or the rate is cut.
func (t *throttle) sleep(ctx context.Context, tn turn) error {
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(tn.cut, stop)()
	return t.clock.Sleep(sctx, tn.wait)
}

// throttledError is the throttle's refusal: it matches ErrThrottled and the
// platform's last throttle answer.
type throttledError struct {
	wait time.Duration
	last error
}

func (e *throttledError) Error() string {
	s := fmt.Sprintf("%s: the next turn is in %v, after the deadline", ErrThrottled.Error(), e.wait.Round(time.Millisecond))
	if e.last != nil {
		s += "; the platform's last throttle answer: " + e.last.Error()
	}
	return s
}

func (e *throttledError) Unwrap() []error {
	if e.last == nil {
		return []error{ErrThrottled}
	}
	return []error{ErrThrottled, e.last}
}
