package client_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// A platform that is down gets a probe every 30 s, not every call's
// attempts. 1 000 GETs, one every 100 ms (about 100 s), with the default
// breaker and retry policy:
//
//	t=0     call 1: 3 attempts fail (sleeps 100 ms, 200 ms)
//	t=0.4   call 2: 2 attempts fail → 5 failures in 10 s, 100 % → open
//	        (the call stops before its third attempt: no token, no sleep)
//	t=30.5+ a probe fails → open again; the same near t=61 and t=91.5
//
// so 5 + 3 = 8 requests, and every call after the first matches
// ErrCircuitOpen.
func TestBreakerStopsCallingADeadPlatform(t *testing.T) {
	tests := []struct {
		name   string
		answer func(*http.Request) (*http.Response, error)
	}{
		{"503", respond(code(503))},
		{"connection refused", refuse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const calls = 1000
				p := newMemPlatform(tt.answer)
				var tr transitions
				c := newMemClient(t, p, client.BreakerConfig{OnStateChange: tr.record})
				var open, fast int
				var budgetSpent int
				for i := range calls {
					start, tokens := time.Now(), c.Stats().RetryTokens
					before := p.requests.Load()
					err := c.Do(bg, "GET", "/v1/devices", nil, nil)
					if err == nil {
						t.Fatalf("call %d succeeded against a dead platform", i+1)
					}
					if isOpen(err) {
						open++
					}
					if p.requests.Load() == before {
						// Refused: nothing sent, so nothing slept or spent.
						fast++
						if d := time.Since(start); d != 0 {
							t.Errorf("call %d was refused after %v, want no wait at all", i+1, d)
						}
						if !isOpen(err) {
							t.Errorf("call %d sent nothing but err = %v", i+1, err)
						}
					}
					budgetSpent += tokens - c.Stats().RetryTokens
					wait(100 * time.Millisecond)
				}
				reqs := p.requests.Load()
				t.Logf("%d calls against a dead platform (%s): %d requests (%.3f per call), %d ErrCircuitOpen, %d refused without a request; states: %s",
					calls, tt.name, reqs, float64(reqs)/calls, open, fast, &tr)
				if reqs != 8 {
					t.Errorf("requests = %d, want 8 (5 to open, 3 probes)", reqs)
				}
				if float64(reqs)/calls > 0.1 {
					t.Errorf("%.3f requests per call, want ≤ 0.1", float64(reqs)/calls)
				}
				if open != calls-1 || fast != calls-5 {
					t.Errorf("ErrCircuitOpen = %d, refused = %d; want %d and %d", open, fast, calls-1, calls-5)
				}
				// The 3 retries before the breaker opened cost 5 tokens each.
				if budgetSpent != 15 {
					t.Errorf("budget spent = %d tokens, want 15", budgetSpent)
				}
				want := "closed→open open→half-open half-open→open open→half-open half-open→open open→half-open half-open→open"
				if got := tr.String(); got != want {
					t.Errorf("states: %s\nwant:   %s", got, want)
				}
			})
		})
	}
}

