package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// issue answers a login with session tok-N (N counting from 1) that expires
// in expiresIn seconds; gate, when not nil, holds login number hold until it
// is closed.
func issue(expiresIn int, hold int64, gate chan struct{}) func(*http.Request) (*http.Response, error) {
	var n atomic.Int64
	return func(r *http.Request) (*http.Response, error) {
		k := n.Add(1)
		if k == hold && gate != nil {
			<-gate
		}
		body := fmt.Sprintf(`{"Token":"tok-%d","CSRFToken":"c","ExpiresIn":%d}`, k, expiresIn)
		return respond(ok(body))(r)
	}
}

// tokens records the session token of every API request.
type tokens struct {
	mu   sync.Mutex
	seen []string
}

func (tk *tokens) answer(r *http.Request) (*http.Response, error) {
	tk.mu.Lock()
	tk.seen = append(tk.seen, r.Header.Get("Authorization"))
	tk.mu.Unlock()
	return respond(ok(`{}`))(r)
}

func (tk *tokens) String() string {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return fmt.Sprint(tk.seen)
}

// newMemSessionClient is a client of p with credentials, clk and
// mid-range jitter (so the refresh margin is 60 s less a quarter: 45 s).
func newMemSessionClient(t *testing.T, p *memPlatform, clk *mock.FakeClock, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithHTTPClient(&http.Client{Transport: p}), client.WithCredentials("app", "sec"),
		client.WithClock(clk), client.WithRandom(half)}
	c, err := client.New("http://127.0.0.1:9", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestAWaiterLeavingDoesNotCancelTheSharedLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		release := make(chan struct{})
		var logins atomic.Int64
		login := func(ctx context.Context) (client.Session, error) {
			logins.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
				return client.Session{}, ctx.Err()
			}
			return client.Session{Token: "t", CSRFToken: "c"}, nil
		}
		c, _ := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}), client.WithLogin(login))
		defer c.Close()
		leaving, leave := context.WithCancel(context.Background())
		errA, errB := make(chan error, 1), make(chan error, 1)
		go func() { errA <- c.Do(leaving, "GET", "/v1/x", nil, nil) }()
		synctest.Wait() // A waits for the login it started
		go func() { errB <- c.Do(context.Background(), "GET", "/v1/x", nil, nil) }()
		synctest.Wait() // B has joined it
		leave()
		if err := <-errA; !errors.Is(err, context.Canceled) {
			t.Errorf("leaving waiter: err = %v, want context.Canceled", err)
		}
		close(release)
		if err := <-errB; err != nil {
			t.Errorf("staying waiter: err = %v, want success", err)
		}
		if logins.Load() != 1 || p.requests.Load() != 1 {
			t.Errorf("logins %d requests %d, want 1 and 1", logins.Load(), p.requests.Load())
		}
	})
}

func TestSessionIsRefreshedAheadOfExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tk tokens
		p := newMemPlatform(tk.answer)
		p.setLogin(issue(600, 0, nil))
		clk := mock.NewFakeClock()
		c := newMemSessionClient(t, p, clk)
		ctx := context.Background()
		c.Do(ctx, "GET", "/v1/x", nil, nil)
		clk.Advance(554 * time.Second) // 46 s left: not yet
		c.Do(ctx, "GET", "/v1/x", nil, nil)
		synctest.Wait()
		if p.logins.Load() != 1 {
			t.Fatalf("logins = %d before the margin, want 1", p.logins.Load())
		}
		clk.Advance(2 * time.Second)        // 44 s left: due
		c.Do(ctx, "GET", "/v1/x", nil, nil) // the old session, while the refresh runs
		synctest.Wait()
		c.Do(ctx, "GET", "/v1/x", nil, nil)
		want := "[Bearer tok-1 Bearer tok-1 Bearer tok-1 Bearer tok-2]"
		if tk.String() != want || p.logins.Load() != 2 {
			t.Errorf("tokens = %s, logins %d; want %s, 2 (no 10001 needed, no call waiting)", &tk, p.logins.Load(), want)
		}
	})
}

func TestRefreshAheadOfExpiryDoesNotBlockCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		release := make(chan struct{})
		p.setLogin(issue(120, 2, release)) // the refresh hangs
		clk := mock.NewFakeClock()
		c := newMemSessionClient(t, p, clk)
		c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		clk.Advance(76 * time.Second) // due (44 s left, margin 45 s), still valid
		start := time.Now()
		if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil || time.Since(start) != 0 {
			t.Errorf("a call with a valid session: err %v after %v, want success at once", err, time.Since(start))
		}
		close(release)
		synctest.Wait()
		if p.logins.Load() != 2 || p.requests.Load() != 4 {
			t.Errorf("logins %d, requests %d; want 2 and 4", p.logins.Load(), p.requests.Load())
		}
	})
}

func TestShortSessionsAreNotRefreshedOnEveryCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		p.setLogin(issue(30, 0, nil)) // shorter than the 60 s margin
		clk := mock.NewFakeClock()
		c := newMemSessionClient(t, p, clk)
		for range 5 {
			c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		}
		synctest.Wait()
		if p.logins.Load() != 1 {
			t.Errorf("logins = %d, want 1", p.logins.Load())
		}
		clk.Advance(18 * time.Second) // before the 15 s margin (half the lifetime) less the jitter: 11.25 s
		c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		synctest.Wait()
		if p.logins.Load() != 1 {
			t.Errorf("logins = %d at 18 s, want 1", p.logins.Load())
		}
		clk.Advance(time.Second)
		c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		synctest.Wait()
		if p.logins.Load() != 2 {
			t.Errorf("logins = %d at 19 s, want 2", p.logins.Load())
		}
	})
}

func TestLoginFailureComesBackOnceForAllCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		gate := make(chan struct{})
		p.setLogin(func(r *http.Request) (*http.Response, error) {
			<-gate
			return respond(code(10005))(r)
		})
		c := newMemSessionClient(t, p, mock.NewFakeClock())
		var wg sync.WaitGroup
		var failures atomic.Int64
		for range 50 {
			wg.Go(func() {
				err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
				var le *client.LoginFailedError
				if errors.As(err, &le) && errors.Is(err, apierrors.LoginSigInvalid) {
					failures.Add(1)
				}
			})
		}
		synctest.Wait() // every caller waits for the one login
		close(gate)
		wg.Wait()
		// Calls made during the cool-down get the same error without a request.
		err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		var cd *client.LoginCooldownError
		if !errors.As(err, &cd) || !errors.Is(err, apierrors.LoginSigInvalid) {
			t.Errorf("during cool-down: err = %v", err)
		}
		if p.logins.Load() != 1 || failures.Load() != 50 || p.requests.Load() != 1 {
			t.Errorf("login attempts %d, typed failures %d, requests %d; want 1, 50, 1 (the login)", p.logins.Load(), failures.Load(), p.requests.Load())
		}
	})
}
