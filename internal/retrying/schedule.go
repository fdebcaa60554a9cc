package retrying

import (
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/devcloud/devcloud-go/retry"
)

// Schedule returns the delays of b one retry at a time. rnd supplies the
// jitter's randomness in [0, 1); nil uses math/rand/v2.
//
// The intervals come from backoff/v4's ExponentialBackOff with its own
// randomisation off, so that the randomness can be injected; the jitter is
// then applied with backoff/v4's formula.
func NewSchedule(b retry.Backoff, rnd func() float64) *Schedule {
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
	b   retry.Backoff
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
