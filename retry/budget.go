package retry

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
