package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
)

// The login lease is short (2 s) and renewed every 500 ms while the login
// runs. These tests run in a synctest bubble on NewMemoryStore (whose lease
// runs on the bubble's clock), so their times are exact.

// errCut is what a cut-off store answers.
var errCut = errors.New("store unreachable (test)")

// cutLease passes every call to a shared store, except its lease calls
// while cut: a replica cut off from the store (dead, or paused).
type cutLease struct {
	client.SessionStore
	lease          client.LoginLease
	acquire, write atomic.Bool // true: AcquireLogin, CommitLogin and ReleaseLogin fail
}

func newCutLease(s client.SessionStore) *cutLease {
	return &cutLease{SessionStore: s, lease: s.(client.LoginLease)}
}

func (c *cutLease) AcquireLogin(ctx context.Context, gen uint64, owner string, ttl time.Duration) (client.LeaseGrant, error) {
	if c.acquire.Load() {
		return client.LeaseGrant{}, errCut
	}
	return c.lease.AcquireLogin(ctx, gen, owner, ttl)
}

func (c *cutLease) CommitLogin(ctx context.Context, owner string, prev uint64, next client.Session) (client.Session, error) {
	if c.write.Load() {
		return client.Session{}, errCut
	}
	return c.lease.CommitLogin(ctx, owner, prev, next)
}

func (c *cutLease) ReleaseLogin(ctx context.Context, owner string, cooldown time.Duration) error {
	if c.write.Load() {
		return errCut
	}
	return c.lease.ReleaseLogin(ctx, owner, cooldown)
}

func (c *cutLease) AwaitSession(ctx context.Context, gen uint64, max time.Duration) error {
	return c.lease.AwaitSession(ctx, gen, max)
}

// loginAs returns a login function that takes d and brings token, counting
// its calls in n.
func loginAs(token string, d time.Duration, n *atomic.Int64) client.LoginFunc {
	return func(ctx context.Context) (client.Session, error) {
		n.Add(1)
		select {
		case <-time.After(d):
			return client.Session{Token: token, ExpiresAt: time.Now().Add(time.Hour)}, nil
		case <-ctx.Done():
			return client.Session{}, ctx.Err()
		}
	}
}

func leasedReplica(t *testing.T, p *memPlatform, store client.SessionStore, login client.LoginFunc) *client.Client {
	t.Helper()
	c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
		client.WithSessionStore(store), client.WithLogin(login))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// at runs f in a goroutine of the bubble after d.
func at(d time.Duration, f func()) {
	go func() {
		time.Sleep(d)
		f()
	}()
}

// TestALiveHolderKeepsItsLeaseThroughALongLogin: a login of 10 s, five
// times the lease, is never taken over: the other replica waits for its
// session and logs in not at all.
func TestALiveHolderKeepsItsLeaseThroughALongLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		store := client.NewMemoryStore()
		var na, nb atomic.Int64
		a := leasedReplica(t, p, store, loginAs("a", 10*time.Second, &na))
		b := leasedReplica(t, p, store, loginAs("b", 0, &nb))
		start := time.Now()
		go a.Do(bg, "GET", "/x", nil, nil)
		synctest.Wait() // a holds the lease and logs in
		if err := b.Do(bg, "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		back := time.Since(start)
		got, _, _ := store.Load(bg)
		t.Logf("a 10 s login under a 2 s lease: logins a %d, b %d; b back after %v with %q", na.Load(), nb.Load(), back, got.Token)
		if na.Load() != 1 || nb.Load() != 0 || back != 10*time.Second || got.Token != "a" || got.Generation != 1 {
			t.Fatalf("logins a %d b %d, b back after %v, stored %q gen %d; want 1, 0, 10s, a gen 1",
				na.Load(), nb.Load(), back, got.Token, got.Generation)
		}
	})
}

// TestADeadHolderIsTakenOverWithinTheLease: the holder dies 600 ms into a
// login that never ends (100 ms after its first renewal); its lease lapses
// at 2.5 s and the waiting replica logs in then, 1.9 s after the death.
func TestADeadHolderIsTakenOverWithinTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		store := client.NewMemoryStore()
		cut := newCutLease(store)
		var na, nb atomic.Int64
		a := leasedReplica(t, p, cut, loginAs("a", time.Hour, &na))
		b := leasedReplica(t, p, store, loginAs("b", 0, &nb))
		start := time.Now()
		go a.Do(bg, "GET", "/x", nil, nil)
		const death = 600 * time.Millisecond
		time.Sleep(death)
		cut.acquire.Store(true)
		cut.write.Store(true)
		if err := b.Do(bg, "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		takeover := time.Since(start) - death
		t.Logf("holder dead %v into its login: taken over %v after its death (lease 2 s); logins a %d, b %d",
			death, takeover, na.Load(), nb.Load())
		if takeover != 1900*time.Millisecond || na.Load() != 1 || nb.Load() != 1 {
			t.Fatalf("taken over %v after the death, logins a %d b %d; want 1.9s, 1, 1", takeover, na.Load(), nb.Load())
		}
	})
}

