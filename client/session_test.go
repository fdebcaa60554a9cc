package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

func TestReloginOn10001ReplaysTheCallOnce(t *testing.T) {
	for _, c := range []int{10001, 10002, 10007} {
		t.Run(apierrors.Code(c).String(), func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/v1/x", code(c), ok(`{"Id":"d1"}`))
			cl := newClient(t, f, mock.NewFakeClock())
			var out gadget
			if err := cl.Do(context.Background(), "GET", "/v1/x", nil, &out); err != nil {
				t.Fatal(err)
			}
			if f.count("GET", "/v1/x") != 2 || f.logins.Load() != 2 || out.ID != "d1" {
				t.Errorf("calls %d logins %d out %+v, want 2, 2 (first + relogin), d1", f.count("GET", "/v1/x"), f.logins.Load(), out)
			}
		})
	}
}

func TestSessionCodeAfterAFreshLoginIsAnErrorNotALoop(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(10001))
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	var ae *apierrors.APIError
	if !errors.As(err, &ae) || ae.Code != apierrors.NotLoggedIn || ae.Attempts != 2 {
		t.Fatalf("err = %v", err)
	}
	if f.count("GET", "/v1/x") != 2 || f.logins.Load() != 2 || len(clk.Sleeps()) != 0 {
		t.Errorf("calls %d logins %d sleeps %v, want 2, 2, none", f.count("GET", "/v1/x"), f.logins.Load(), clk.Sleeps())
	}
}

func TestAWaiterLeavingDoesNotCancelTheSharedLogin(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{}`))
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
	c, err := client.New(f.URL, client.WithLogin(login))
	if err != nil {
		t.Fatal(err)
	}
	leaving, leave := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	errB := make(chan error, 1)
	go func() { errA <- c.Do(leaving, "GET", "/v1/x", nil, nil) }()
	for logins.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	go func() { errB <- c.Do(context.Background(), "GET", "/v1/x", nil, nil) }()
	time.Sleep(10 * time.Millisecond)
	leave()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("leaving waiter: err = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-errB; err != nil {
		t.Errorf("staying waiter: err = %v, want success", err)
	}
	if logins.Load() != 1 || f.count("GET", "/v1/x") != 1 {
		t.Errorf("logins %d calls %d, want 1 and 1", logins.Load(), f.count("GET", "/v1/x"))
	}
}

func TestClockSkewOf20MinutesIsCorrectedByOneLogin(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{}`))
	skew := 20 * time.Minute
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		attempts.Add(1)
		var req struct{ Timestamp int64 }
		json.Unmarshal(body, &req)
		server := time.Now().Add(skew)
		w.Header().Set("Date", server.UTC().Format(http.TimeFormat))
		if d := server.Sub(time.Unix(req.Timestamp, 0)); d > 5*time.Minute || d < -5*time.Minute {
			write(w, code(10006))
			return true
		}
		return false
	}
	c, err := client.New(f.URL, client.WithCredentials("app", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if attempts.Load() != 2 || f.logins.Load() != 1 {
		t.Errorf("login attempts %d, successful %d; want 2 and 1", attempts.Load(), f.logins.Load())
	}
}

func TestSessionIsRefreshedAheadOfExpiry(t *testing.T) {
	f := newFakeAPI(t)
	f.expiresIn = 600
	f.on("GET", "/v1/x", ok(`{}`))
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	ctx := context.Background()
	c.Do(ctx, "GET", "/v1/x", nil, nil)
	// The 60 s margin, less this client's jitter (half of
	// DefaultRefreshJitter with WithRandom(half)): refresh 45 s ahead.
	clk.Advance(554 * time.Second) // 46 s left: not yet
	c.Do(ctx, "GET", "/v1/x", nil, nil)
	if f.logins.Load() != 1 {
		t.Fatalf("logins = %d before the margin, want 1", f.logins.Load())
	}
	clk.Advance(2 * time.Second)        // 44 s left
	c.Do(ctx, "GET", "/v1/x", nil, nil) // the old session, while the refresh runs
	eventually(t, func() bool { s, _ := c.Session(ctx); return s.Generation == 2 })
	c.Do(ctx, "GET", "/v1/x", nil, nil)
	var tokens []string
	for _, r := range f.recorded() {
		if r.Path == "/v1/x" {
			tokens = append(tokens, r.Header.Get("Authorization"))
		}
	}
	want := []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}
	if fmt.Sprint(tokens) != fmt.Sprint(want) {
		t.Errorf("tokens = %q, want %q (no 10001 needed, no call waiting)", tokens, want)
	}
}

// eventually waits up to a second for cond, which a background refresh
// makes true.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("condition not met within 1s")
		}
	}
}