// The default breaker as the SPEC's check sees it: 200 calls, back to back,
// against a platform answering 503 to everything but the login; and the
// same calls without a breaker, where only the retry budget holds back.
func TestBreakerDefaultConfig200CallsOn503(t *testing.T) {
	tests := []struct {
		name               string
		opts               []client.Option
		wantReqs, wantOpen int
		wantTook           time.Duration
	}{
		// 1 login (a success), then 3 + 2 failed attempts: 5 of 6 → open.
		{"with the default breaker", []client.Option{client.WithCircuitBreaker(client.BreakerConfig{})}, 6, 199, 400 * time.Millisecond},
		// 500 tokens pay for 100 retries: 50 calls of 3 attempts sleeping
		// 100 + 200 ms, then 150 calls of 1.
		{"without a breaker", nil, 1 + 300, 0, 50 * 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(respond(code(503)))
				opts := append([]client.Option{client.WithHTTPClient(&http.Client{Transport: p}), client.WithRandom(half),
					client.WithCredentials("app-1", "secret-1")}, tt.opts...)
				c, err := client.New("http://127.0.0.1:9", opts...)
				if err != nil {
					t.Fatal(err)
				}
				var open, fast int
				begin := time.Now()
				for range 200 {
					start := time.Now()
					err := c.Do(bg, "POST", "/v1/streams", map[string]string{"DeviceId": "cam-1"}, nil, client.Idempotent(true))
					if isOpen(err) {
						open++
						if time.Since(start) == 0 {
							fast++
						}
					}
				}
				took := time.Since(begin)
				reqs := p.requests.Load()
				t.Logf("200 calls on 503 %s: %d requests (%d login), took %v; %d ErrCircuitOpen, %d of them without any wait",
					tt.name, reqs, p.logins.Load(), took, open, fast)
				if reqs != int64(tt.wantReqs) || p.logins.Load() != 1 || took != tt.wantTook {
					t.Errorf("requests = %d (logins %d), took %v; want %d (1), %v", reqs, p.logins.Load(), took, tt.wantReqs, tt.wantTook)
				}
				if open != tt.wantOpen || fast != max(tt.wantOpen-1, 0) {
					t.Errorf("ErrCircuitOpen = %d (fast %d), want %d (%d)", open, fast, tt.wantOpen, max(tt.wantOpen-1, 0))
				}
			})
		})
	}
}

// Half-open lets exactly one probe through, however many callers arrive:
// the others fail at once. The probe's outcome decides the next state.
func TestBreakerHalfOpenLetsOneProbeThrough(t *testing.T) {
	tests := []struct {
		name      string
		probe     func(*http.Request) (*http.Response, error)
		wantState client.BreakerState
		wantOK    int
		wantSeen  string
	}{
		{"probe succeeds: closed", respond(ok(`{}`)), client.BreakerClosed, 1, "closed→open open→half-open half-open→closed"},
		{"probe fails: open again", respond(code(503)), client.BreakerOpen, 0, "closed→open open→half-open half-open→open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(respond(code(503)))
				var tr transitions
				c := newMemClient(t, p, client.BreakerConfig{OnStateChange: tr.record})
				for range 5 {
					c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
				}
				if c.BreakerState() != client.BreakerOpen {
					t.Fatalf("state = %v after 5 failures, want open", c.BreakerState())
				}
				wait(30*time.Second + time.Millisecond)

				p.set(tt.probe)
				release := p.holdRequests()
				before := p.requests.Load()
				var okCalls, refused atomic.Int64
				var wg sync.WaitGroup
				for range 50 {
					wg.Go(func() {
						err := c.Do(bg, "GET", "/v1/devices", nil, nil)
						switch {
						case err == nil:
							okCalls.Add(1)
						case isOpen(err):
							refused.Add(1)
						}
					})
				}
				synctest.Wait() // the probe waits inside the platform; the others are done
				if got := p.requests.Load() - before; got != 1 {
					t.Errorf("requests while half-open = %d, want exactly 1 probe", got)
				}
				if got := refused.Load(); got != 49 {
					t.Errorf("refused while the probe ran = %d, want 49", got)
				}
				release()
				wg.Wait()
				if got := p.requests.Load() - before; got != 1 {
					t.Errorf("requests = %d, want 1", got)
				}
				if okCalls.Load() != int64(tt.wantOK) || c.BreakerState() != tt.wantState {
					t.Errorf("successes = %d, state = %v; want %d, %v", okCalls.Load(), c.BreakerState(), tt.wantOK, tt.wantState)
				}
				if got := tr.String(); got != tt.wantSeen {
					t.Errorf("states: %s, want %s", got, tt.wantSeen)
				}
			})
		})
	}
}

