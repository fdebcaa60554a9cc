package retrying_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

func TestDefaultBudgetIsAWSRetryQuota(t *testing.T) {
	want := retry.BudgetConfig{Capacity: 500, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
	if got := retry.DefaultBudget(); got != want {
		t.Fatalf("DefaultBudget() = %+v, want %+v", got, want)
	}
	if got := retrying.NewBudget(retry.DefaultBudget()).Tokens(); got != 500 {
		t.Fatalf("new budget holds %d tokens, want 500", got)
	}
}

func TestBudgetGrantsCapacityDividedByCostThenRefuses(t *testing.T) {
	tests := []struct {
		name    string
		timeout bool
		granted int
	}{
		{"retry costs 5: 100 retries", false, 100},
		{"timeout retry costs 10: 50 retries", true, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := retrying.NewBudget(retry.DefaultBudget())
			granted := 0
			for acquired(b, tt.timeout) {
				granted++
				if granted > 500 {
					t.Fatal("budget never ran dry")
				}
			}
			if granted != tt.granted {
				t.Fatalf("granted %d retries, want %d", granted, tt.granted)
			}
			if got := b.Tokens(); got != 0 {
				t.Fatalf("Tokens() = %d after draining, want 0", got)
			}
			for range 3 {
				if acquired(b, false) || acquired(b, true) {
					t.Fatal("Acquire granted a retry from an empty budget")
				}
			}
			if got := b.Tokens(); got != 0 {
				t.Fatalf("Tokens() = %d after refusals, want 0", got)
			}
		})
	}
}

func TestBudgetRefusesTimeoutRetryWhenOnlyARetryFits(t *testing.T) {
	b := retrying.NewBudget(retry.DefaultBudget())
	for range 99 {
		if !acquired(b, false) {
			t.Fatal("Acquire refused before the budget ran low")
		}
	}
	if got := b.Tokens(); got != 5 {
		t.Fatalf("Tokens() = %d after 99 retries, want 5", got)
	}
	if acquired(b, true) {
		t.Fatal("timeout retry (cost 10) granted with 5 tokens left")
	}
	if got := b.Tokens(); got != 5 {
		t.Fatalf("a refused Acquire took tokens: %d left, want 5", got)
	}
	if !acquired(b, false) {
		t.Fatal("retry (cost 5) refused with 5 tokens left")
	}
	if got := b.Tokens(); got != 0 {
		t.Fatalf("Tokens() = %d, want 0", got)
	}
}

