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

	"github.com/devcloud/devcloud-go/client"
)

// TestClientsSharingALeasedStoreLogInOnce: two clients (replicas) share a
// store with a login lease; while one logs in, the other waits for the
// session it stores instead of logging in too.
func TestClientsSharingALeasedStoreLogInOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		release := make(chan struct{})
		var logins atomic.Int64
		login := func(ctx context.Context) (client.Session, error) {
			logins.Add(1)
			<-release
			return client.Session{Token: "shared", ExpiresAt: time.Now().Add(time.Hour)}, nil
		}
		store := client.NewMemoryStore()
		replicas := make([]*client.Client, 2)
		for i := range replicas {
			c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
				client.WithLogin(login), client.WithSessionStore(store))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			replicas[i] = c
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, c := range replicas {
			for range 10 {
				wg.Go(func() {
					if err := c.Do(bg, "GET", "/x", nil, nil); err != nil {
						t.Error(err)
					}
				})
			}
		}
		synctest.Wait() // one replica holds the lease and logs in, the other waits
		close(release)
		wg.Wait()
		if logins.Load() != 1 || p.requests.Load() != 20 || time.Since(start) != 0 {
			t.Errorf("logins %d, requests %d, after %v; want 1, 20, at once", logins.Load(), p.requests.Load(), time.Since(start))
		}
	})
}

// TestADeadLeaseHolderIsTakenOverWhenItsLeaseLapses: a replica that took
// the lease and died never stores a session; another logs in once the lease
// has lapsed, not before.
func TestADeadLeaseHolderIsTakenOverWhenItsLeaseLapses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		store := client.NewMemoryStore()
		lease := store.(client.LoginLease)
		if g, err := lease.AcquireLogin(bg, 0, "dead-replica", 3*time.Second); err != nil || !g.Granted {
			t.Fatalf("grant %+v, %v", g, err)
		}
		var logins atomic.Int64
		c, _ := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithSessionStore(store), client.WithLogin(func(context.Context) (client.Session, error) {
				logins.Add(1)
				return client.Session{Token: "t"}, nil
			}))
		defer c.Close()
		start := time.Now()
		if err := c.Do(bg, "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		if logins.Load() != 1 || time.Since(start) != 3*time.Second {
			t.Errorf("logins %d after %v, want 1 after the 3s lease", logins.Load(), time.Since(start))
		}
	})
}

// TestAFailedLoginCoolsDownTheFleet: a replica's failed login starts the
// cool-down for every replica sharing the store.
func TestAFailedLoginCoolsDownTheFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		store := client.NewMemoryStore()
		var logins atomic.Int64
		refused := errors.New("refused")
		mk := func() *client.Client {
			c, _ := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
				client.WithSessionStore(store), client.WithRandom(half), client.WithLogin(func(context.Context) (client.Session, error) {
					logins.Add(1)
					return client.Session{}, refused
				}))
			return c
		}
		a, b := mk(), mk()
		defer a.Close()
		defer b.Close()
		if err := a.Do(bg, "GET", "/x", nil, nil); !errors.Is(err, refused) {
			t.Fatalf("a: err = %v", err)
		}
		var cd *client.LoginCooldownError
		if err := b.Do(bg, "GET", "/x", nil, nil, client.NoRetry()); !errors.As(err, &cd) || !cd.Until.Equal(time.Now().Add(time.Second)) {
			t.Errorf("b: err = %v, want the fleet's 1s cool-down", err)
		}
		if logins.Load() != 1 || p.requests.Load() != 0 {
			t.Errorf("logins %d, requests %d; want 1, 0", logins.Load(), p.requests.Load())
		}
	})
}
