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
	// SuccessRefund is what each successful call puts back.
	SuccessRefund int
	// Disabled turns the budget off: every retry the rules allow is made.
	Disabled bool
}

// DefaultBudget is the AWS SDK's retry quota: 500 tokens, a retry costs 5, a
// retry after a timeout 10, each success refunds 1.
func DefaultBudget() BudgetConfig {
	return BudgetConfig{Capacity: 500, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
}

// Budget is a client's retry token bucket. During an outage the bucket
// drains and calls stop retrying, so a fleet of clients does not multiply the
// load on a platform that is already failing; successes refill it. It is safe
// for concurrent use.
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
// and reports whether the retry may be made. A disabled or nil budget always
// allows.
func (b *Budget) Acquire(timeout bool) bool {
	if b == nil || b.cfg.Disabled {
		return true
	}
	cost := b.cfg.RetryCost
	if timeout {
		cost = b.cfg.TimeoutCost
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// Success refunds a successful call's share, up to the capacity.
func (b *Budget) Success() {
	if b == nil || b.cfg.Disabled || b.cfg.SuccessRefund == 0 {
		return
	}
	b.mu.Lock()
	b.tokens = min(b.tokens+b.cfg.SuccessRefund, b.cfg.Capacity)
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
