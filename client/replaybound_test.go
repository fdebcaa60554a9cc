package client_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// TestNoCallSendsMoreThanItsAttemptsAndOneReplay: each time one call's
// request reaches the platform, another call on the same session meets
// 10001 first and logs in again, so the first call's 10001 is for a session
// already seen dead (a stale replay), over and over. Only a call's first
// replay is free: it sends at most its policy's 3 attempts + 1 replay. It
// sent 14 when stale replays were free up to 10 times.
func TestNoCallSendsMoreThanItsAttemptsAndOneReplay(t *testing.T) {
	var (
		mu      sync.Mutex
		current string
		issued  int
		victim  int
		c       *client.Client
	)
	login := func(context.Context) (client.Session, error) {
		mu.Lock()
		defer mu.Unlock()
		issued++
		current = "tok-" + strconv.Itoa(issued)
		return client.Session{Token: current}, nil
	}
	platform := platformFunc(func(r *http.Request) (reply, error) {
		mu.Lock()
		valid := r.Header.Get("Authorization") == "Bearer "+current
		isVictim := r.Header.Get("X-Call") == "victim"
		if isVictim {
			victim++
		}
		if !valid {
			mu.Unlock()
			return code(10001), nil
		}
		if !isVictim {
			mu.Unlock()
			return ok(`{}`), nil
		}
		current = "" // revoked while the victim's request was on its way
		mu.Unlock()
		// Another call meets the revocation first, and logs in again.
		if err := c.Do(context.Background(), "GET", "/v1/y", nil, nil); err != nil {
			t.Errorf("the other call: %v", err)
		}
		return code(10001), nil
	})
	c = budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy(), client.WithLogin(login))
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil, client.Header("X-Call", "victim"))
	t.Logf("a call whose session is revoked under it every time: %d requests, %d logins, err %v", victim, issued, err)
	if victim != 4 {
		t.Errorf("the call sent %d requests, want 4 (3 attempts + 1 replay)", victim)
	}
}
