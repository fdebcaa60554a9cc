package retry

import "sync"

// BudgetConfig sizes a retry budget. The zero value is a disabled budget.
type BudgetConfig struct {
	// Capacity is the bucket's size and initial fill.
	Capacity int
	// RetryCost is what one retry takes from the bucket.
	RetryCost int
	// TimeoutCost is what one retry after a timeout takes.
	TimeoutCost int
	// SuccessRefund is what a call that succeeds without any retry puts
	// back (AWS's NoRetryIncrement). A retry that succeeds gets its own cost
	// back instead.
	SuccessRefund int
	// Disabled turns the budget off: every retry the rules allow is made.
	Disabled bool
}

// DefaultBudget is the AWS SDK's standard-mode retry quota: 500 tokens, a
// retry costs 5, a retry after a timeout 10, a success without retries adds 1.
func DefaultBudget() BudgetConfig {
	return BudgetConfig{Capacity: 500, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
}

// Budget is a client's retry token bucket, with the semantics of the AWS
// SDK's standard retry mode: a retry acquires its cost; when that retry
// succeeds, the cost is released back; a call that succeeds at its first
// attempt adds SuccessRefund, up to the capacity. Retries that help are
// therefore free, and only retries that fail drain the bucket: during an
// outage it empties and calls stop retrying, so a fleet of clients does not
// multiply the load on a platform that is already failing. It is safe for
// concurrent use.
type Budget struct {
	cfg    BudgetConfig
	mu     sync.Mutex
	tokens int
}

// NewBudget returns a full bucket sized by cfg.
func NewBudget(cfg BudgetConfig) *Budget {
	return &Budget{cfg: cfg, tokens: cfg.Capacity}
}

// Acquire takes the cost of one retry (the timeout cost if timeout is set)
// and reports whether the retry may be made. The cost taken is what Release
// gives back if the retry succeeds; it is 0 when refused, and from a disabled
// or nil budget, which always allows.
func (b *Budget) Acquire(timeout bool) (cost int, ok bool) {
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
