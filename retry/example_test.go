package retry_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

func ExampleDefaultPolicy() {
	p := retry.DefaultPolicy()
	for _, code := range []apierrors.Code{
		apierrors.SendMessageTimeout,
		apierrors.LicenseExhausted,
		apierrors.InternalServerError,
		apierrors.NotLoggedIn,
		apierrors.LoginTimeInvalid,
		apierrors.LoginTooFrequent,
		apierrors.InsufficientPermission,
	} {
		r := p.Rule(code)
		fmt.Printf("%-5d %-22s %-18s attempts=%d", int(code), code.String(), r.Action, r.MaxAttempts)
		switch r.Action {
		case apierrors.ActionRetry, apierrors.ActionRetryIdempotent, apierrors.ActionRetryThrottle:
			fmt.Printf(" backoff=%v…%v", r.Backoff.Initial, r.Backoff.Max)
		}
		fmt.Println()
	}
	// Output:
	// 20005 SendMessageTimeout     retry              attempts=3 backoff=100ms…5s
	// 30011 LicenseExhausted       retry-throttle     attempts=3 backoff=1s…30s
	// 500   InternalServerError    retry-idempotent   attempts=3 backoff=100ms…5s
	// 10001 NotLoggedIn            relogin            attempts=3
	// 10006 LoginTimeInvalid       relogin-clock-skew attempts=3
	// 10004 LoginTooFrequent       login-cooldown     attempts=3
	// 20001 InsufficientPermission fail               attempts=3
}

func ExamplePolicy_Set() {
	// Retry "insufficient permission" up to 5 attempts, e.g. while a newly
	// granted role propagates.
	p := retry.DefaultPolicy().Set(apierrors.InsufficientPermission, retry.Rule{
		Action:      apierrors.ActionRetry,
		MaxAttempts: 5,
	})

	// A fixed jitter draw of 0.5 makes each delay the schedule's interval.
	r := p.NewRetryer(func() float64 { return 0.5 })
	err := &apierrors.APIError{Code: apierrors.InsufficientPermission}
	for n := 1; n <= 5; n++ {
		d := r.Decide(context.Background(), retry.Attempt{Number: n, Err: err}, time.Now())
		fmt.Printf("attempt %d: %s %v\n", n, d.Action, d.Delay)
	}
	// Output:
	// attempt 1: retry 100ms
	// attempt 2: retry 200ms
	// attempt 3: retry 400ms
	// attempt 4: retry 800ms
	// attempt 5: fail 0s
}

func ExampleBackoff_Schedule() {
	b := retry.DefaultBackoff()
	b.Jitter = 0 // deterministic: the bare exponential intervals
	s := b.Schedule(nil)
	for range 8 {
		fmt.Println(s.Next())
	}
	// Output:
	// 100ms
	// 200ms
	// 400ms
	// 800ms
	// 1.6s
	// 3.2s
	// 5s
	// 5s
}

func ExampleParseRetryAfter() {
	now := time.Date(2025, time.January, 2, 3, 4, 5, 0, time.UTC)
	for _, v := range []string{"2", "Thu, 02 Jan 2025 03:04:35 GMT", "Thu, 02 Jan 2025 03:00:00 GMT", "soon"} {
		d, ok := retry.ParseRetryAfter(v, now)
		fmt.Printf("%q: %v %v\n", v, d, ok)
	}
	// Output:
	// "2": 2s true
	// "Thu, 02 Jan 2025 03:04:35 GMT": 30s true
	// "Thu, 02 Jan 2025 03:00:00 GMT": 0s false
	// "soon": 0s false
}

func ExampleRetryAfter() {
	// Our clock reads 03:04:05; the server's Date says 02:04:05, an hour
	// behind. Its Retry-After date means "in 30 s" on its own clock.
	now := time.Date(2025, time.January, 2, 3, 4, 5, 0, time.UTC)
	h := http.Header{
		"Date":        {"Thu, 02 Jan 2025 02:04:05 GMT"},
		"Retry-After": {"Thu, 02 Jan 2025 02:04:35 GMT"},
	}
	d, ok := retry.RetryAfter(h, now)
	fmt.Println(d, ok)

	// A date already past on the server's clock is no hint: the normal
	// backoff applies.
	h.Set("Retry-After", "Thu, 02 Jan 2025 02:00:00 GMT")
	d, ok = retry.RetryAfter(h, now)
	fmt.Println(d, ok)
	// Output:
	// 30s true
	// 0s false
}

func ExampleBudget() {
	b := retry.NewBudget(retry.DefaultBudget())

	// An outage: every call fails and wants a retry.
	retries := 0
	for {
		if _, ok := b.Acquire(false); !ok {
			break
		}
		retries++
	}
	fmt.Println("retries before the budget ran dry:", retries)

	// The platform recovers; each call that succeeds without a retry adds
	// one token, and five buy the next retry.
	for range 5 {
		b.Success()
	}
	cost, ok := b.Acquire(false)
	fmt.Println("tokens:", b.Tokens()+cost, "retry allowed:", ok)

	// That retry succeeds: its cost comes back, so a retry that helps is free.
	b.Release(cost)
	fmt.Println("tokens after the retry succeeded:", b.Tokens())
	// Output:
	// retries before the budget ran dry: 100
	// tokens: 5 retry allowed: true
	// tokens after the retry succeeded: 5
}
