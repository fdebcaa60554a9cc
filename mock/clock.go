package mock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a retry.Clock for tests: Sleep returns at once, records the
// delay it was asked for and moves the clock forward by it. Pass it to
// client.WithClock and a retry sequence takes microseconds while its
// schedule can be asserted exactly. It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock returns a Clock that starts at the real time now, so deadlines
// of real contexts and the clock agree.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and advances the clock by it, unless ctx is already done,
// in which case it returns ctx.Err() and records nothing.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// Advance moves the clock forward without a sleep, as time passing between
// calls (a session nearing its expiry, say).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the delays asked for so far, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}
