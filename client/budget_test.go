package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// platformFunc is an in-process platform: each request gets the reply, or
// the transport error, the function returns. No socket is involved, so a
// test can make tens of thousands of calls in well under a second.
type platformFunc func(r *http.Request) (reply, error)

func (f platformFunc) RoundTrip(r *http.Request) (*http.Response, error) {
	rep, err := f(r)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Content-Type": {"application/json"}}
	for k, v := range rep.header {
		h.Set(k, v)
	}
	return &http.Response{
		StatusCode: rep.status, Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(rep.body)), ContentLength: int64(len(rep.body)),
	}, nil
}

// timeoutError is a transport timeout, as net/http reports one.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// budgetClient is a client without login on platform p, with the fake clock
// clk, deterministic jitter and policy p's budget and attempts.
func budgetClient(t testing.TB, p platformFunc, clk *mock.FakeClock, policy *retry.Policy, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{
		client.WithHTTPClient(&http.Client{Transport: p}), client.WithClock(clk),
		client.WithRandom(half), client.WithPolicy(policy),
	}
	c, err := client.New("http://127.0.0.1:1", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// budgetStep is one attempt: what the platform answers, what the call does
// next, and the tokens left once it has.
type budgetStep struct {
	answer  string // "200", "500", "502", "503" or "timeout"
	outcome string // "retry", "success", "max attempts" or "quota exceeded"
	tokens  int
}

// TestRetryBudgetStandardModeVectors replays the retry-quota test cases of
// the AWS SDKs' standard retry mode (aws-sdk-go-v2 aws/retry, the
// "retry eventually succeeds" … "retry quota recovery after successful
// responses" tables, with standard mode's costs: 5 per retry, 10 after a
// timeout, +1 for a success without retries) through Client.Do, reading the
// tokens left after every attempt from the attempt hook.
func TestRetryBudgetStandardModeVectors(t *testing.T) {
	tests := []struct {
		name        string
		capacity    int
		maxAttempts int
		steps       []budgetStep
	}{
		{"retry eventually succeeds", 500, 3, []budgetStep{
			{"500", "retry", 495}, {"500", "retry", 490}, {"200", "success", 495},
		}},
		{"fail due to max attempts reached", 500, 3, []budgetStep{
			{"502", "retry", 495}, {"502", "retry", 490}, {"502", "max attempts", 490},
		}},
		{"retry quota reached after a single retry", 5, 3, []budgetStep{
			{"500", "retry", 0}, {"500", "quota exceeded", 0},
		}},
		{"no retries at all if retry quota is 0", 0, 3, []budgetStep{
			{"500", "quota exceeded", 0},
		}},
		{"verifying exponential backoff timing", 500, 5, []budgetStep{
			{"500", "retry", 495}, {"500", "retry", 490}, {"500", "retry", 485}, {"500", "retry", 480},
			{"500", "max attempts", 480},
		}},
		{"retry stops after retry quota exhaustion", 9, 5, []budgetStep{
			{"500", "retry", 4}, {"502", "quota exceeded", 4},
		}},
		{"retry quota recovery after successful responses", 15, 5, []budgetStep{
			{"500", "retry", 10}, {"502", "retry", 5}, {"200", "success", 10},
			{"500", "retry", 5}, {"200", "success", 10},
		}},
		{"success without retries adds one up to the capacity", 10, 3, []budgetStep{
			{"503", "retry", 5}, {"503", "retry", 0}, {"503", "max attempts", 0},
			{"200", "success", 1}, {"200", "success", 2},
		}},
		{"full bucket stays full", 500, 3, []budgetStep{
			{"200", "success", 500}, {"200", "success", 500},
		}},
		{"timeout retry costs 10 and gets 10 back when it succeeds", 500, 3, []budgetStep{
			{"timeout", "retry", 490}, {"200", "success", 500},
		}},
		{"only the retry that succeeded is given back", 500, 3, []budgetStep{
			{"timeout", "retry", 490}, {"503", "retry", 485}, {"200", "success", 490},
		}},
		{"timeout retry refused with 5 tokens left", 5, 3, []budgetStep{
			{"timeout", "quota exceeded", 5},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			next := 0
			platform := platformFunc(func(*http.Request) (reply, error) {
				mu.Lock()
				defer mu.Unlock()
				if next >= len(tt.steps) {
					t.Errorf("request %d beyond the %d scripted steps", next+1, len(tt.steps))
					return code(501), nil
				}
				answer := tt.steps[next].answer
				next++
				if answer == "timeout" {
					return reply{}, timeoutError{}
				}
				if answer == "200" {
					return ok(`{}`), nil
				}
				var n int
				fmt.Sscan(answer, &n)
				return code(n), nil
			})
			p := retry.DefaultPolicy()
			p.MaxAttempts = tt.maxAttempts
			p.Budget = retry.BudgetConfig{Capacity: tt.capacity, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
			type seen struct {
				action apierrors.Action
				tokens int
			}
			var steps []seen
			var c *client.Client
			c = budgetClient(t, platform, mock.NewFakeClock(), p, client.WithAttemptHook(func(i client.AttemptInfo) {
				steps = append(steps, seen{i.Action, c.Stats().RetryTokens})
			}))
			var got []budgetStep
			for len(steps) < len(tt.steps) {
				before := len(steps)
				err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
				for i, s := range steps[before:] {
					outcome := "retry"
					switch {
					case before+i < len(steps)-1 && s.action == apierrors.ActionRetry:
					case err == nil:
						outcome = "success"
					case errors.Is(err, retry.ErrBudgetExhausted):
						outcome = "quota exceeded"
					default:
						outcome = "max attempts"
					}
					got = append(got, budgetStep{tt.steps[before+i].answer, outcome, s.tokens})
				}
				if len(steps) == before {
					t.Fatalf("a call made no attempt: %v", err)
				}
			}
			for i := range tt.steps {
				if i >= len(got) || got[i] != tt.steps[i] {
					t.Errorf("steps:\n got  %v\n want %v", got, tt.steps)
					break
				}
			}
		})
	}
}

// TestRetryBudgetFigures measures the budget against three platforms on
// the fake clock (go test ./client -run TestRetryBudgetFigures -v).
func TestRetryBudgetFigures(t *testing.T) {
	t.Run("every call needs one retry: none refused over 10000 calls", func(t *testing.T) {
		const calls = 10000
		var mu sync.Mutex
		requests := 0
		platform := platformFunc(func(*http.Request) (reply, error) {
			mu.Lock()
			defer mu.Unlock()
			requests++
			if requests%2 == 1 {
				return code(503), nil
			}
			return ok(`{}`), nil
		})
		c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy())
		refused, failed := 0, 0
		for range calls {
			err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
			switch {
			case errors.Is(err, retry.ErrBudgetExhausted):
				refused++
			case err != nil:
				failed++
			}
		}
		t.Logf("%d calls, each 503 then 200: %d refused, %d failed, %d requests, %d tokens left", calls, refused, failed, requests, c.Stats().RetryTokens)
		if refused != 0 || failed != 0 || requests != 2*calls || c.Stats().RetryTokens != 500 {
			t.Errorf("refused %d, failed %d, requests %d, tokens %d; want 0, 0, %d, 500", refused, failed, requests, c.Stats().RetryTokens, 2*calls)
		}
	})

	for _, tt := range []struct {
		name     string
		answer   func() (reply, error)
		requests int
	}{
		{"full outage of 1000 calls (503): 1.10 requests per call", func() (reply, error) { return code(503), nil }, 1100},
		{"full outage of 1000 calls (timeouts): 1.05 requests per call", func() (reply, error) { return reply{}, timeoutError{} }, 1050},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const calls = 1000
			var mu sync.Mutex
			requests := 0
			platform := platformFunc(func(*http.Request) (reply, error) {
				mu.Lock()
				requests++
				mu.Unlock()
				return tt.answer()
			})
			c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy())
			refused := 0
			for i := range calls {
				err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
				if err == nil {
					t.Fatalf("call %d succeeded during an outage", i)
				}
				if errors.Is(err, retry.ErrBudgetExhausted) {
					refused++
				}
			}
			t.Logf("%d calls from a fresh client: %d requests, %.2f per call; %d calls refused a retry", calls, requests, float64(requests)/calls, refused)
			if requests != tt.requests {
				t.Errorf("requests = %d, want %d", requests, tt.requests)
			}
		})
	}

	t.Run("alternating 60 s outages and recoveries: the budget refills during each recovery", func(t *testing.T) {
		const (
			phase = 60 * time.Second
			every = 100 * time.Millisecond // one call per 100 ms of fake time
			ends  = 8                      // four outages, four recoveries
		)
		clk := mock.NewFakeClock()
		start := clk.Now()
		var mu sync.Mutex
		requests := 0
		platform := platformFunc(func(*http.Request) (reply, error) {
			mu.Lock()
			requests++
			mu.Unlock()
			if clk.Now().Sub(start)/phase%2 == 0 {
				return code(503), nil
			}
			return ok(`{}`), nil
		})
		c := budgetClient(t, platform, clk, retry.DefaultPolicy())
		type tally struct{ calls, requests, failed, refused, tokens int }
		phases := make([]tally, ends)
		for {
			n := int(clk.Now().Sub(start) / phase)
			if n >= ends {
				break
			}
			mu.Lock()
			before := requests
			mu.Unlock()
			err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
			mu.Lock()
			phases[n].requests += requests - before
			mu.Unlock()
			phases[n].calls++
			if err != nil {
				phases[n].failed++
			}
			if errors.Is(err, retry.ErrBudgetExhausted) {
				phases[n].refused++
			}
			phases[n].tokens = c.Stats().RetryTokens
			clk.Advance(every)
		}
		for n, p := range phases {
			kind := "outage"
			if n%2 == 1 {
				kind = "recovery"
			}
			t.Logf("%3d–%3d s %-8s: %d calls, %d requests, %d failed (%d refused a retry), %d tokens at the end",
				n*60, n*60+60, kind, p.calls, p.requests, p.failed, p.refused, p.tokens)
			var want tally
			if kind == "outage" {
				// A full bucket pays for 100 retries (500 / 5): the first 50
				// calls retry twice and spend 20 s with their sleeps; the other
				// 400 calls fail at once.
				want = tally{calls: 450, requests: 550, failed: 450, refused: 400, tokens: 0}
			} else {
				want = tally{calls: 600, requests: 600, tokens: 500}
			}
			if p != want {
				t.Errorf("%s %d: %+v, want %+v", kind, n/2+1, p, want)
			}
		}
	})
}