func TestBudgetSuccessRefundsOneUpToCapacity(t *testing.T) {
	tests := []struct {
		name      string
		retries   int // Acquire(false) before the successes
		successes int
		want      int
	}{
		{"full bucket stays at capacity", 0, 3, 500},
		{"one retry, three successes", 1, 3, 498},
		{"one retry, five successes refill exactly", 1, 5, 500},
		{"one retry, ten successes never exceed capacity", 1, 10, 500},
		{"drained bucket, five successes buy one retry", 100, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := retrying.NewBudget(retry.DefaultBudget())
			for range tt.retries {
				if !acquired(b, false) {
					t.Fatal("Acquire refused while filling the scenario")
				}
			}
			for range tt.successes {
				b.Success()
			}
			if got := b.Tokens(); got != tt.want {
				t.Fatalf("Tokens() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBudgetRefundUnlocksRetryAfterDraining(t *testing.T) {
	b := retrying.NewBudget(retry.DefaultBudget())
	for acquired(b, false) {
	}
	for i := 1; i <= 4; i++ {
		b.Success()
		if acquired(b, false) {
			t.Fatalf("retry granted after %d refunds (%d tokens), want refusal until 5", i, i)
		}
	}
	b.Success()
	if !acquired(b, false) {
		t.Fatal("retry refused with 5 refunded tokens")
	}
}

func TestDisabledBudgetAlwaysAllowsAndKeepsItsTokens(t *testing.T) {
	cfg := retry.DefaultBudget()
	cfg.Disabled = true
	b := retrying.NewBudget(cfg)
	for i := range 1000 {
		if !acquired(b, i%2 == 0) {
			t.Fatalf("disabled budget refused Acquire #%d", i+1)
		}
	}
	b.Success()
	if got := b.Tokens(); got != 500 {
		t.Fatalf("Tokens() = %d, want 500 (unchanged)", got)
	}
}

func TestZeroBudgetConfigAllowsEveryRetry(t *testing.T) {
	// The zero BudgetConfig is documented as a disabled budget.
	b := retrying.NewBudget(retry.BudgetConfig{})
	for i := range 1000 {
		if !acquired(b, i%2 == 0) {
			t.Fatalf("zero-config budget refused Acquire #%d", i+1)
		}
	}
	if got := b.Tokens(); got != 0 {
		t.Fatalf("Tokens() = %d, want 0", got)
	}
}

func TestNilBudgetAllowsEveryRetry(t *testing.T) {
	var b *retrying.Budget
	for range 1000 {
		if !acquired(b, false) || !acquired(b, true) {
			t.Fatal("nil budget refused a retry")
		}
	}
	b.Success() // must not panic
	if got := b.Tokens(); got != 0 {
		t.Fatalf("nil Tokens() = %d, want 0", got)
	}
}

func TestBudgetConcurrentAcquireNeverOverdraws(t *testing.T) {
	const goroutines, triesEach = 100, 5
	b := retrying.NewBudget(retry.DefaultBudget())
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range triesEach {
				if acquired(b, false) {
					granted.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := granted.Load(); got != 100 {
		t.Fatalf("granted %d retries across %d goroutines, want exactly 100", got, goroutines)
	}
	if got := b.Tokens(); got != 0 {
		t.Fatalf("Tokens() = %d, want 0", got)
	}
}

func TestBudgetConcurrentSuccessNeverExceedsCapacity(t *testing.T) {
	b := retrying.NewBudget(retry.DefaultBudget())
	for range 10 {
		acquired(b, false) // 450 left
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Success()
		}()
	}
	wg.Wait()
	if got := b.Tokens(); got != 500 {
		t.Fatalf("Tokens() = %d after 100 concurrent refunds from 450, want 500", got)
	}
}

// acquired reports whether Acquire granted a retry.
func acquired(b *retrying.Budget, timeout bool) bool {
	_, ok := b.Acquire(timeout)
	return ok
}

// TestBudgetTokenRateLimitVector is aws-sdk-go-v2's aws/ratelimit
// TestTokenRateLimit "retrieve" case: a 10-token bucket, retries of cost 5,
// one released, one refused, then 5 tokens added.
func TestBudgetTokenRateLimitVector(t *testing.T) {
	b := retrying.NewBudget(retry.BudgetConfig{Capacity: 10, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 5})
	steps := []struct {
		name    string
		do      func() bool // false when refused
		granted bool
		tokens  int
	}{
		{"acquire 5 and release it", func() bool {
			cost, ok := b.Acquire(false)
			b.Release(cost)
			return ok
		}, true, 10},
		{"acquire 5", func() bool { return acquired(b, false) }, true, 5},
		{"acquire 5", func() bool { return acquired(b, false) }, true, 0},
		{"acquire 5: quota exceeded", func() bool { return acquired(b, false) }, false, 0},
		{"add 5", func() bool { b.Success(); return true }, true, 5},
		{"acquire 5", func() bool { return acquired(b, false) }, true, 0},
	}
	for i, s := range steps {
		if got := s.do(); got != s.granted {
			t.Fatalf("step %d (%s): granted %v, want %v", i+1, s.name, got, s.granted)
		}
		if got := b.Tokens(); got != s.tokens {
			t.Fatalf("step %d (%s): %d tokens, want %d", i+1, s.name, got, s.tokens)
		}
	}
}

func TestBudgetReleaseGivesBackWhatAcquireTook(t *testing.T) {
	tests := []struct {
		name     string
		drain    int  // retries of cost 5 taken first
		timeout  bool // the retry that then succeeds
		wantCost int
		want     int // tokens after its release
	}{
		{"retry from a full bucket", 0, false, 5, 500},
		{"timeout retry from a full bucket", 0, true, 10, 500},
		{"retry after others failed", 10, false, 5, 450},
		{"timeout retry after others failed", 10, true, 10, 450},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := retrying.NewBudget(retry.DefaultBudget())
			for range tt.drain {
				acquired(b, false)
			}
			cost, ok := b.Acquire(tt.timeout)
			if !ok || cost != tt.wantCost {
				t.Fatalf("Acquire(%v) = %d, %v; want %d, true", tt.timeout, cost, ok, tt.wantCost)
			}
			b.Release(cost)
			if got := b.Tokens(); got != tt.want {
				t.Fatalf("Tokens() = %d after Release, want %d", got, tt.want)
			}
		})
	}
}

func TestBudgetReleaseNeverExceedsCapacity(t *testing.T) {
	b := retrying.NewBudget(retry.DefaultBudget())
	b.Release(5)
	b.Release(10)
	if got := b.Tokens(); got != 500 {
		t.Fatalf("Tokens() = %d, want 500", got)
	}
}

func TestDisabledBudgetAcquiresNothingAndReleasesNothing(t *testing.T) {
	cfg := retry.DefaultBudget()
	cfg.Disabled = true
	b := retrying.NewBudget(cfg)
	cost, ok := b.Acquire(true)
	if cost != 0 || !ok {
		t.Fatalf("Acquire = %d, %v; want 0, true", cost, ok)
	}
	b.Release(10)
	var nilBudget *retrying.Budget
	nilBudget.Release(5) // must not panic
	if got := b.Tokens(); got != 500 {
		t.Fatalf("Tokens() = %d, want 500", got)
	}
}