func TestRefreshAheadOfExpiryDoesNotBlockCalls(t *testing.T) {
	f := newFakeAPI(t)
	f.expiresIn = 120
	f.on("GET", "/v1/x", ok(`{}`))
	release := make(chan struct{})
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if attempts.Add(1) == 2 {
			<-release // the refresh hangs
		}
		return false
	}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	clk.Advance(76 * time.Second) // due (44 s left, margin 45 s), still valid
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.Do(ctx, "GET", "/v1/x", nil, nil); err != nil {
		t.Errorf("a call with a valid session waited for the refresh: %v", err)
	}
	close(release)
	eventually(t, func() bool { return f.logins.Load() == 2 })
}

func TestShortSessionsAreNotRefreshedOnEveryCall(t *testing.T) {
	f := newFakeAPI(t)
	f.expiresIn = 30 // shorter than the 60 s margin
	f.on("GET", "/v1/x", ok(`{}`))
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	for range 5 {
		c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	}
	if f.logins.Load() != 1 {
		t.Errorf("logins = %d, want 1", f.logins.Load())
	}
	clk.Advance(19 * time.Second) // past the 15 s margin (half the lifetime) less the jitter: 11.25 s
	c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	eventually(t, func() bool { return f.logins.Load() == 2 })
}

func TestLoginFailureComesBackOnceForAllCallers(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{}`))
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		attempts.Add(1)
		time.Sleep(20 * time.Millisecond) // let every caller join
		write(w, code(10005))
		return true
	}
	c := newClient(t, f, mock.NewFakeClock())
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
			var le *client.LoginError
			if errors.As(err, &le) && errors.Is(err, apierrors.LoginSigInvalid) {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	// Calls made during the cool-down get the same error without a request.
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	var cd *client.LoginCooldownError
	if !errors.As(err, &cd) || !errors.Is(err, apierrors.LoginSigInvalid) {
		t.Errorf("during cool-down: err = %v", err)
	}
	if attempts.Load() != 1 || failures.Load() != 50 || f.count("GET", "/v1/x") != 0 {
		t.Errorf("login attempts %d, typed failures %d, calls %d; want 1, 50, 0", attempts.Load(), failures.Load(), f.count("GET", "/v1/x"))
	}
}

func TestTooManyLoginsIsWaitedOutNotHammered(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{}`))
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if attempts.Add(1) == 1 {
			write(w, code(10004))
			return true
		}
		return false
	}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := clk.Sleeps(); attempts.Load() != 2 || !equalDurations(got, []time.Duration{time.Second}) {
		t.Errorf("login attempts %d sleeps %v, want 2 and [1s] (the login cool-down)", attempts.Load(), got)
	}
}

func TestTransientLoginFailureIsWaitedOutByTheCallsLoginLoop(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{}`))
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if attempts.Add(1) == 1 {
			write(w, reply{status: 502, body: "<html>502</html>"})
			return true
		}
		return false
	}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	if err := c.Do(context.Background(), "GET", "/v1/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if attempts.Load() != 2 || !equalDurations(clk.Sleeps(), []time.Duration{time.Second}) {
		t.Errorf("login attempts %d sleeps %v, want 2 and [1s] (the login cool-down)", attempts.Load(), clk.Sleeps())
	}
}

// staleStore shows a newer session than the one a call used, as another
// replica sharing the store would.
func TestStale10001ReusesTheNewerSession(t *testing.T) {
	f := newFakeAPI(t)
	f.checkAuth = true
	f.on("GET", "/v1/x", ok(`{}`))
	store := client.NewMemoryStore()
	c := newClient(t, f, mock.NewFakeClock(), client.WithSessionStore(store))
	ctx := context.Background()
	c.Do(ctx, "GET", "/v1/x", nil, nil) // tok-1, generation 1
	// Another replica logs in: the store moves to generation 2 with the
	// platform's current token.
	f.invalidate()
	other := newClient(t, f, mock.NewFakeClock(), client.WithSessionStore(store))
	s, _ := other.Session(ctx)
	if s.Generation != 1 {
		t.Fatalf("other replica sees generation %d", s.Generation)
	}
	loginsBefore := f.logins.Load()
	if err := c.Do(ctx, "GET", "/v1/x", nil, nil); err != nil { // 10001 with tok-1 → relogin
		t.Fatal(err)
	}
	s2, _ := other.Session(ctx)
	if s2.Generation != 2 || f.logins.Load()-loginsBefore != 1 {
		t.Fatalf("generation %d logins %d", s2.Generation, f.logins.Load()-loginsBefore)
	}
	// The other replica still holds generation 2 and succeeds without a login.
	if err := other.Do(ctx, "GET", "/v1/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if f.logins.Load()-loginsBefore != 1 {
		t.Errorf("logins = %d, want 1: the newer session is reused", f.logins.Load()-loginsBefore)
	}
}