// TestAHolderThatLostItsLeaseStoresNothing: a holder paused past its lease
// (its renewals fail from 100 ms to 2.9 s) ends its 3 s login while the
// replica that took over (at 2 s, for a 2 s login) still logs in: its
// commit is refused, it neither overwrites nor ends the new holder's lease,
// and it waits for that session instead of failing or cooling down.
func TestAHolderThatLostItsLeaseStoresNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		store := client.NewMemoryStore()
		lease := store.(client.LoginLease)
		cut := newCutLease(store)
		var na, nb atomic.Int64
		a := leasedReplica(t, p, cut, loginAs("a", 3*time.Second, &na))
		b := leasedReplica(t, p, store, loginAs("b", 2*time.Second, &nb))
		start := time.Now()
		aBack := make(chan time.Duration, 1)
		go func() {
			if err := a.Do(bg, "GET", "/x", nil, nil); err != nil {
				t.Errorf("a: %v", err)
			}
			aBack <- time.Since(start)
		}()
		at(100*time.Millisecond, func() { cut.acquire.Store(true) })
		at(2900*time.Millisecond, func() { cut.acquire.Store(false) })
		type probe struct {
			lease  client.LeaseGrant
			stored client.Session
		}
		probed := make(chan probe, 1)
		at(3400*time.Millisecond, func() { // after a's refused commit, before b's renewal at 3.5 s
			var p probe
			p.lease, _ = lease.AcquireLogin(bg, 0, "probe", time.Second)
			p.stored, _, _ = store.Load(bg)
			probed <- p
		})
		time.Sleep(100 * time.Millisecond)
		if err := b.Do(bg, "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
		bBack, back := time.Since(start), <-aBack
		pr := <-probed
		during, stored := pr.lease, pr.stored
		got, _, _ := store.Load(bg)
		t.Logf("a's lease lost mid-login: at 3.4 s the store held %q and the lease %+v; logins a %d, b %d; b back at %v, a at %v, stored %q gen %d",
			stored.Token, during, na.Load(), nb.Load(), bBack, back, got.Token, got.Generation)
		if stored.Generation != 0 || during.HeldFor != 1600*time.Millisecond {
			t.Errorf("at 3.4 s: stored %+v, lease %+v; want nothing stored and b's lease held 1.6 s more (renewed at 3 s)", stored, during)
		}
		if na.Load() != 1 || nb.Load() != 1 || bBack != 4*time.Second || back != 4*time.Second || got.Token != "b" || got.Generation != 1 {
			t.Fatalf("logins a %d b %d, back b %v a %v, stored %q gen %d; want 1, 1, 4s, 4s, b gen 1",
				na.Load(), nb.Load(), bBack, back, got.Token, got.Generation)
		}
		if err := a.Do(bg, "GET", "/x", nil, nil, client.NoRetry()); err != nil || na.Load() != 1 {
			t.Fatalf("a afterwards: %v, %d logins; want no cool-down, no login", err, na.Load())
		}
	})
}

func TestMemoryStoreCommitLoginIsFencedByTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := client.NewMemoryStore()
		lease := store.(client.LoginLease)
		sess := func(tok string) client.Session { return client.Session{Token: tok} }
		if g, _ := lease.AcquireLogin(bg, 0, "old", time.Second); !g.Granted {
			t.Fatalf("old: %+v", g)
		}
		time.Sleep(time.Second) // old's lease lapses
		if g, _ := lease.AcquireLogin(bg, 0, "next", 2*time.Second); !g.Granted {
			t.Fatalf("next: %+v", g)
		}
		if got, err := lease.CommitLogin(bg, "old", 0, sess("old")); !errors.Is(err, client.ErrLeaseLost) || got != (client.Session{}) {
			t.Fatalf("old's commit under next's lease: %+v %v, want ErrLeaseLost", got, err)
		}
		if cur, ok, _ := store.Load(bg); ok {
			t.Fatalf("old's refused commit stored %+v", cur)
		}
		if g, _ := lease.AcquireLogin(bg, 0, "probe", time.Second); g.HeldFor != 2*time.Second {
			t.Fatalf("next's lease after old's commit: %+v, want held 2s more", g)
		}
		if got, err := lease.CommitLogin(bg, "next", 0, sess("next")); err != nil || got.Token != "next" || got.Generation != 1 {
			t.Fatalf("next's commit: %+v %v", got, err)
		}
		// The lease ended with next's commit: old's late commit is the
		// compare-and-set's to refuse.
		if got, err := lease.CommitLogin(bg, "old", 0, sess("old")); err != nil || got.Token != "next" || got.Generation != 1 {
			t.Fatalf("old's late commit: %+v %v, want next's session", got, err)
		}
		// A lapsed lease that nobody took lets its holder store.
		lease.AcquireLogin(bg, 1, "slow", time.Second)
		time.Sleep(2 * time.Second)
		if got, err := lease.CommitLogin(bg, "slow", 1, sess("slow")); err != nil || got.Generation != 2 {
			t.Fatalf("commit after a lapse nobody took: %+v %v", got, err)
		}
	})
}
