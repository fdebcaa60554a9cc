package retry

import (
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Backoff is an exponential schedule: the n-th retry waits about
// Initial·Multiplier^(n-1), never more than Max, randomised by Jitter.
type Backoff struct {
	// Initial is the first interval.
	Initial time.Duration
	// Multiplier grows the interval after each retry.
	Multiplier float64
	// Max caps the interval, and the randomised delay too.
	Max time.Duration
	// Jitter is backoff/v4's RandomizationFactor: the delay is drawn
	// uniformly from [interval·(1−Jitter), interval·(1+Jitter)], that range
	// cut at Max. 1.0 is full jitter (at the cap: uniform in [0, Max], as
	// the AWS SDK's); 0 makes the schedule deterministic.
	Jitter float64
}

// DefaultBackoff is the schedule for transient failures: 100 ms, ×2, full
// jitter, capped at 5 s.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 100 * time.Millisecond, Multiplier: 2, Max: 5 * time.Second, Jitter: 1}
}

// ThrottleBackoff is the slower schedule for "slow down" answers (licences
// used up, HTTP 429): 1 s, ×2, full jitter, capped at 30 s.
func ThrottleBackoff() Backoff {
	return Backoff{Initial: time.Second, Multiplier: 2, Max: 30 * time.Second, Jitter: 1}
}

// LoginCooldownBackoff is the schedule that spaces logins after a failed one
// (10004 "too many logins", or any other login failure): 1 s, ×2, full jitter,
// capped at 1 min.
func LoginCooldownBackoff() Backoff {
	return Backoff{Initial: time.Second, Multiplier: 2, Max: time.Minute, Jitter: 1}
}

// Schedule returns the delays of b one retry at a time. rnd supplies the
// jitter's randomness in [0, 1); nil uses math/rand/v2.
//
// The intervals come from backoff/v4's ExponentialBackOff with its own
// randomisation off, so that the randomness can be injected; the jitter is
// then applied with backoff/v4's formula.
func (b Backoff) Schedule(rnd func() float64) *Schedule {
	if rnd == nil {
		rnd = rand.Float64
	}
	eb := &backoff.ExponentialBackOff{
		InitialInterval:     b.Initial,
		RandomizationFactor: 0,
		Multiplier:          b.Multiplier,
		MaxInterval:         b.Max,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	if eb.Multiplier < 1 {
		eb.Multiplier = 1
	}
	eb.Reset()
	return &Schedule{b: b, eb: eb, rnd: rnd}
}

// Schedule hands out the delays of one call's retries. It is not safe for
// concurrent use; each call has its own.
type Schedule struct {
	b   Backoff
	eb  *backoff.ExponentialBackOff
	rnd func() float64
}

// Next returns the delay before the next retry.
func (s *Schedule) Next() time.Duration {
	interval := s.eb.NextBackOff()
	if interval == backoff.Stop || interval < 0 {
		interval = s.b.Max
	}
	if f := s.b.Jitter; f > 0 {
		// backoff/v4's range, [interval·(1−f), interval·(1+f)], cut at 0
		// and at Max before drawing: clamping after the draw would put
		// half of all delays exactly on Max once the interval reaches it.
		delta := f * float64(interval)
		lo, hi := max(float64(interval)-delta, 0), float64(interval)+delta+1
		if s.b.Max > 0 {
			hi = min(hi, float64(s.b.Max))
		}
		lo = min(lo, hi)
		interval = time.Duration(lo + s.rnd()*(hi-lo))
	}
	if s.b.Max > 0 && interval > s.b.Max {
		interval = s.b.Max
	}
	return interval
}
