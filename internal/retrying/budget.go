package retrying

import (
	"context"
	"sync"

	"github.com/devcloud/devcloud-go/retry"
)

// Budget is a client's retry token bucket, with the semantics of the AWS
// SDK's standard retry mode: a retry acquires its cost; when that retry
// succeeds, the cost is released back; a call that succeeds at its first
// attempt adds SuccessRefund, up to the capacity. Retries that help are
// therefore free, and only retries that fail drain the bucket: during an
// outage it empties and calls stop retrying, so a fleet of clients does not
// multiply the load on a platform that is already failing. It is safe for
// concurrent use.
type Budget struct {
	cfg    retry.BudgetConfig
	mu     sync.Mutex
	tokens int
}

// NewBudget returns a full bucket sized by cfg.
func NewBudget(cfg retry.BudgetConfig) *Budget {
	return &Budget{cfg: cfg, tokens: cfg.Capacity}
}

// Acquire takes the cost of one retry (the timeout cost if timeout is set)
// and reports whether the retry may be made. The cost taken is what Release
// gives back if the retry succeeds, or Forfeit settles if it fails; it is 0
// when refused, and from a disabled or nil budget, which always allows.
func (b *Budget) Acquire(ctx context.Context, timeout bool) (cost int, ok bool) {
	if b == nil || b.cfg.Disabled {
		return 0, true
	}
	cost = b.cfg.RetryCost
	if timeout {
		cost = b.cfg.TimeoutCost
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < cost {
		return 0, false
	}
	b.tokens -= cost
	return cost, true
}

// Release gives back the cost an Acquire took, up to the capacity: the
// retry it paid for succeeded. A retry that failed keeps its cost.
func (b *Budget) Release(cost int) {
	b.add(cost)
}

// Forfeit settles the cost an Acquire took for a retry that did not help:
// the tokens stay spent.
func (b *Budget) Forfeit(cost int) {}

// Success adds SuccessRefund, up to the capacity, for a call that succeeded
// without any retry.
func (b *Budget) Success() {
	if b == nil {
		return
	}
	b.add(b.cfg.SuccessRefund)
}

func (b *Budget) add(n int) {
	if b == nil || b.cfg.Disabled || n <= 0 {
		return
	}
	b.mu.Lock()
	b.tokens = min(b.tokens+n, b.cfg.Capacity)
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