// Answers that prove the platform alive never open the breaker, however
// many calls meet them: 1 000 calls answered 20001 (a logic code, failed at
// once); 1 000 calls each meeting 10001 once (the session dies, a relogin,
// the replay succeeds); 1 000 calls on a platform that answers 10001 to
// every session (the logins back off; the calls fail with 10001).
func TestBreakerNeverOpensOnAnswers(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(*http.Request) (*http.Response, error)
		wantCode int // 0: success
		wantReqs int64
	}{
		{"20001", respond(code(20001)), 20001, 1 + 1000},
		{"10001 once per call, then a relogin", alternate(respond(code(10001)), respond(ok(`{}`))), 0, 1 + 3*1000},
		{"10001 to every session", respond(code(10001)), 10001, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(tt.answer)
				var tr transitions
				c := newMemClient(t, p, client.BreakerConfig{OnStateChange: tr.record}, client.WithCredentials("app-1", "secret-1"))
				var wrong, open int
				for range 1000 {
					err := c.Do(bg, "GET", "/v1/devices", nil, nil)
					if isOpen(err) {
						open++
					}
					if tt.wantCode == 0 && err != nil || tt.wantCode != 0 && !errors.Is(err, apierrors.Code(tt.wantCode)) {
						wrong++
					}
					wait(10 * time.Millisecond)
				}
				reqs := p.requests.Load()
				t.Logf("1000 calls, %s: %d requests (%d logins), %d ErrCircuitOpen, state changes: %d",
					tt.name, reqs, p.logins.Load(), open, len(tr.seen))
				if open != 0 || wrong != 0 || tr.String() != "" || c.BreakerState() != client.BreakerClosed {
					t.Errorf("ErrCircuitOpen = %d, other outcomes = %d, state changes %q, state %v; want 0, 0, none, closed",
						open, wrong, tr.String(), c.BreakerState())
				}
				if tt.wantReqs >= 0 && reqs != tt.wantReqs {
					t.Errorf("requests = %d, want %d", reqs, tt.wantReqs)
				}
			})
		})
	}
}

// alternate answers a, b, a, b, … to the API's requests.
func alternate(a, b func(*http.Request) (*http.Response, error)) func(*http.Request) (*http.Response, error) {
	var n atomic.Int64
	return func(r *http.Request) (*http.Response, error) {
		if n.Add(1)%2 == 1 {
			return a(r)
		}
		return b(r)
	}
}

// When the platform comes back, the first probe after OpenFor closes the
// breaker and every call goes through again. Down until t=45 s, one GET
// every 100 ms: open at 0.4 s, a failed probe at 30.5 s, a successful one
// near 61 s, then each call makes one request.
func TestBreakerRecoversWhenThePlatformComesBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(503)))
		var tr transitions
		c := newMemClient(t, p, client.BreakerConfig{OnStateChange: tr.record})
		start := time.Now()
		var okCalls, firstOK int
		var after int64 // requests made by calls after the first success
		for i := range 1000 {
			if time.Since(start) >= 45*time.Second {
				p.set(respond(ok(`{}`)))
			}
			before := p.requests.Load()
			if err := c.Do(bg, "GET", "/v1/devices", nil, nil); err == nil {
				if okCalls == 0 {
					firstOK = i
				} else {
					after += p.requests.Load() - before
				}
				okCalls++
			}
			wait(100 * time.Millisecond)
		}
		t.Logf("first success at call %d; %d successes; %d requests in all; states: %s",
			firstOK+1, okCalls, p.requests.Load(), &tr)
		if okCalls != 1000-firstOK || after != int64(okCalls-1) {
			t.Errorf("successes = %d from call %d, %d requests after the first; want every call from then on, one request each",
				okCalls, firstOK+1, after)
		}
		if want := "closed→open open→half-open half-open→open open→half-open half-open→closed"; tr.String() != want {
			t.Errorf("states: %s\nwant:   %s", &tr, want)
		}
		// 5 to open, 1 failed probe, then 1000-firstOK successes.
		if got, want := p.requests.Load(), int64(6+1000-firstOK); got != want {
			t.Errorf("requests = %d, want %d", got, want)
		}
	})
}

