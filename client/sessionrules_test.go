package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// TestPlatformRefusingEverySessionCostsBoundedLogins: the replay right after
// a fresh login is refused too; that counts as a failed login, so the next
// calls meet the cool-down instead of logging in once each.
func TestPlatformRefusingEverySessionCostsBoundedLogins(t *testing.T) {
	for _, tc := range []struct {
		code       int
		concurrent bool
	}{
		{10001, false}, {10002, false}, {10007, false}, {10001, true},
	} {
		t.Run(fmt.Sprintf("%d concurrent=%v", tc.code, tc.concurrent), func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/x", code(tc.code))
			clk := mock.NewFakeClock()
			c := newClient(t, f, clk)
			const calls = 50
			var refused atomic.Int64
			call := func() {
				err := c.Do(context.Background(), "GET", "/x", nil, nil)
				if errors.Is(err, apierrors.Code(tc.code)) {
					refused.Add(1)
				} else {
					t.Errorf("err = %v, want code %d", err, tc.code)
				}
			}
			var wg sync.WaitGroup
			for range calls {
				if tc.concurrent {
					wg.Go(call)
				} else {
					call()
				}
			}
			wg.Wait()
			logins := f.logins.Load()
			t.Logf("%d calls against a platform refusing every session: %d logins, %d requests", calls, logins, f.count("GET", "/x"))
			// The first login, the relogin; then the cool-down holds.
			if logins != 2 || refused.Load() != calls || len(clk.Sleeps()) != 0 {
				t.Errorf("logins %d, refused calls %d, sleeps %v; want 2, %d, none", logins, refused.Load(), clk.Sleeps(), calls)
			}
			if !tc.concurrent && f.count("GET", "/x") != 2 {
				t.Errorf("requests %d, want 2", f.count("GET", "/x"))
			}
			// After the cool-down, one more round: the bound grows with
			// time, not with calls.
			clk.Advance(time.Minute)
			for range calls {
				c.Do(context.Background(), "GET", "/x", nil, nil)
			}
			if got := f.logins.Load(); got != 3 {
				t.Errorf("logins after the cool-down: %d, want 3", got)
			}
		})
	}
}

