package mock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// FakeClock is a retry.Clock for tests: Sleep returns at once, records the
// delay it was asked for and moves the clock forward by it. Pass it to
// client.WithClock and a retry sequence takes microseconds while its
// schedule can be asserted exactly; pass the same one to WithPlatformClock
// and the fake platform keeps the same time. It is safe for concurrent use.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewFakeClock returns a FakeClock that starts at the real time now, so
// deadlines of real contexts and the clock agree.
func NewFakeClock() *FakeClock { return &FakeClock{now: time.Now()} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and advances the clock by it, unless ctx is already done,
// in which case it returns ctx.Err() and records nothing.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
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
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the delays asked for so far, in order.
func (c *FakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}