// What counts: after 10 calls answered X then 5 calls answered 503, the
// breaker is open if X was not counted (5 failures of 5) and closed if X
// was a success (5 of 15). A failure opens it during the X calls already.
func TestBreakerCountsWhatSaysThePlatformIsDown(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(*http.Request) (*http.Response, error)
		timeout time.Duration // the caller's deadline, if any
		want    string        // success, failure, not counted
	}{
		{"200 is a success", respond(ok(`{}`)), 0, "success"},
		{"404 is a success", respond(code(404)), 0, "success"},
		{"400 is a success", respond(code(400)), 0, "success"},
		{"20001 is a success", respond(code(20001)), 0, "success"},
		{"20005 is a success", respond(code(20005)), 0, "success"},
		{"10001 is a success", respond(code(10001)), 0, "success"},
		{"a body that does not decode is a success", respond(reply{status: 200, body: "<html>"}), 0, "success"},
		{"500 is a failure", respond(code(500)), 0, "failure"},
		{"502 is a failure", respond(code(502)), 0, "failure"},
		{"503 is a failure", respond(code(503)), 0, "failure"},
		{"504 is a failure", respond(code(504)), 0, "failure"},
		{"an HTML 502 is a failure", respond(reply{status: 502, body: "<html>bad gateway</html>"}), 0, "failure"},
		{"connection refused is a failure", refuse, 0, "failure"},
		{"429 is not counted", respond(code(429)), 0, "not counted"},
		{"30011 is not counted", respond(code(30011)), 0, "not counted"},
		{"10004 is not counted", respond(code(10004)), 0, "not counted"},
		{"the caller's deadline is not counted", stall, time.Second, "not counted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(tt.answer)
				c := newMemClient(t, p, client.BreakerConfig{})
				call := func() {
					ctx := bg
					if tt.timeout > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(bg, tt.timeout)
						defer cancel()
					}
					c.Do(ctx, "GET", "/v1/devices", nil, nil, client.NoRetry())
				}
				for range 10 {
					call()
				}
				opened := c.BreakerState() == client.BreakerOpen
				p.set(respond(code(503)))
				for range 5 {
					call()
				}
				var got string
				switch {
				case opened:
					got = "failure"
				case c.BreakerState() == client.BreakerOpen:
					got = "not counted"
				default:
					got = "success"
				}
				if got != tt.want {
					t.Errorf("counted as %s, want %s", got, tt.want)
				}
			})
		})
	}
}

// A call whose failure opens the breaker stops there: it returns that
// failure, matching ErrCircuitOpen too, without a retry-budget token or a
// sleep.
func TestBreakerStopsARetryBeforeTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(503)))
		c := newMemClient(t, p, client.BreakerConfig{})
		for range 4 {
			c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
		}
		tokens, start := c.Stats().RetryTokens, time.Now()
		err := c.Do(bg, "GET", "/v1/devices", nil, nil)
		var ae *apierrors.APIError
		if !errors.As(err, &ae) || ae.Code != 503 || ae.Attempts != 1 || !isOpen(err) {
			t.Fatalf("err = %v, want the 503 of 1 attempt, matching ErrCircuitOpen", err)
		}
		if p.requests.Load() != 5 || c.Stats().RetryTokens != tokens || time.Since(start) != 0 {
			t.Errorf("requests = %d, tokens %d → %d, waited %v; want 5, unchanged, 0",
				p.requests.Load(), tokens, c.Stats().RetryTokens, time.Since(start))
		}
	})
}

// A refused call says so and carries the failure that opened the breaker,
// with its own method and path; nothing about it changes afterwards.
func TestBreakerErrorCarriesTheLastFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(502)))
		c := newMemClient(t, p, client.BreakerConfig{MinFailures: 1})
		first := c.Do(bg, "GET", "/v1/devices?token=secret-q", nil, nil)
		err := c.Do(bg, "POST", "/v1/streams", nil, nil)
		if !isOpen(err) || !errors.Is(err, apierrors.BadGateway) {
			t.Fatalf("err = %v, want ErrCircuitOpen carrying the 502", err)
		}
		var ae *apierrors.APIError
		errors.As(err, &ae)
		if ae == nil || ae.Path != "/v1/devices" || ae.Method != "GET" {
			t.Errorf("last failure = %+v, want the 502 of GET /v1/devices", ae)
		}
		const prefix = "devcloud: POST /v1/streams: circuit breaker open, request not sent; last failure: GET /v1/devices: code 502 "
		if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, `"scripted 502" (request id "req-502")`) ||
			strings.Contains(msg, "secret-q") {
			t.Errorf("Error() = %s\nwant      %s…\"scripted 502\" (request id \"req-502\")", msg, prefix)
		}
		if ae == first {
			t.Error("the refused call shares the first call's error value")
		}
	})
}