// TestRetryBudgetBurstLosesNoCall: 200 calls at once, each needing one
// retry that succeeds. The first retries in flight empty the bucket before
// any of them is answered (the platform holds them until they have), so a
// retry that finds it empty must wait for their refunds: 0 calls fail, and
// the bucket is full again afterwards. AWS's standard mode fails about half
// of them. In an outage of the same shape no refund comes: the waiting
// retries are refused as soon as none is left in flight.
func TestRetryBudgetBurstLosesNoCall(t *testing.T) {
	const calls = 200
	for _, tt := range []struct {
		name     string
		first    func() (reply, error)
		inFlight int // retries the full bucket pays for: 500 / their cost
	}{
		{"503", func() (reply, error) { return code(503), nil }, 100},
		{"20005", func() (reply, error) { return code(20005), nil }, 100},
		{"timeout", func() (reply, error) { return reply{}, timeoutError{} }, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				seen     = map[string]int{}
				held     int
				release  = make(chan struct{})
				requests int
				c        *client.Client
				low      int // tokens left when the last retry the bucket paid for arrived
			)
			platform := platformFunc(func(r *http.Request) (reply, error) {
				mu.Lock()
				requests++
				id := r.Header.Get("X-Call")
				seen[id]++
				if seen[id] == 1 {
					mu.Unlock()
					return tt.first()
				}
				held++
				if held == tt.inFlight {
					low = c.Stats().RetryTokens
					close(release) // the bucket is empty now: let them all through
				}
				mu.Unlock()
				<-release
				return ok(`{}`), nil
			})
			c = budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy())
			var wg sync.WaitGroup
			var failed, refused sync.Map
			for i := range calls {
				wg.Go(func() {
					err := c.Do(context.Background(), "GET", "/v1/x", nil, nil, client.Header("X-Call", fmt.Sprint(i)))
					if err != nil {
						failed.Store(i, err)
					}
					if errors.Is(err, retry.ErrBudgetExhausted) {
						refused.Store(i, true)
					}
				})
			}
			wg.Wait()
			n := 0
			failed.Range(func(_, v any) bool { n++; t.Log(v); return n < 5 })
			t.Logf("%d calls at once, each %s then 200: %d failed, %d requests, %d tokens when the first %d retries were held, %d at the end",
				calls, tt.name, n, requests, low, tt.inFlight, c.Stats().RetryTokens)
			if n != 0 || requests != 2*calls || c.Stats().RetryTokens != 500 {
				t.Errorf("failed %d, requests %d, tokens %d; want 0, %d, 500", n, requests, c.Stats().RetryTokens, 2*calls)
			}
			if low != 0 {
				t.Errorf("%d tokens left while %d retries were held: the burst never emptied the bucket", low, tt.inFlight)
			}
		})
	}

	t.Run("concurrent outage", func(t *testing.T) {
		var mu sync.Mutex
		requests := 0
		platform := platformFunc(func(*http.Request) (reply, error) {
			mu.Lock()
			requests++
			mu.Unlock()
			return code(503), nil
		})
		c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy())
		var wg sync.WaitGroup
		var okCalls sync.Map
		for i := range calls {
			wg.Go(func() {
				if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err == nil {
					okCalls.Store(i, true)
				}
			})
		}
		wg.Wait()
		t.Logf("%d calls at once during an outage: %d requests, %.2f per call, %d tokens left", calls, requests, float64(requests)/calls, c.Stats().RetryTokens)
		// Every retry the bucket paid for failed: 100 of them, each call
		// trying at most its three attempts.
		if requests < calls || requests > calls+100 || c.Stats().RetryTokens != 0 {
			t.Errorf("requests %d, tokens %d; want %d to %d, 0", requests, c.Stats().RetryTokens, calls, calls+100)
		}
	})
}