// TestSessionRevokedBeforeItsSuccessesWereSeenLiftsTheCooldown: a call
// replays on a fresh session and meets a session code while another call's
// request on that session is still in flight. It looks refused at birth, so
// it starts the cool-down; but the other request succeeds: the session
// worked and was revoked, so the cool-down ends when that success is seen.
// It used to hold, and every call needing a login failed with a
// LoginCooldownError for its whole length: in a chaos run (500 goroutines,
// a session revoked every 100 requests) one revocation failed 315 calls.
func TestSessionRevokedBeforeItsSuccessesWereSeenLiftsTheCooldown(t *testing.T) {
	arrived := make(chan struct{}) // the in-flight request on tok-2 reached the platform
	release := make(chan struct{}) // let it succeed
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch tok := r.Header.Get("Authorization"); {
		case r.URL.Path == "/slow" && tok == "Bearer tok-2":
			close(arrived)
			<-release
			write(w, ok(`{}`))
		case r.URL.Path == "/x" && tok == "Bearer tok-2":
			<-arrived // revoked while /slow is in flight
			write(w, code(10001))
		case tok == "Bearer tok-3":
			write(w, ok(`{}`))
		default:
			write(w, code(10001))
		}
	}))
	defer srv.Close()
	var logins atomic.Int64
	loggedIn := make(chan struct{}, 3)
	c, err := client.New(srv.URL, client.WithClock(mock.NewFakeClock()), client.WithLogin(func(context.Context) (client.Session, error) {
		defer func() { loggedIn <- struct{}{} }()
		return client.Session{Token: fmt.Sprint("tok-", logins.Add(1))}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	// /x meets 10001 on tok-1, logs in (tok-2) and replays: refused too.
	refused := make(chan error, 1)
	go func() { refused <- c.Do(ctx, "GET", "/x", nil, nil) }()
	<-loggedIn
	<-loggedIn
	// /slow is handed tok-2 before the replay's answer condemns it.
	slow := make(chan error, 1)
	go func() { slow <- c.Do(ctx, "GET", "/slow", nil, nil) }()
	if err := <-refused; !errors.Is(err, apierrors.Code(10001)) {
		t.Fatalf("the replay on tok-2: err = %v, want 10001", err)
	}
	// The refusal at birth holds logins off...
	var ce *client.LoginCooldownError
	if err := c.Do(ctx, "GET", "/y", nil, nil); !errors.As(err, &ce) {
		t.Fatalf("a call right after the refusal: err = %v, want a LoginCooldownError", err)
	}
	// ...until the success on tok-2 shows the session had worked.
	close(release)
	if err := <-slow; err != nil {
		t.Fatalf("/slow on tok-2: %v", err)
	}
	if err := c.Do(ctx, "GET", "/y", nil, nil); err != nil {
		t.Errorf("a call after the success on tok-2: %v, want it logged in again (tok-3) and sent", err)
	}
	if n := logins.Load(); n != 3 {
		t.Errorf("logins = %d, want 3", n)
	}
}

// TestRefusalOfARelogindSessionBeforeTheReplayCostsNoLogin: the session a
// relogin brought is refused first by another call, one handed it without
// waiting, while the replay of the call that logged in is still on its
// way. That refusal is the failed login, as the replay's would be: it
// starts the cool-down, no third login; the replay then ends the call.
func TestRefusalOfARelogindSessionBeforeTheReplayCostsNoLogin(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/a", code(10001))
	f.on("GET", "/b", code(10001))
	replayed := make(chan struct{}) // the replay of /a on the relogin's session arrived
	release := make(chan struct{})  // and may be answered
	inner := f.Config.Handler
	f.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" && r.Header.Get("Authorization") == "Bearer tok-2" {
			close(replayed)
			<-release
		}
		inner.ServeHTTP(w, r)
	})
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	errA := make(chan error, 1)
	go func() { errA <- c.Do(context.Background(), "GET", "/a", nil, nil) }()
	<-replayed
	errB := c.Do(context.Background(), "GET", "/b", nil, nil)
	close(release)
	if err := <-errA; !errors.Is(err, apierrors.Code(10001)) {
		t.Errorf("the call that logged in: err = %v, want 10001", err)
	}
	if !errors.Is(errB, apierrors.Code(10001)) {
		t.Errorf("the call handed the new session: err = %v, want 10001", errB)
	}
	var cd *client.LoginCooldownError
	if err := c.Do(context.Background(), "GET", "/b", nil, nil); !errors.As(err, &cd) {
		t.Errorf("the next call: err = %v, want the cool-down", err)
	}
	t.Logf("logins %d, requests /a %d, /b %d, sleeps %v", f.logins.Load(), f.count("GET", "/a"), f.count("GET", "/b"), clk.Sleeps())
	if f.logins.Load() != 2 || f.count("GET", "/a") != 2 || f.count("GET", "/b") != 1 || len(clk.Sleeps()) != 0 {
		t.Errorf("logins %d, requests /a %d, /b %d, sleeps %v; want 2, 2, 1, none",
			f.logins.Load(), f.count("GET", "/a"), f.count("GET", "/b"), clk.Sleeps())
	}
}

// TestOneCallSendsAtMostItsAttemptLimitInLoginRequests: no retry loop
// inside the login; the call's own loop waits out the cool-down.
func TestOneCallSendsAtMostItsAttemptLimitInLoginRequests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answer     reply
		wantLogins int64
		wantSleeps []time.Duration
	}{
		{"503", reply{status: 503, body: "<html>503</html>"}, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"502", reply{status: 502, body: "<html>502</html>"}, 3, []time.Duration{time.Second, 2 * time.Second}},
		{"10004", code(10004), 3, []time.Duration{time.Second, 2 * time.Second}},
		{"503 with Retry-After 20", reply{status: 503, body: "busy"}.with("Retry-After", "20"), 3, []time.Duration{20 * time.Second, 20 * time.Second}},
		{"10004 with Retry-After 20", code(10004).with("Retry-After", "20"), 3, []time.Duration{20 * time.Second, 20 * time.Second}},
		{"10005 (refused: not waited)", code(10005), 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/x", ok(`{}`))
			var attempts atomic.Int64
			f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
				attempts.Add(1)
				write(w, tc.answer)
				return true
			}
			clk := mock.NewFakeClock()
			c := newClient(t, f, clk)
			err := c.Do(context.Background(), "GET", "/x", nil, nil)
			var le *client.LoginFailedError
			if !errors.As(err, &le) && !errors.As(err, new(*client.LoginCooldownError)) {
				t.Errorf("err = %T %v, want a login error", err, err)
			}
			t.Logf("login answering %s: %d login requests for one call, sleeps %v", tc.name, attempts.Load(), clk.Sleeps())
			if attempts.Load() != tc.wantLogins || !equalDurations(clk.Sleeps(), tc.wantSleeps) || f.count("GET", "/x") != 0 {
				t.Errorf("login requests %d, sleeps %v, calls %d; want %d, %v, 0", attempts.Load(), clk.Sleeps(), f.count("GET", "/x"), tc.wantLogins, tc.wantSleeps)
			}
		})
	}
}