// An open breaker refuses the login request too, and that starts no login
// cool-down: once the platform is back, the next login goes through.
func TestBreakerRefusedLoginStartsNoCooldown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(503)))
		c := newMemClient(t, p, client.BreakerConfig{MinFailures: 1}, client.WithCredentials("app-1", "secret-1"))
		p.setLogin(respond(code(503)))
		for range 3 {
			start := time.Now()
			err := c.Do(bg, "GET", "/v1/devices", nil, nil)
			if !isOpen(err) || time.Since(start) != 0 {
				t.Fatalf("err = %v after %v, want ErrCircuitOpen at once", err, time.Since(start))
			}
			var ce *client.LoginCooldownError
			var le *client.LoginFailedError
			if errors.As(err, &ce) || !errors.As(err, &le) {
				t.Fatalf("err = %v (%T), want a LoginFailedError and no login cool-down", err, err)
			}
		}
		if p.logins.Load() != 1 {
			t.Errorf("login requests = %d, want 1 (it opened the breaker)", p.logins.Load())
		}
		p.setLogin(nil)
		p.set(respond(ok(`{}`)))
		wait(30*time.Second + time.Millisecond)
		if err := c.Do(bg, "GET", "/v1/devices", nil, nil); err != nil {
			t.Fatalf("after the platform came back: %v", err)
		}
		if p.logins.Load() != 2 || c.BreakerState() != client.BreakerClosed {
			t.Errorf("login requests = %d, state %v; want 2, closed", p.logins.Load(), c.BreakerState())
		}
	})
}

// Each field changes what it says.
func TestBreakerConfigFields(t *testing.T) {
	tests := []struct {
		name  string
		cfg   client.BreakerConfig
		run   func(c *client.Client, p *memPlatform)
		state client.BreakerState
	}{
		{"MinFailures 2 opens after 2", client.BreakerConfig{MinFailures: 2}, func(c *client.Client, p *memPlatform) {
			fail(c, 2)
		}, client.BreakerOpen},
		{"MinFailures 3 does not open after 2", client.BreakerConfig{MinFailures: 3}, func(c *client.Client, p *memPlatform) {
			fail(c, 2)
		}, client.BreakerClosed},
		{"FailureRatio 0.9 does not open at 5 of 6", client.BreakerConfig{FailureRatio: 0.9}, func(c *client.Client, p *memPlatform) {
			succeed(c, p, 1)
			fail(c, 5)
		}, client.BreakerClosed},
		{"FailureRatio 0.8 opens at 5 of 6", client.BreakerConfig{FailureRatio: 0.8}, func(c *client.Client, p *memPlatform) {
			succeed(c, p, 1)
			fail(c, 5)
		}, client.BreakerOpen},
		{"Window 1 s forgets failures 2 s apart", client.BreakerConfig{Window: time.Second}, func(c *client.Client, p *memPlatform) {
			for range 10 {
				fail(c, 1)
				wait(2 * time.Second)
			}
		}, client.BreakerClosed},
		{"the default window keeps them", client.BreakerConfig{}, func(c *client.Client, p *memPlatform) {
			for range 5 {
				fail(c, 1)
				wait(2 * time.Second)
			}
		}, client.BreakerOpen},
		{"the window rolls: 4 old failures and 1 new do not open", client.BreakerConfig{}, func(c *client.Client, p *memPlatform) {
			fail(c, 4)
			wait(10 * time.Second)
			fail(c, 1)
		}, client.BreakerClosed},
		{"OpenFor 1 s: half-open after 1 s", client.BreakerConfig{OpenFor: time.Second}, func(c *client.Client, p *memPlatform) {
			fail(c, 5)
			wait(time.Second + time.Millisecond)
		}, client.BreakerHalfOpen},
		{"the default stays open at 29 s", client.BreakerConfig{}, func(c *client.Client, p *memPlatform) {
			fail(c, 5)
			wait(29 * time.Second)
		}, client.BreakerOpen},
		{"Probes 2: one success is not enough", client.BreakerConfig{Probes: 2}, func(c *client.Client, p *memPlatform) {
			fail(c, 5)
			wait(31 * time.Second)
			succeed(c, p, 1)
		}, client.BreakerHalfOpen},
		{"Probes 2: two successes close it", client.BreakerConfig{Probes: 2}, func(c *client.Client, p *memPlatform) {
			fail(c, 5)
			wait(31 * time.Second)
			succeed(c, p, 2)
		}, client.BreakerClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(respond(code(503)))
				c := newMemClient(t, p, tt.cfg)
				tt.run(c, p)
				if got := c.BreakerState(); got != tt.state {
					t.Errorf("state = %v, want %v", got, tt.state)
				}
			})
		})
	}
}

