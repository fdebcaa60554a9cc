package retrying_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

func ExampleNewSchedule() {
	b := retry.DefaultBackoff()
	b.Jitter = 0 // deterministic: the bare exponential intervals
	s := retrying.NewSchedule(b, nil)
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
		d, ok := retrying.ParseRetryAfter(v, now)
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
	d, ok := retrying.RetryAfter(h, now)
	fmt.Println(d, ok)

	// A date already past on the server's clock is no hint: the normal
	// backoff applies.
	h.Set("Retry-After", "Thu, 02 Jan 2025 02:00:00 GMT")
	d, ok = retrying.RetryAfter(h, now)
	fmt.Println(d, ok)
	// Output:
	// 30s true
	// 0s false
}

func ExampleBudget() {
	b := retrying.NewBudget(retry.DefaultBudget())

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
