package client_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

// quotaPlatform is an in-memory platform that accepts rate requests per
// second with a burst (a token bucket on the bubble's clock) and answers
// 30011 above it. It counts what it answers, from a moment on (mark).
type quotaPlatform struct {
	mu        sync.Mutex
	rate      float64
	tokens    float64
	burst     float64
	at        time.Time
	accepted  int
	throttled int
	since     time.Time // counting from; zero: from the start
	after     [2]int    // accepted, throttled since since
	answer    reply
}

func newQuotaPlatform(rate, burst float64) *quotaPlatform {
	return &quotaPlatform{rate: rate, burst: burst, tokens: burst, at: time.Now(), answer: code(30011)}
}

func (p *quotaPlatform) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	now := time.Now()
	p.tokens = min(p.burst, p.tokens+now.Sub(p.at).Seconds()*p.rate)
	p.at = now
	pass := p.tokens >= 1
	if pass {
		p.tokens--
		p.accepted++
	} else {
		p.throttled++
	}
	if !p.since.IsZero() && !now.Before(p.since) {
		if pass {
			p.after[0]++
		} else {
			p.after[1]++
		}
	}
	answer := p.answer
	p.mu.Unlock()
	if pass {
		return respond(ok(`{}`))(r)
	}
	return respond(answer)(r)
}

// load is what a run of callers saw.
type load struct {
	calls, failed, throttledCalls int
	requests, throttled           int // at the platform
	lateRequests, lateThrottled   int // at the platform, after the first 2 s
}

