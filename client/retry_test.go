package client_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

type gadget struct {
	ID   string `json:"Id"`
	Name string
}

func TestRetriesFollowThePolicyPerCode(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name       string
		method     string
		script     []reply
		wantCalls  int
		wantCode   apierrors.Code // 0: success
		wantSleeps []time.Duration
	}{
		{"504 twice then OK is retried to success", "GET", []reply{code(504), code(504), ok(`{"Id":"d1"}`)}, 3, 0, []time.Duration{100 * ms, 200 * ms}},
		{"20005 forever stops after 3 attempts", "GET", []reply{code(20005)}, 3, 20005, []time.Duration{100 * ms, 200 * ms}},
		{"20022 is retried", "POST", []reply{code(20022), ok(`{}`)}, 2, 0, []time.Duration{100 * ms}},
		{"20003 is retried", "GET", []reply{code(20003), ok(`{}`)}, 2, 0, []time.Duration{100 * ms}},
		{"20013 is retried", "GET", []reply{code(20013), ok(`{}`)}, 2, 0, []time.Duration{100 * ms}},
		{"502 and 503 are retried", "POST", []reply{code(502), code(503), ok(`{}`)}, 3, 0, []time.Duration{100 * ms, 200 * ms}},
		{"20001 fails at once", "GET", []reply{code(20001)}, 1, 20001, nil},
		{"10000 fails at once", "GET", []reply{code(10000)}, 1, 10000, nil},
		{"unknown code 99999 fails at once", "GET", []reply{code(99999)}, 1, 99999, nil},
		{"HTTP 500 on GET is retried", "GET", []reply{code(500)}, 3, 500, []time.Duration{100 * ms, 200 * ms}},
		{"HTTP 500 on POST is not", "POST", []reply{code(500)}, 1, 500, nil},
		{"30011 sleeps on the throttle schedule", "GET", []reply{code(30011)}, 3, 30011, []time.Duration{time.Second, 2 * time.Second}},
		{"HTML 502 from a gateway is retried", "GET", []reply{{status: 502, body: "<html>bad gateway</html>", header: map[string]string{"Content-Type": "text/html"}}, ok(`{}`)}, 2, 0, []time.Duration{100 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on(tt.method, "/v1/devices", tt.script...)
			clk := mock.NewFakeClock()
			c := newClient(t, f, clk)
			var out gadget
			err := c.Do(context.Background(), tt.method, "/v1/devices", nil, &out)
			if got := f.count(tt.method, "/v1/devices"); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if got := clk.Sleeps(); !equalDurations(got, tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
			}
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var ae *apierrors.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if !errors.Is(err, tt.wantCode) || ae.Attempts != tt.wantCalls {
				t.Errorf("code %d attempts %d, want %d and %d", ae.Code, ae.Attempts, tt.wantCode, tt.wantCalls)
			}
			if ae.Method != tt.method || ae.Path != "/v1/devices" {
				t.Errorf("method/path = %s %s", ae.Method, ae.Path)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEveryAttemptResendsTheSameBodyAndIdempotencyKey(t *testing.T) {
	f := newFakeAPI(t)
	f.on("POST", "/v1/devices", code(503), code(20005), ok(`{"Id":"d9"}`))
	c := newClient(t, f, mock.NewFakeClock())
	in := map[string]any{"Name": "camera", "Tags": []string{"a", "b"}}
	var out gadget
	if err := c.Do(context.Background(), "POST", "/v1/devices", in, &out); err != nil {
		t.Fatal(err)
	}
	var posts []recorded
	for _, r := range f.recorded() {
		if r.Path == "/v1/devices" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 3 {
		t.Fatalf("posts = %d, want 3", len(posts))
	}
	key := posts[0].Header.Get("Idempotency-Key")
	if len(key) != 36 {
		t.Fatalf("Idempotency-Key = %q, want a UUID", key)
	}
	for i, p := range posts {
		if !bytes.Equal(p.Body, posts[0].Body) || len(p.Body) != len(`{"Name":"camera","Tags":["a","b"]}`) {
			t.Errorf("attempt %d body = %q", i+1, p.Body)
		}
		if p.Header.Get("Idempotency-Key") != key {
			t.Errorf("attempt %d key = %q, want %q", i+1, p.Header.Get("Idempotency-Key"), key)
		}
		if p.Header.Get("Authorization") != "Bearer tok-1" || p.Header.Get("X-CSRF-Token") != "csrf-tok-1" {
			t.Errorf("attempt %d session headers = %q %q", i+1, p.Header.Get("Authorization"), p.Header.Get("X-CSRF-Token"))
		}
	}
	if out.ID != "d9" {
		t.Errorf("out = %+v", out)
	}
}

func TestIdempotencyKeyOnlyOnNonIdempotentCalls(t *testing.T) {
	f := newFakeAPI(t)
	for _, m := range []string{"GET", "PUT", "DELETE", "POST", "PATCH"} {
		f.on(m, "/v1/x", ok(`{}`))
	}
	c := newClient(t, f, mock.NewFakeClock())
	ctx := context.Background()
	for _, m := range []string{"GET", "PUT", "DELETE", "POST", "PATCH"} {
		if err := c.Do(ctx, m, "/v1/x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Do(ctx, "POST", "/v1/x", nil, nil, client.IdempotencyKey("order-7")); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"GET": false, "PUT": false, "DELETE": false, "POST": true, "PATCH": true}
	var keys []string
	for _, r := range f.recorded() {
		if r.Path != "/v1/x" {
			continue
		}
		k := r.Header.Get("Idempotency-Key")
		keys = append(keys, k)
		if len(keys) <= 5 && (k != "") != want[r.Method] {
			t.Errorf("%s carries key %q", r.Method, k)
		}
	}
	if len(keys) != 6 || keys[5] != "order-7" || keys[3] == keys[4] {
		t.Errorf("keys = %q", keys)
	}
}

func TestRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	t.Run("2 seconds is slept", func(t *testing.T) {
		f := newFakeAPI(t)
		f.on("GET", "/v1/x", code(503).with("Retry-After", "2"), ok(`{}`))
		clk := mock.NewFakeClock()
		c := newClient(t, f, clk)
		if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		if got := clk.Sleeps(); !equalDurations(got, []time.Duration{2 * time.Second}) {
			t.Errorf("sleeps = %v, want [2s]", got)
		}
	})
	t.Run("an HTTP date is measured on the server's clock", func(t *testing.T) {
		f := newFakeAPI(t)
		clk := mock.NewFakeClock()
		server := clk.Now().Add(-time.Hour) // the server's clock is an hour behind
		f.on("GET", "/v1/x", code(20005).
			with("Date", server.UTC().Format(http1123)).
			with("Retry-After", server.Add(5*time.Second).UTC().Format(http1123)), ok(`{}`))
		c := newClient(t, f, clk)
		if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		if got := clk.Sleeps(); !equalDurations(got, []time.Duration{5 * time.Second}) {
			t.Errorf("sleeps = %v, want [5s]", got)
		}
	})
	t.Run("a past HTTP date falls back to the backoff", func(t *testing.T) {
		f := newFakeAPI(t)
		clk := mock.NewFakeClock()
		server := clk.Now()
		f.on("GET", "/v1/x", code(20005).
			with("Date", server.UTC().Format(http1123)).
			with("Retry-After", server.Add(-time.Minute).UTC().Format(http1123)), ok(`{}`))
		c := newClient(t, f, clk)
		if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		// The default schedule's first delay, jitter at mid-range.
		if got := clk.Sleeps(); !equalDurations(got, []time.Duration{100 * time.Millisecond}) {
			t.Errorf("sleeps = %v, want [100ms]", got)
		}
	})
	t.Run("3600 seconds is not waited for", func(t *testing.T) {
		f := newFakeAPI(t)
		f.on("GET", "/v1/x", code(503).with("Retry-After", "3600"), ok(`{}`))
		clk := mock.NewFakeClock()
		c := newClient(t, f, clk)
		err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		var ae *apierrors.APIError
		if !errors.As(err, &ae) || ae.RetryAfter != time.Hour || !errors.Is(err, retry.ErrRetryAfterTooLong) || !errors.Is(err, apierrors.Code(503)) {
			t.Fatalf("err = %v", err)
		}
		if f.count("GET", "/v1/x") != 1 || len(clk.Sleeps()) != 0 {
			t.Errorf("calls %d sleeps %v, want 1 and none", f.count("GET", "/v1/x"), clk.Sleeps())
		}
	})
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

// TestCancelDuringBackoffReturnsAtOnceWithBothCauses runs the real clock in
// a synctest bubble: the call sleeps its 10 s backoff on the bubble's clock,
// the test cancels it there, and the call must return without the clock
// moving at all.
func TestCancelDuringBackoffReturnsAtOnceWithBothCauses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := mock.New(t)
		m.On("GET", "/v1/x", mock.Code(20005))
		p := retry.DefaultPolicy()
		p.Backoff = retry.Backoff{Initial: 10 * time.Second, Multiplier: 2, Max: 10 * time.Second}
		c, err := m.NewClient(client.WithPolicy(p), client.WithClock(retry.SystemClock()))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Do(ctx, "GET", "/v1/x", nil, nil) }()
		synctest.Wait() // the call is asleep in its backoff
		cancelled := time.Now()
		cancel()
		err = <-done
		if elapsed := time.Since(cancelled); elapsed != 0 {
			t.Errorf("returned %v after cancel, want at once", elapsed)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, apierrors.Code(20005)) {
			t.Errorf("err = %v, want context.Canceled and 20005", err)
		}
		m.AssertCalls(t, "GET", "/v1/x", 1)
	})
}

// TestNoSleepPastTheDeadline puts the deadline on the fake clock's time line,
// an hour ahead of the real one, so it never passes for real.
func TestNoSleepPastTheDeadline(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(30011))
	clk := mock.NewFakeClock()
	clk.Advance(time.Hour)
	c := newClient(t, f, clk)
	ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(500*time.Millisecond))
	defer cancel()
	err := c.Do(ctx, "GET", "/v1/x", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, apierrors.Code(30011)) {
		t.Errorf("err = %v", err)
	}
	if f.count("GET", "/v1/x") != 1 || len(clk.Sleeps()) != 0 {
		t.Errorf("calls %d sleeps %v, want 1 and none (the 1 s throttle delay passes the deadline)", f.count("GET", "/v1/x"), clk.Sleeps())
	}
}

func TestNoRetryMakesOneAttempt(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(504))
	c := newClient(t, f, mock.NewFakeClock())
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil, client.NoRetry())
	if !errors.Is(err, apierrors.Code(504)) || f.count("GET", "/v1/x") != 1 {
		t.Errorf("err %v calls %d", err, f.count("GET", "/v1/x"))
	}
}

