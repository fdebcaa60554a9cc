package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// TestALoginThatReturnsTheSameTokenIsUsed: a platform may answer a login
// with the session that is still valid. After a transient 10001 the token
// is condemned; when the relogin brings the same token back as a new
// session, requests carrying it leave again: one relogin, the replay
// sent, no login storm.
func TestALoginThatReturnsTheSameTokenIsUsed(t *testing.T) {
	var reqs, logins atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reqs.Add(1) == 2 {
			write(w, code(10001))
			return
		}
		write(w, ok(`{}`))
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithClock(mock.NewFakeClock()), client.WithLogin(func(context.Context) (client.Session, error) {
		logins.Add(1)
		return client.Session{Token: "STABLE-TOKEN"}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Do(ctx, "GET", "/x", nil, nil)
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	t.Logf("3 calls, one transient 10001, the relogin returning the same token: %d logins, %d requests", logins.Load(), reqs.Load())
	if logins.Load() != 2 || reqs.Load() != 4 {
		t.Errorf("logins %d, requests %d; want 2, 4", logins.Load(), reqs.Load())
	}
}

// TestAPanickingHookLeavesNoRetryInFlight: a hook that panics after a retry
// took its budget tokens must not leave them counted in flight, or a later
// retry that finds the bucket empty would wait for them forever.
func TestAPanickingHookLeavesNoRetryInFlight(t *testing.T) {
	platform := platformFunc(func(*http.Request) (reply, error) { return code(503), nil })
	policy := retry.DefaultPolicy()
	policy.Budget = retry.BudgetConfig{Capacity: 5, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
	var panicNow atomic.Bool
	panicNow.Store(true)
	c := budgetClient(t, platform, mock.NewFakeClock(), policy, client.WithAttemptHook(func(ai client.AttemptInfo) {
		if panicNow.Load() && ai.Attempt == 1 {
			panic("a hook's bug")
		}
	}))
	func() {
		defer func() { recover() }()
		c.Do(context.Background(), "GET", "/x", nil, nil)
	}()
	panicNow.Store(false)
	done := make(chan error, 1)
	go func() { done <- c.Do(context.Background(), "GET", "/x", nil, nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, retry.ErrBudgetExhausted) {
			t.Errorf("err = %v, want the budget exhausted at once", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the call waits for a retry that a panicking hook left in flight")
	}
}

// TestTheCooldownOfALoginThatTimedOutIsWaitedOut: the login's own timeout
// ends its waiters at once (TestLoginTimeoutHoldsForEveryWaiter…), but a
// call that meets the cool-down it started later waits it out and logs in,
// instead of failing with nothing sent.
func TestTheCooldownOfALoginThatTimedOutIsWaitedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logins atomic.Int64
		c, err := client.New(nowhere, client.WithHTTPClient(&http.Client{Transport: platformFunc(func(*http.Request) (reply, error) {
			return ok(`{}`), nil
		})}), client.WithLoginTimeout(200*time.Millisecond), client.WithLogin(func(ctx context.Context) (client.Session, error) {
			if logins.Add(1) == 1 {
				<-ctx.Done()
				return client.Session{}, ctx.Err()
			}
			return client.Session{Token: "t"}, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Do(context.Background(), "GET", "/x", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the login's waiter: err = %v, want the login timeout", err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Do(ctx, "GET", "/x", nil, nil); err != nil {
			t.Errorf("a call meeting the cool-down: %v, want it to wait and succeed", err)
		}
		t.Logf("waited %v, %d logins", time.Since(start), logins.Load())
		if logins.Load() != 2 || time.Since(start) == 0 {
			t.Errorf("logins %d after waiting %v; want 2 after the cool-down", logins.Load(), time.Since(start))
		}
	})
}

// TestACallersOwnSessionHeaderRefusedLeavesTheClientsSession: a 10001 for
// the caller's own Authorization is that call's error: the client's
// session is not condemned, nothing logs in, and the calls after it
// succeed.
func TestACallersOwnSessionHeaderRefusedLeavesTheClientsSession(t *testing.T) {
	var logins atomic.Int64
	platform := platformFunc(func(r *http.Request) (reply, error) {
		if r.Header.Get("Authorization") == "Bearer user-bad" {
			return code(10001), nil
		}
		return ok(`{}`), nil
	})
	c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy(), client.WithLogin(func(context.Context) (client.Session, error) {
		return client.Session{Token: fmt.Sprint("tok-", logins.Add(1))}, nil
	}))
	if err := c.Do(context.Background(), "GET", "/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	err := c.Do(context.Background(), "GET", "/x", nil, nil, client.Header("Authorization", "Bearer user-bad"))
	if !errors.Is(err, apierrors.Code(10001)) || attemptsOf(err) != 1 {
		t.Errorf("err = %v, want its 10001 after 1 attempt", err)
	}
	failed := 0
	for range 20 {
		if c.Do(context.Background(), "GET", "/y", nil, nil) != nil {
			failed++
		}
	}
	if failed != 0 || logins.Load() != 1 {
		t.Errorf("%d of 20 later calls failed, %d logins; want 0, 1", failed, logins.Load())
	}
}

// TestACallMeetingARefusalCooldownSaysItSentNothing: a call that meets the
// cool-down another call's refused session started sent nothing: its error
// says 0 attempts and shows no other call's method or path.
func TestACallMeetingARefusalCooldownSaysItSentNothing(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/bad", code(10001))
	c := newClient(t, f, mock.NewFakeClock())
	if err := c.Do(context.Background(), "GET", "/bad", nil, nil); !errors.Is(err, apierrors.Code(10001)) {
		t.Fatalf("err = %v, want 10001", err)
	}
	err := c.Do(context.Background(), "DELETE", "/good", nil, nil)
	var cd *client.LoginCooldownError
	var ae *apierrors.APIError
	if !errors.As(err, &cd) || !errors.As(err, &ae) {
		t.Fatalf("err = %v, want a LoginCooldownError with the refusal", err)
	}
	t.Logf("%v", err)
	if ae.Attempts != 0 || ae.Method != "" || ae.Path != "" || strings.Contains(err.Error(), "/bad") {
		t.Errorf("the refusal shown to DELETE /good: %s %s (%d attempts) in %q; want no call and 0", ae.Method, ae.Path, ae.Attempts, err)
	}
}
