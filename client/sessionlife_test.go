package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// nowhere is a base URL no test request reaches: these tests fail or wait
// before sending.
const nowhere = "http://127.0.0.1:1"

func TestLoginTimeoutHoldsForEveryWaiterWhenTheLoginIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var calls atomic.Int64
		login := func(context.Context) (client.Session, error) {
			calls.Add(1)
			<-release // deaf to its context
			return client.Session{Token: "late"}, nil
		}
		c, err := client.New(nowhere, client.WithLogin(login), client.WithLoginTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errs := make([]error, 10)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = c.Do(context.Background(), "GET", "/x", nil, nil) })
		}
		wg.Wait()
		if elapsed := time.Since(start); elapsed != 2*time.Second {
			t.Errorf("waiters released after %v, want the 2s login timeout", elapsed)
		}
		for _, err := range errs {
			var le *client.LoginFailedError
			if !errors.As(err, &le) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want a LoginFailedError matching DeadlineExceeded", err)
			}
		}
		close(release)
		synctest.Wait() // the late answer is dropped
		var cd *client.LoginCooldownError
		if _, err := c.Session(context.Background()); !errors.As(err, &cd) || calls.Load() != 1 {
			t.Errorf("after the timeout: err = %v, login calls %d; want the cool-down and 1", err, calls.Load())
		}
		c.Close()
	})
}

func TestCallCancelledWhileWaitingForALoginMatchesCanceled(t *testing.T) {
	for _, tc := range []struct {
		name  string
		login func(ctx context.Context, n int64) (client.Session, error)
		want  []error // besides context.Canceled
	}{
		{"login running", func(ctx context.Context, _ int64) (client.Session, error) {
			<-ctx.Done()
			return client.Session{}, ctx.Err()
		}, nil},
		{"cool-down after 10004 with Retry-After", func(context.Context, int64) (client.Session, error) {
			return client.Session{}, &apierrors.APIError{Code: apierrors.LoginTooFrequent, RetryAfter: 20 * time.Second}
		}, []error{apierrors.LoginTooFrequent}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n atomic.Int64
				c, _ := client.New(nowhere, client.WithLogin(func(ctx context.Context) (client.Session, error) {
					return tc.login(ctx, n.Add(1))
				}))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				start := time.Now()
				go func() { done <- c.Do(ctx, "GET", "/x", nil, nil) }()
				synctest.Wait() // the call waits: for the login, or out the cool-down
				cancel()
				err := <-done
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want it to match context.Canceled", err)
				}
				for _, w := range tc.want {
					if !errors.Is(err, w) {
						t.Errorf("err = %v, want it to match %v too", err, w)
					}
				}
				if time.Since(start) != 0 || n.Load() != 1 {
					t.Errorf("returned after %v with %d logins, want at once and 1", time.Since(start), n.Load())
				}
				c.Close()
			})
		})
	}
}

func TestCloseStopsABackgroundRefresh(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	clk := mock.NewFakeClock()
	started, cancelled := make(chan struct{}), make(chan struct{})
	var n atomic.Int64
	login := func(ctx context.Context) (client.Session, error) {
		if n.Add(1) == 2 { // the refresh hangs until its context ends
			close(started)
			<-ctx.Done()
			close(cancelled)
			return client.Session{}, ctx.Err()
		}
		return client.Session{Token: "t", ExpiresAt: clk.Now().Add(time.Hour)}, nil
	}
	c, _ := client.New(nowhere, client.WithLogin(login), client.WithClock(clk), client.WithRandom(half))
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(59*time.Minute + 30*time.Second) // due: refreshed in the background
	if s, err := c.Session(ctx); err != nil || s.Generation != 1 {
		t.Fatalf("session %d, err %v", s.Generation, err)
	}
	<-started
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	<-cancelled
	if s, err := c.Session(ctx); err != nil || s.Generation != 1 {
		t.Errorf("after Close, the still valid session: %d, %v", s.Generation, err)
	}
	clk.Advance(time.Minute) // expired: a login is needed
	if _, err := c.Session(ctx); !errors.Is(err, client.ErrClosed) {
		t.Errorf("after Close, a login: err = %v, want ErrClosed", err)
	}
	if n.Load() != 2 {
		t.Errorf("logins %d, want 2", n.Load())
	}
}

func TestRefreshAheadOfExpiryIsJitteredPerClient(t *testing.T) {
	for _, tc := range []struct {
		rnd   float64
		ahead time.Duration // the 60 s margin less rnd × refreshJitter of it
	}{
		{0, 60 * time.Second},
		{0.5, 45 * time.Second},
		{0.9, 33 * time.Second},
	} {
		t.Run(tc.ahead.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := mock.NewFakeClock()
				var logins atomic.Int64
				login := func(context.Context) (client.Session, error) {
					logins.Add(1)
					return client.Session{Token: "t", ExpiresAt: clk.Now().Add(time.Hour)}, nil
				}
				c, _ := client.New(nowhere, client.WithLogin(login), client.WithClock(clk),
					client.WithRandom(func() float64 { return tc.rnd }))
				defer c.Close()
				ctx := context.Background()
				c.Session(ctx)
				clk.Advance(time.Hour - tc.ahead - time.Second)
				c.Session(ctx)
				synctest.Wait()
				if logins.Load() != 1 {
					t.Fatalf("%v before expiry: logins %d, want 1", tc.ahead+time.Second, logins.Load())
				}
				clk.Advance(2 * time.Second)
				c.Session(ctx)
				synctest.Wait()
				if logins.Load() != 2 {
					t.Errorf("%v before expiry: logins %d, want 2", tc.ahead-time.Second, logins.Load())
				}
			})
		})
	}
}

// pooled is an HTTP client keeping up to n idle connections to the test
// server, so a storm of n goroutines reuses its connections.
func pooled(n int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = n, n
	return &http.Client{Transport: tr}
}

// TestStormOf10001sCollapsesIntoOneLoginEveryTime: 200 goroutines meet
// 10001 on one session, 20 times over: one login each time.
func TestStormOf10001sCollapsesIntoOneLoginEveryTime(t *testing.T) {
	const goroutines, rounds = 200, 20
	f := newFakeAPI(t)
	f.checkAuth = true
	f.on("GET", "/v1/x", ok(`{"Id":"d1"}`))
	c := newClient(t, f, mock.NewFakeClock(), client.WithHTTPClient(pooled(goroutines)))
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/x", nil, nil); err != nil { // warm session
		t.Fatal(err)
	}
	for round := range rounds {
		f.invalidate()
		before := f.logins.Load()
		var wg sync.WaitGroup
		var okCount atomic.Int64
		start := make(chan struct{})
		for range goroutines {
			wg.Go(func() {
				<-start
				var out gadget
				if err := c.Do(ctx, "GET", "/v1/x", nil, &out); err != nil {
					t.Error(err)
				} else if out.ID == "d1" {
					okCount.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := f.logins.Load() - before; got != 1 || okCount.Load() != goroutines {
			t.Fatalf("round %d: logins %d, successes %d; want 1 and %d", round, got, okCount.Load(), goroutines)
		}
	}
	if f.logins.Load() != rounds+1 {
		t.Errorf("logins %d, want %d", f.logins.Load(), rounds+1)
	}
}