func TestPolicyOverridesPerCode(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/a", code(20001))
	f.on("GET", "/v1/b", code(504))
	p := retry.DefaultPolicy()
	p.Set(20001, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 5})
	p.SetAction(504, apierrors.ActionFail)
	c := newClient(t, f, mock.NewFakeClock(), client.WithPolicy(p))
	c.Do(context.Background(), "GET", "/v1/a", nil, nil)
	c.Do(context.Background(), "GET", "/v1/b", nil, nil)
	if f.count("GET", "/v1/a") != 5 || f.count("GET", "/v1/b") != 1 {
		t.Errorf("calls a=%d b=%d, want 5 and 1", f.count("GET", "/v1/a"), f.count("GET", "/v1/b"))
	}
}

func TestRetryBudgetStopsAnOutage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		budget retry.BudgetConfig
		want   int
	}{
		{"default budget", retry.DefaultBudget(), 1100},
		{"budget off", retry.BudgetConfig{Disabled: true}, 3000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/v1/x", code(503))
			p := retry.DefaultPolicy()
			p.Budget = tt.budget
			c := newClient(t, f, mock.NewFakeClock(), client.WithPolicy(p))
			for i := range 1000 {
				err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
				var ae *apierrors.APIError
				if !errors.As(err, &ae) || ae.Code != 503 {
					t.Fatalf("call %d: err = %v, want the 503", i, err)
				}
			}
			got := f.count("GET", "/v1/x")
			t.Logf("1000 calls against a 100%% 503 outage, %s: %d requests", tt.name, got)
			if got != tt.want {
				t.Errorf("requests = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBudgetExhaustedErrorKeepsTheRealError(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(503))
	p := retry.DefaultPolicy()
	p.Budget = retry.BudgetConfig{Capacity: 5, RetryCost: 5}
	c := newClient(t, f, mock.NewFakeClock(), client.WithPolicy(p))
	c.Do(context.Background(), "GET", "/v1/x", nil, nil) // 2 attempts: one retry spent
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	if !errors.Is(err, retry.ErrBudgetExhausted) || !errors.Is(err, apierrors.Code(503)) {
		t.Errorf("err = %v", err)
	}
	if got := f.count("GET", "/v1/x"); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}

func TestAttemptHookSeesEveryAttempt(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(504), code(20005), ok(`{}`))
	var seen []client.AttemptInfo
	logins := 0
	c := newClient(t, f, mock.NewFakeClock(), client.WithAttemptHook(func(i client.AttemptInfo) {
		if i.Login {
			logins++
			return
		}
		seen = append(seen, i)
	}))
	if err := c.Do(context.Background(), "GET", "/v1/x?secret=1", nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code   apierrors.Code
		action apierrors.Action
		delay  time.Duration
	}{{504, apierrors.ActionRetry, 100 * time.Millisecond}, {20005, apierrors.ActionRetry, 200 * time.Millisecond}, {0, apierrors.ActionNone, 0}}
	if len(seen) != len(want) || logins != 1 {
		t.Fatalf("hook saw %d attempts and %d logins, want %d and 1", len(seen), logins, len(want))
	}
	for i, w := range want {
		s := seen[i]
		if s.Attempt != i+1 || s.Code != w.code || s.Action != w.action || s.Delay != w.delay || s.Method != "GET" {
			t.Errorf("attempt %d = %+v, want %+v", i+1, s, w)
		}
	}
}