// fail makes n calls of one attempt answered 503.
func fail(c *client.Client, n int) {
	for range n {
		c.Do(bg, "GET", "/v1/fail", nil, nil, client.NoRetry())
	}
}

// succeed makes n calls answered 200, then goes back to 503.
func succeed(c *client.Client, p *memPlatform, n int) {
	p.set(respond(ok(`{}`)))
	defer p.set(respond(code(503)))
	for range n {
		c.Do(bg, "GET", "/v1/ok", nil, nil)
	}
}

func TestWithCircuitBreakerRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   client.BreakerConfig
		field string
	}{
		{"negative window", client.BreakerConfig{Window: -time.Second}, "breaker.Window"},
		{"negative min failures", client.BreakerConfig{MinFailures: -1}, "breaker.MinFailures"},
		{"min failures past 2^30", client.BreakerConfig{MinFailures: 1<<30 + 1}, "breaker.MinFailures"},
		{"NaN ratio", client.BreakerConfig{FailureRatio: math.NaN()}, "breaker.FailureRatio"},
		{"probes past 65536", client.BreakerConfig{Probes: 1<<16 + 1}, "breaker.Probes"},
		{"ratio above 1", client.BreakerConfig{FailureRatio: 1.5}, "breaker.FailureRatio"},
		{"negative ratio", client.BreakerConfig{FailureRatio: -0.1}, "breaker.FailureRatio"},
		{"negative open time", client.BreakerConfig{OpenFor: -1}, "breaker.OpenFor"},
		{"negative probes", client.BreakerConfig{Probes: -1}, "breaker.Probes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New("http://127.0.0.1:9", client.WithCircuitBreaker(tt.cfg))
			var ie *client.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Errorf("err = %v, want an InputError on %s", err, tt.field)
			}
		})
	}
}

// A client without the option has no breaker: a dead platform gets every
// attempt of every call, and the state reads closed.
func TestNoBreakerByDefault(t *testing.T) {
	p := newMemPlatform(respond(code(503)))
	c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}), client.WithClock(mock.NewFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := c.Do(bg, "GET", "/v1/devices", nil, nil); isOpen(err) {
			t.Fatalf("err = %v without a breaker", err)
		}
	}
	if p.requests.Load() != 30 || c.BreakerState() != client.BreakerClosed {
		t.Errorf("requests = %d, state %v; want 30, closed", p.requests.Load(), c.BreakerState())
	}
}

// A real refused connection on loopback opens the breaker too. The window
// and open time are an hour so that a stalled machine cannot change the
// outcome.
func TestBreakerOpensOnARealRefusedConnection(t *testing.T) {
	clk := mock.NewFakeClock()
	c, err := client.New(mock.RefusedURL(), client.WithClock(clk), client.WithRandom(half),
		client.WithCircuitBreaker(client.BreakerConfig{Window: time.Hour, OpenFor: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	var open int
	for range 5 {
		if isOpen(c.Do(bg, "GET", "/v1/devices", nil, nil)) {
			open++
		}
	}
	// 3 + 2 refused attempts open it; the other calls are refused.
	if c.BreakerState() != client.BreakerOpen || open != 4 || len(clk.Sleeps()) != 3 {
		t.Errorf("state %v, ErrCircuitOpen %d, sleeps %v; want open, 4, 3 sleeps", c.BreakerState(), open, clk.Sleeps())
	}
}

// OnStateChange runs outside the breaker's lock, so it may use the client.
func TestBreakerOnStateChangeMayCallTheClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(503)))
		var c *client.Client
		var seen []client.BreakerState
		c = newMemClient(t, p, client.BreakerConfig{MinFailures: 1, OnStateChange: func(from, to client.BreakerState) {
			seen = append(seen, c.BreakerState())
			c.Do(bg, "GET", "/v1/health", nil, nil, client.NoRetry())
		}})
		fail(c, 1)
		if len(seen) != 1 || seen[0] != client.BreakerOpen {
			t.Errorf("states seen by the callback = %v, want [open]", seen)
		}
	})
}

