package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