// TestLoginRetryAfterSetsTheCooldown: a 10004 with Retry-After: 20 keeps
// every caller from logging in for 20 s, not the schedule's 1 s.
func TestLoginRetryAfterSetsTheCooldown(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/x", ok(`{}`))
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if attempts.Add(1) == 1 {
			write(w, code(10004).with("Retry-After", "20"))
			return true
		}
		return false
	}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	err := c.Do(context.Background(), "GET", "/x", nil, nil, client.NoRetry())
	if !errors.Is(err, apierrors.LoginTooFrequent) {
		t.Fatalf("err = %v, want 10004", err)
	}
	clk.Advance(19 * time.Second)
	var cd *client.LoginCooldownError
	if err := c.Do(context.Background(), "GET", "/x", nil, nil, client.NoRetry()); !errors.As(err, &cd) {
		t.Errorf("19 s later: err = %v, want the cool-down", err)
	}
	clk.Advance(time.Second)
	if err := c.Do(context.Background(), "GET", "/x", nil, nil, client.NoRetry()); err != nil {
		t.Errorf("20 s later: %v", err)
	}
	if attempts.Load() != 2 {
		t.Errorf("login requests %d, want 2", attempts.Load())
	}
}

// failingStore is a store without a lease whose Replace fails.
type failingStore struct {
	client.SessionStore
	replaces atomic.Int64
}

func (s *failingStore) Replace(context.Context, uint64, client.Session) (client.Session, error) {
	s.replaces.Add(1)
	return client.Session{}, errors.New("store down")
}

func TestStoreErrorStartsTheCooldown(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/x", ok(`{}`))
	store := &failingStore{SessionStore: client.NewMemoryStore()}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk, client.WithSessionStore(struct{ client.SessionStore }{store}))
	err := c.Do(context.Background(), "GET", "/x", nil, nil, client.NoRetry())
	var le *client.LoginFailedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a LoginFailedError", err)
	}
	var cd *client.LoginCooldownError
	if err := c.Do(context.Background(), "GET", "/x", nil, nil); !errors.As(err, &cd) {
		t.Errorf("second call: err = %v, want the cool-down", err)
	}
	if f.logins.Load() != 1 || store.replaces.Load() != 1 || f.count("GET", "/x") != 0 {
		t.Errorf("logins %d, replaces %d, calls %d; want 1, 1, 0", f.logins.Load(), store.replaces.Load(), f.count("GET", "/x"))
	}
}

// TestCondemnedSessionIsNeverHandedOutAgain: calls started while a relogin
// runs wait for it instead of sending the dead token.
func TestCondemnedSessionIsNeverHandedOutAgain(t *testing.T) {
	f := newFakeAPI(t)
	f.checkAuth = true
	f.on("GET", "/x", ok(`{}`))
	entered := make(chan struct{})
	release := make(chan struct{})
	var n atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if n.Add(1) == 2 { // the relogin
			close(entered)
			<-release
		}
		return false
	}
	c := newClient(t, f, mock.NewFakeClock())
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil { // tok-1
		t.Fatal(err)
	}
	f.invalidate()
	errs := make(chan error, 21)
	go func() { errs <- c.Do(ctx, "GET", "/x", nil, nil) }() // meets 10001, condemns tok-1
	<-entered
	for range 20 {
		go func() { errs <- c.Do(ctx, "GET", "/x", nil, nil) }()
	}
	close(release)
	for range 21 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	onDead := 0
	for _, r := range f.recorded() {
		if r.Path == "/x" && r.Header.Get("Authorization") == "Bearer tok-1" {
			onDead++
		}
	}
	requests := sentTo(f, "/x")
	if onDead != 1 || requests != 22 || f.logins.Load() != 2 {
		t.Errorf("requests on tok-1 %d, requests %d, logins %d; want 1 (the one that found it dead), 22, 2", onDead, requests, f.logins.Load())
	}
}

// noLeaseStore hides the memory store's lease, as a plain shared store would.
type noLeaseStore struct{ client.SessionStore }