// runLoad has workers goroutines call c back to back for d, each call
// with its own deadline, on platform p.
func runLoad(c *client.Client, p *quotaPlatform, workers int, d, deadline time.Duration) load {
	start := time.Now()
	p.mu.Lock()
	p.since = start.Add(2 * time.Second)
	p.mu.Unlock()
	var calls, failed, throttledCalls atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Since(start) < d {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				err := c.Do(ctx, "GET", "/v1/devices", nil, nil)
				cancel()
				calls.Add(1)
				if err != nil {
					failed.Add(1)
					if errors.Is(err, client.ErrThrottled) {
						throttledCalls.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return load{
		calls: int(calls.Load()), failed: int(failed.Load()), throttledCalls: int(throttledCalls.Load()),
		requests: p.accepted + p.throttled, throttled: p.throttled,
		lateRequests: p.after[0] + p.after[1], lateThrottled: p.after[1],
	}
}

func (l load) String() string {
	return fmt.Sprintf("%d calls, %d failed (%.2f %%, %d by the throttle); platform: %d requests, %d throttled (%.1f %%); after the first 2 s %d requests, %d throttled (%.2f %%)",
		l.calls, l.failed, pct(l.failed, l.calls), l.throttledCalls, l.requests, l.throttled, pct(l.throttled, l.requests),
		l.lateRequests, l.lateThrottled, pct(l.lateThrottled, l.lateRequests))
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func newQuotaClient(t *testing.T, p *quotaPlatform, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New("http://127.0.0.1:9", append([]client.Option{
		client.WithHTTPClient(&http.Client{Transport: p}), client.WithRandom(half),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAdaptiveThrottleFindsThePlatformsRate is the figure of SPEC §2d:
// one client, 50 goroutines calling back to back for 10 s with a 5 s
// deadline per call, against a platform that accepts 100 requests/s (burst
// 10) and answers 30011 above: with the throttle, throttle answers after
// the first 2 s are at most 5 % of the requests, goodput at least 90
// calls/s, failed calls at most 1 %. The same load without it is logged
// for comparison (go test ./client -run TestAdaptiveThrottleFindsThePlatformsRate -v).
func TestAdaptiveThrottleFindsThePlatformsRate(t *testing.T) {
	const workers, d, deadline = 50, 10 * time.Second, 5 * time.Second
	synctest.Test(t, func(t *testing.T) {
		p := newQuotaPlatform(100, 10)
		// The jitter is random here: the same for every caller, it would
		// send every retry at one instant and make the comparison unfair.
		base := runLoad(newQuotaClient(t, p, client.WithRandom(rand.Float64)), p, workers, d, deadline)
		t.Logf("without the throttle: %v; goodput %.1f calls/s", base, float64(base.calls-base.failed)/d.Seconds())
	})
	synctest.Test(t, func(t *testing.T) {
		p := newQuotaPlatform(100, 10)
		var infos atomic.Int64
		c := newQuotaClient(t, p, client.WithAdaptiveThrottle(client.ThrottleConfig{}),
			client.WithObserver(client.Observer{Throttle: func(client.ThrottleInfo) { infos.Add(1) }}))
		got := runLoad(c, p, workers, d, deadline)
		goodput := float64(got.calls-got.failed) / d.Seconds()
		t.Logf("with the throttle:    %v; goodput %.1f calls/s", got, goodput)
		if share := pct(got.lateThrottled, got.lateRequests); share > 5 {
			t.Errorf("throttle answers after the first 2 s: %.2f %% of requests, want ≤ 5 %%", share)
		}
		if goodput < 90 {
			t.Errorf("goodput %.1f calls/s, want ≥ 90", goodput)
		}
		if share := pct(got.failed, got.calls); share > 1 {
			t.Errorf("failed calls %.2f %%, want ≤ 1 %%", share)
		}
		if infos.Load() == 0 {
			t.Error("the observer never saw the throttle's rate")
		}
	})
}

// enable turns c's throttle on with one throttle answer from p, which then
// accepts everything.
func enable(t *testing.T, c *client.Client, p *memPlatform) {
	t.Helper()
	p.set(respond(code(30011)))
	if err := c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry()); !errors.Is(err, apierrors.LicenseExhausted) {
		t.Fatalf("err = %v, want 30011", err)
	}
	p.set(respond(ok(`{}`)))
}

// TestAdaptiveThrottleOffUntilAThrottleAnswer: until the platform throttles,
// the throttle neither waits nor tells the observer anything; after one
// 30011 (101 answers in the first 10 ms measured: 10 100 req/s, cut by
// β to 7 070), calls go out 1/7 070 s apart.
func TestAdaptiveThrottleOffUntilAThrottleAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		var seen []client.ThrottleInfo
		c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithAdaptiveThrottle(client.ThrottleConfig{}),
			client.WithObserver(client.Observer{Throttle: func(i client.ThrottleInfo) { seen = append(seen, i) }}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range 100 {
			if err := c.Do(bg, "GET", "/v1/devices", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if el := time.Since(start); el != 0 || len(seen) != 0 {
			t.Fatalf("100 calls before any throttle answer took %v and told the observer %d times; want 0, 0", el, len(seen))
		}
		time.Sleep(10 * time.Millisecond) // a fresh half-second
		enable(t, c, p)
		if len(seen) != 1 || !seen[0].On || !seen[0].Throttled {
			t.Fatalf("observer saw %+v, want one throttled answer with the throttle on", seen)
		}
		if seen[0].Rate != 7070 {
			t.Fatalf("rate after the first throttle answer %v req/s, want 7070", seen[0].Rate)
		}
		start = time.Now()
		for range 3 {
			if err := c.Do(bg, "GET", "/v1/devices", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		tick := time.Duration(float64(time.Second) / seen[0].Rate)
		if el := time.Since(start); el < 3*tick-10*time.Microsecond || el > 3*tick+10*time.Microsecond {
			t.Errorf("3 calls after the cut took %v, want 3 ticks of the rate (%v)", el, 3*tick)
		}
	})
}

// TestAdaptiveThrottleRefusesWhatTheDeadlineCannotAfford: a call whose turn
// comes after its deadline is not sent; it fails at once with ErrThrottled
// and the platform's last throttle answer, says it is local, 0 attempts,
// and the breaker does not count it.
func TestAdaptiveThrottleRefusesWhatTheDeadlineCannotAfford(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		c := newMemClient(t, p, client.BreakerConfig{}, client.WithAdaptiveThrottle(client.ThrottleConfig{MinRate: 1}))
		enable(t, c, p)
		before := p.requests.Load()
		start := time.Now()
		for range 10 {
			ctx, cancel := context.WithTimeout(bg, time.Millisecond)
			err := c.Do(ctx, "GET", "/v1/devices", nil, nil)
			cancel()
			if !errors.Is(err, client.ErrThrottled) || !errors.Is(err, apierrors.LicenseExhausted) {
				t.Fatalf("err = %v, want ErrThrottled and 30011", err)
			}
			if got := attemptsOf(err); got != 0 {
				t.Fatalf("attempts = %d, want 0", got)
			}
			if !strings.Contains(err.Error(), "local") {
				t.Fatalf("err = %q: does not say it is local", err)
			}
		}
		if el, sent := time.Since(start), p.requests.Load()-before; el != 0 || sent != 0 || c.BreakerState() != client.BreakerClosed {
			t.Errorf("10 refusals took %v, sent %d, breaker %v; want 0, 0, closed", el, sent, c.BreakerState())
		}
	})
}

// TestAdaptiveThrottleLeavesPollsAlone: once the throttle is on, a long
// poll goes out at once and its answer does not move the rate.
func TestAdaptiveThrottleLeavesPollsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		var seen atomic.Int64
		c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithAdaptiveThrottle(client.ThrottleConfig{}),
			client.WithObserver(client.Observer{Throttle: func(client.ThrottleInfo) { seen.Add(1) }}))
		if err != nil {
			t.Fatal(err)
		}
		enable(t, c, p)
		start, polls := time.Now(), 0
		for _, err := range client.Poll[struct{}](bg, c, "GET", "/v1/events", nil, client.PollOptions[struct{}]{Hold: time.Second}) {
			if err != nil {
				t.Fatal(err)
			}
			if polls++; polls == 5 {
				break
			}
		}
		if el := time.Since(start); el != 0 || seen.Load() != 1 {
			t.Errorf("5 polls took %v and told the observer %d times in all; want 0 and 1 (the throttle answer)", el, seen.Load())
		}
	})
}

// TestAdaptiveThrottleConfigMistakes: bad settings are InputErrors.
func TestAdaptiveThrottleConfigMistakes(t *testing.T) {
	for _, cfg := range []client.ThrottleConfig{{MinRate: -1}, {Beta: 1}, {Beta: -0.1}, {Scale: -1}} {
		_, err := client.New("http://127.0.0.1:9", client.WithAdaptiveThrottle(cfg))
		var ie *client.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%+v: err = %v, want an *InputError", cfg, err)
		}
	}
}
