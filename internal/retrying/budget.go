package retrying

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/devcloud/devcloud-go/retry"
)

// Budget is a client's retry token bucket, with the semantics of the AWS
// SDK's standard retry mode: a retry acquires its cost; when that retry
// succeeds, the cost is released back; a call that succeeds at its first
// attempt adds SuccessRefund, up to the capacity. Retries that help are
// therefore free, and only retries that fail drain the bucket: during an
// outage it empties and calls stop retrying, so a fleet of clients does not
// multiply the load on a platform that is already failing.
//
// Beyond AWS: a retry that finds the bucket empty while other retries are
// in flight waits for them to settle, as their success refunds what they
// took; only when none is in flight (nothing can refund: an outage) is it
// refused. So a burst of calls that each need one retry, all at once, loses
// none, while an outage costs what it costs AWS. It is safe for concurrent
// use.
type Budget struct {
	cfg      retry.BudgetConfig
	mu       sync.Mutex
	tokens   int
	full     atomic.Bool   // tokens is the capacity: a success has nothing to refund
	inflight int           // retries paid for and not yet settled
	settled  chan struct{} // closed, and replaced, whenever one settles
}

// NewBudget returns a full bucket sized by cfg.
func NewBudget(cfg retry.BudgetConfig) *Budget {
	b := &Budget{cfg: cfg}
	b.setTokens(cfg.Capacity)
	return b
}

// setTokens sets the bucket's tokens; b.mu is held, or b is new.
func (b *Budget) setTokens(n int) {
	b.tokens = n
	b.full.Store(n >= b.cfg.Capacity)
}

// Acquire takes the cost of one retry (the timeout cost if timeout is set)
// and reports whether the retry may be made. The cost taken is what Release
// gives back if the retry succeeds, or Forfeit settles if it fails; it is 0
// when refused, and from a disabled or nil budget, which always allows.
func (b *Budget) Acquire(timeout bool) (cost int, ok bool) {
	return b.acquire(nil, timeout)
}

// AcquireOrWait is Acquire for a retry that may wait: when the bucket
// cannot pay while other retries are in flight, it waits, until ctx ends,
// for one of them to settle, whose success may refund enough.
func (b *Budget) AcquireOrWait(ctx context.Context, timeout bool) (cost int, ok bool) {
	return b.acquire(ctx, timeout)
}

// acquire waits for settlements only with a ctx.
func (b *Budget) acquire(ctx context.Context, timeout bool) (cost int, ok bool) {
	if b == nil || b.cfg.Disabled {
		return 0, true
	}
	cost = b.cfg.RetryCost
	if timeout {
		cost = b.cfg.TimeoutCost
	}
	b.mu.Lock()
	for b.tokens < cost {
		if ctx == nil || b.inflight == 0 || ctx.Err() != nil {
			b.mu.Unlock()
			return 0, false
		}
		if b.settled == nil {
			b.settled = make(chan struct{})
		}
		settled := b.settled
		b.mu.Unlock()
		select {
		case <-settled:
		case <-ctx.Done():
		}
		b.mu.Lock()
	}
	b.setTokens(b.tokens - cost)
	b.inflight++
	b.mu.Unlock()
	return cost, true
}

// Release settles an Acquire whose retry succeeded: its cost comes back, up
// to the capacity.
func (b *Budget) Release(cost int) { b.settle(cost, true) }

// Forfeit settles an Acquire whose retry did not help (it failed, or the
// call ended before its answer): the tokens stay spent.
func (b *Budget) Forfeit(cost int) { b.settle(cost, false) }

func (b *Budget) settle(cost int, refund bool) {
	if b == nil || b.cfg.Disabled || cost <= 0 {
		return
	}
	b.mu.Lock()
	if refund {
		b.setTokens(min(b.tokens+cost, b.cfg.Capacity))
	}
	b.inflight = max(b.inflight-1, 0)
	if b.settled != nil {
		close(b.settled)
		b.settled = nil
	}
	b.mu.Unlock()
}

// Success adds SuccessRefund, up to the capacity, for a call that succeeded
// without any retry.
func (b *Budget) Success() {
	if b == nil {
		return
	}
	b.add(b.cfg.SuccessRefund)
}

func (b *Budget) add(n int) {
	if b == nil || b.cfg.Disabled || n <= 0 || b.full.Load() {
		// A full bucket, the usual one, keeps its mutex, and its cache
		// line, out of every successful call: adding to it then would
		// have changed nothing.
		return
	}
	b.mu.Lock()
	b.setTokens(min(b.tokens+n, b.cfg.Capacity))
	b.mu.Unlock()
}

// Tokens returns what is left in the bucket.
func (b *Budget) Tokens() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}