// TestJoinerGetsANewerSessionThanTheOneItCondemned: a caller joins a login
// that replaces an older generation than the one it saw refused; it must
// not be handed that refused session back.
func TestJoinerGetsANewerSessionThanTheOneItCondemned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tk tokens
		p := newMemPlatform(func(r *http.Request) (*http.Response, error) {
			tk.answer(r)
			if r.Header.Get("Authorization") == "Bearer other-replica" {
				return respond(code(10001))(r)
			}
			return respond(ok(`{}`))(r)
		})
		clk := mock.NewFakeClock()
		store := noLeaseStore{client.NewMemoryStore()}
		release := make(chan struct{})
		var logins atomic.Int64
		login := func(ctx context.Context) (client.Session, error) {
			n := logins.Add(1)
			if n == 2 { // the refresh ahead of expiry hangs
				<-release
			}
			return client.Session{Token: fmt.Sprint("own-", n), ExpiresAt: clk.Now().Add(time.Hour)}, nil
		}
		c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithLogin(login), client.WithClock(clk), client.WithRandom(half), client.WithSessionStore(store))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		if _, err := c.Session(ctx); err != nil { // generation 1
			t.Fatal(err)
		}
		clk.Advance(59*time.Minute + 30*time.Second) // due (45 s ahead): the refresh of generation 1 starts and hangs
		if _, err := c.Session(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		// Another replica stores generation 2, which the platform then refuses.
		if s, _ := store.Replace(ctx, 1, client.Session{Token: "other-replica", ExpiresAt: clk.Now().Add(time.Hour)}); s.Generation != 2 {
			t.Fatalf("generation %d", s.Generation)
		}
		done := make(chan error, 1)
		go func() { done <- c.Do(ctx, "GET", "/x", nil, nil) }()
		synctest.Wait() // the call condemned generation 2 and joined the hanging refresh
		close(release)  // whose Replace then loses to generation 2
		if err := <-done; err != nil {
			t.Fatalf("err = %v, want success on a session newer than the refused one", err)
		}
		if want := "[Bearer other-replica Bearer own-3]"; tk.String() != want || logins.Load() != 3 {
			t.Errorf("sent %s, logins %d; want %s, 3", &tk, logins.Load(), want)
		}
	})
}

// TestNoRetryCondemnsTheSessionItSawDie: one request, but the next call
// logs in instead of failing with the same dead session.
func TestNoRetryCondemnsTheSessionItSawDie(t *testing.T) {
	f := newFakeAPI(t)
	f.checkAuth = true
	f.on("GET", "/x", ok(`{}`))
	c := newClient(t, f, mock.NewFakeClock())
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/x", nil, nil, client.NoRetry()); err != nil {
		t.Fatal(err)
	}
	f.invalidate()
	if err := c.Do(ctx, "GET", "/x", nil, nil, client.NoRetry()); !errors.Is(err, apierrors.NotLoggedIn) {
		t.Fatalf("err = %v, want 10001", err)
	}
	if f.logins.Load() != 1 || sentTo(f, "/x") != 2 {
		t.Fatalf("logins %d, requests %d; want 1, 2", f.logins.Load(), sentTo(f, "/x"))
	}
	for range 3 {
		if err := c.Do(ctx, "GET", "/x", nil, nil, client.NoRetry()); err != nil {
			t.Fatalf("after the dead session: %v", err)
		}
	}
	if f.logins.Load() != 2 || sentTo(f, "/x") != 5 {
		t.Errorf("logins %d, requests %d; want 2, 5", f.logins.Load(), sentTo(f, "/x"))
	}
}

func TestExpiresInIsANumberOrNumericStringClamped(t *testing.T) {
	const tenYears = 10 * 365 * 24 * time.Hour
	for _, tc := range []struct {
		raw  string
		want time.Duration // 0: no expiry said
	}{
		{`3600`, time.Hour},
		{`"3600"`, time.Hour},
		{`3600.5`, time.Hour + 500*time.Millisecond},
		{`"3600.5"`, time.Hour + 500*time.Millisecond},
		{`9223372037`, tenYears},
		{`1e300`, tenYears},
		{`"9223372037"`, tenYears},
		{`0`, 0},
		{`-5`, 0},
		{`"soon"`, 0},
		{`null`, 0},
		{`true`, 0},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/x", ok(`{}`))
			f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
				write(w, ok(`{"Token":"t","CSRFToken":"c","ExpiresIn":`+tc.raw+`}`))
				return true
			}
			clk := mock.NewFakeClock()
			start := clk.Now()
			c := newClient(t, f, clk)
			for range 5 {
				if err := c.Do(context.Background(), "GET", "/x", nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			s, _ := c.Session(context.Background())
			got := time.Duration(0)
			if !s.ExpiresAt.IsZero() {
				got = s.ExpiresAt.Sub(start)
			}
			if got != tc.want || c.Stats().Logins != 1 {
				t.Errorf("expires in %v, logins %d; want %v, 1", got, c.Stats().Logins, tc.want)
			}
		})
	}
}

// sentTo counts the requests f received on path, whatever it answered.
func sentTo(f *fakeAPI, path string) int {
	n := 0
	for _, r := range f.recorded() {
		if r.Path == path {
			n++
		}
	}
	return n
}