// TestBreakerJudgesTheAnswerNotItsStatus: a platform code in the body is the
// platform answering whatever the HTTP status, so 1 000 calls answered
// {"Error":{"Code":20001}} with status 500 open nothing (946 were refused
// when the status decided). An HTML 500 still counts as a failure.
func TestBreakerJudgesTheAnswerNotItsStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(reply{status: 500, body: `{"Error":{"Code":20001,"Message":"bad id"}}`}))
		c := newMemClient(t, p, client.BreakerConfig{})
		refused := 0
		for range 1000 {
			if err := c.Do(bg, "GET", "/v1/devices", nil, nil); isOpen(err) {
				refused++
			} else if !errors.Is(err, apierrors.Code(20001)) {
				t.Fatalf("err = %v, want 20001", err)
			}
		}
		t.Logf("1000 calls answered 20001 in an HTTP 500: %d refused, %d requests, breaker %v", refused, p.requests.Load(), c.BreakerState())
		if refused != 0 || c.BreakerState() != client.BreakerClosed || p.requests.Load() != 1000 {
			t.Errorf("refused %d, state %v, requests %d; want 0, closed, 1000", refused, c.BreakerState(), p.requests.Load())
		}
		p = newMemPlatform(respond(reply{status: 500, body: "<html>internal error</html>"}))
		c = newMemClient(t, p, client.BreakerConfig{})
		for range 5 {
			c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
		}
		if c.BreakerState() != client.BreakerOpen {
			t.Errorf("state after 5 HTML 500s = %v, want open", c.BreakerState())
		}
	})
}

// openBreaker makes 5 failed calls and waits out OpenFor: the next attempt
// is the half-open probe.
func openBreaker(t *testing.T, c *client.Client, p *memPlatform) {
	t.Helper()
	p.set(respond(code(503)))
	for range 5 {
		c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
	}
	if c.BreakerState() != client.BreakerOpen {
		t.Fatalf("state = %v after 5 failures, want open", c.BreakerState())
	}
	wait(30*time.Second + time.Millisecond)
}

// TestBreakerHungProbeFreesItsSlot: the probe hangs; after ProbeTimeout
// (3 s by default) it frees the slot without counting, and the next probe
// decides. Before, every call was refused for as long as the probe hung.
func TestBreakerHungProbeFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(code(503)))
		var tr transitions
		c := newMemClient(t, p, client.BreakerConfig{OnStateChange: tr.record})
		openBreaker(t, c, p)
		p.set(stall)
		start := time.Now()
		err := c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) || took != 3*time.Second {
			t.Errorf("hung probe: err %v after %v, want a deadline after 3s", err, took)
		}
		if c.BreakerState() != client.BreakerHalfOpen {
			t.Errorf("state after the hung probe = %v, want half-open (not counted)", c.BreakerState())
		}
		p.set(respond(ok(`{}`)))
		if err := c.Do(bg, "GET", "/v1/devices", nil, nil); err != nil {
			t.Errorf("next probe: %v", err)
		}
		t.Logf("a probe hung for %v, then the next probe: %s", took, tr.String())
		if got, want := tr.String(), "closed→open open→half-open half-open→closed"; got != want {
			t.Errorf("states: %s, want %s", got, want)
		}
	})
}

// TestBreakerThrottledProbeDecides: a probe answered 429 (or 30011) proves
// the platform alive and closes the breaker; it used to leave it half-open
// for good.
func TestBreakerThrottledProbeDecides(t *testing.T) {
	for _, n := range []int{429, 30011} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newMemPlatform(respond(code(503)))
				c := newMemClient(t, p, client.BreakerConfig{})
				openBreaker(t, c, p)
				p.set(respond(code(n)))
				c.Do(bg, "GET", "/v1/devices", nil, nil, client.NoRetry())
				if c.BreakerState() != client.BreakerClosed {
					t.Errorf("state after a probe answered %d = %v, want closed", n, c.BreakerState())
				}
			})
		})
	}
}
