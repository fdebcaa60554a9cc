package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/redisstore"
)

func newStore(t testing.TB, rdb redis.UniversalClient, name string, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s := redisstore.New(rdb, name, opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

func session(token string) client.Session {
	return client.Session{Token: token, CSRFToken: "csrf-" + token, ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Millisecond)}
}

func TestReplaceIsCompareAndSetOnTheGeneration(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b.client(t), account(t))
		steps := []struct {
			name      string
			prev      uint64
			token     string
			wantToken string
			wantGen   uint64
		}{
			{"first login stores generation 1", 0, "a", "a", 1},
			{"a writer that read nothing gets the newer session", 0, "b", "a", 1},
			{"a writer that read generation 1 stores 2", 1, "c", "c", 2},
			{"a stale writer gets generation 2", 1, "d", "c", 2},
			{"a writer ahead of the store (data lost) stores prev+1", 7, "e", "e", 8},
		}
		for _, st := range steps {
			got, err := s.Replace(ctx, st.prev, session(st.token))
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got.Token != st.wantToken || got.Generation != st.wantGen || got.CSRFToken != "csrf-"+st.wantToken {
				t.Fatalf("%s: got %q gen %d, want %q gen %d", st.name, got.Token, got.Generation, st.wantToken, st.wantGen)
			}
		}
		got, ok, err := newStore(t, b.client(t), "").Load(ctx)
		if err == nil || ok || got.Token != "" {
			t.Fatalf("a store without a name loaded %v %v %v", got, ok, err)
		}
	})
}

func TestLoadReturnsWhatAnotherReplicaStored(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		a, other := newStore(t, b.client(t), name), newStore(t, b.client(t), name)
		if _, ok, err := a.Load(ctx); ok || err != nil {
			t.Fatalf("empty store: ok %v err %v", ok, err)
		}
		want := session("t1")
		if _, err := other.Replace(ctx, 0, want); err != nil {
			t.Fatal(err)
		}
		got, ok, err := a.Load(ctx)
		want.Generation = 1
		if err != nil || !ok || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Token != want.Token || got.Generation != 1 {
			t.Fatalf("Load = %+v %v %v, want %+v", got, ok, err, want)
		}
	})
}

func TestAcquireLoginAnswersNewerCooldownGrantOrHolder(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		s := newStore(t, b.client(t), name)
		other := newStore(t, b.client(t), name)
		const ttl = time.Minute

		g, err := s.AcquireLogin(ctx, 0, "a", ttl)
		if err != nil || g != (client.LeaseGrant{Granted: true}) {
			t.Fatalf("free lease: %+v %v", g, err)
		}
		if g, err = s.AcquireLogin(ctx, 0, "a", ttl); err != nil || !g.Granted {
			t.Fatalf("owner asks again: %+v %v", g, err)
		}
		if g, err = other.AcquireLogin(ctx, 0, "b", ttl); err != nil || g.Granted || g.HeldFor <= 0 || g.HeldFor > ttl {
			t.Fatalf("held by a: %+v %v", g, err)
		}
		if _, err = s.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		if g, err = other.AcquireLogin(ctx, 0, "b", ttl); err != nil || !g.Newer || g.Session.Token != "t1" || g.Session.Generation != 1 {
			t.Fatalf("newer than 0: %+v %v", g, err)
		}
		// Replace cleared the lease: b may log in for generation 1.
		if g, err = other.AcquireLogin(ctx, 1, "b", ttl); err != nil || !g.Granted {
			t.Fatalf("after replace: %+v %v", g, err)
		}
		if err = other.ReleaseLogin(ctx, "b", 30*time.Second); err != nil {
			t.Fatal(err)
		}
		if g, err = s.AcquireLogin(ctx, 1, "a", ttl); err != nil || g.Cooldown <= 20*time.Second || g.Cooldown > 30*time.Second {
			t.Fatalf("cool-down: %+v %v", g, err)
		}
		// A session newer than the caller's wins over the cool-down.
		if g, err = s.AcquireLogin(ctx, 0, "a", ttl); err != nil || !g.Newer {
			t.Fatalf("newer during cool-down: %+v %v", g, err)
		}
	})
}

func TestCommitLoginIsFencedByTheLease(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		s := newStore(t, b.client(t), name, redisstore.WithCacheTTL(0))
		admin := b.admin(t)
		leaseKey := "devcloud:{" + name + "}:lease"
		if g, err := s.AcquireLogin(ctx, 0, "old", time.Minute); err != nil || !g.Granted {
			t.Fatalf("old: %+v %v", g, err)
		}
		admin.Del(ctx, leaseKey) // old's lease lapses
		if g, err := s.AcquireLogin(ctx, 0, "next", time.Minute); err != nil || !g.Granted {
			t.Fatalf("next: %+v %v", g, err)
		}

		got, err := s.CommitLogin(ctx, "old", 0, session("old"))
		var se *redisstore.Error
		if !errors.Is(err, client.ErrLeaseLost) || !errors.As(err, &se) || se.Op != "commit login" || got != (client.Session{}) {
			t.Fatalf("old's commit under next's lease: %+v %v, want an *Error commit login matching ErrLeaseLost", got, err)
		}
		if cur, ok, err := s.Load(ctx); ok || err != nil {
			t.Fatalf("old's refused commit stored %+v (%v)", cur, err)
		}
		if holder, pttl := admin.Get(ctx, leaseKey).Val(), admin.PTTL(ctx, leaseKey).Val(); holder != "next" || pttl <= 50*time.Second {
			t.Fatalf("next's lease after old's commit: %q for %v, want next's for about a minute", holder, pttl)
		}

		if got, err = s.CommitLogin(ctx, "next", 0, session("next")); err != nil || got.Token != "next" || got.Generation != 1 {
			t.Fatalf("next's commit: %+v %v", got, err)
		}
		if n := admin.Exists(ctx, leaseKey).Val(); n != 0 {
			t.Fatalf("next's commit left the lease")
		}
		// The lease ended with next's commit: old's late commit is the
		// compare-and-set's to refuse.
		if got, err = s.CommitLogin(ctx, "old", 0, session("old")); err != nil || got.Token != "next" || got.Generation != 1 {
			t.Fatalf("old's late commit: %+v %v, want next's session", got, err)
		}
		// A lapsed lease that nobody took lets its holder store.
		if g, err := s.AcquireLogin(ctx, 1, "slow", time.Minute); err != nil || !g.Granted {
			t.Fatalf("slow: %+v %v", g, err)
		}
		admin.Del(ctx, leaseKey)
		if got, err = s.CommitLogin(ctx, "slow", 1, session("slow")); err != nil || got.Token != "slow" || got.Generation != 2 {
			t.Fatalf("commit after a lapse nobody took: %+v %v", got, err)
		}
		if _, err := s.CommitLogin(ctx, "", 2, session("x")); !errors.Is(err, redisstore.ErrNoOwner) {
			t.Fatalf("commit without an owner: %v", err)
		}
	})
}

// TestALeaseLostWithRedisDataGoesBackToItsHolder: Redis is flushed while
// a's login runs; the first replica to notice writes the generation back
// and holds the lease for a, which takes it back with its next renewal or
// its commit; nobody else gets it.
func TestALeaseLostWithRedisDataGoesBackToItsHolder(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		a := newStore(t, b.client(t), name, redisstore.WithCacheTTL(0))
		other := newStore(t, b.client(t), name, redisstore.WithCacheTTL(0))
		admin := b.admin(t)
		leaseKey, genKey := "devcloud:{"+name+"}:lease", "devcloud:{"+name+"}:gen"
		const ttl = 2 * time.Second
		for _, tt := range []struct {
			name   string
			notice func() // the first replica to notice the loss
		}{
			{"noticed by another replica's AcquireLogin", func() {
				if g, err := other.AcquireLogin(ctx, 1, "b", ttl); err != nil || g.HeldFor <= ttl-time.Second || g.HeldFor > ttl {
					t.Fatalf("b asks after the flush: %+v %v, want the lost lease held about %v", g, err, ttl)
				}
			}},
			{"noticed by another replica's Load", func() {
				if got, ok, err := other.Load(ctx); err != nil || !ok || got.Generation != 1 {
					t.Fatalf("b loads after the flush: %+v %v %v, want generation 1 written back", got, ok, err)
				}
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				b.flush(t)
				if _, err := a.Replace(ctx, 0, session("t1")); err != nil {
					t.Fatal(err)
				}
				if _, _, err := other.Load(ctx); err != nil { // b knows generation 1
					t.Fatal(err)
				}
				if g, err := a.AcquireLogin(ctx, 1, "a", ttl); err != nil || !g.Granted {
					t.Fatalf("a: %+v %v", g, err)
				}
				b.flush(t)
				tt.notice()
				if g, _ := admin.Get(ctx, genKey).Uint64(); g != 1 {
					t.Fatalf("generation after the flush: %d, want 1 written back", g)
				}
				if holder := admin.Get(ctx, leaseKey).Val(); holder != "~lost" {
					t.Fatalf("lease after the flush: %q, want held for its holder", holder)
				}
				if g, err := other.AcquireLogin(ctx, 1, "b", ttl); err != nil || g.HeldFor <= 0 {
					t.Fatalf("b asks again: %+v %v, want it held", g, err)
				}
				if g, err := a.AcquireLogin(ctx, 1, "c", ttl); err != nil || g.HeldFor <= 0 {
					t.Fatalf("c, never granted, on a's Store: %+v %v, want it held", g, err)
				}
				if _, err := other.CommitLogin(ctx, "b", 1, session("b")); !errors.Is(err, client.ErrLeaseLost) {
					t.Fatalf("b's commit: %v, want ErrLeaseLost", err)
				}
				if g, err := a.AcquireLogin(ctx, 1, "a", ttl); err != nil || !g.Granted {
					t.Fatalf("a renews: %+v %v, want its lease back", g, err)
				}
				if holder := admin.Get(ctx, leaseKey).Val(); holder != "a" {
					t.Fatalf("lease after a's renewal: %q, want a", holder)
				}
				got, err := a.CommitLogin(ctx, "a", 1, session("t2"))
				if err != nil || got.Token != "t2" || got.Generation != 2 {
					t.Fatalf("a's commit: %+v %v, want t2 generation 2", got, err)
				}
			})
		}
		// Without a renewal between the flush and the commit: the commit
		// takes the lost lease back itself.
		if g, err := a.AcquireLogin(ctx, 2, "a", ttl); err != nil || !g.Granted {
			t.Fatalf("a: %+v %v", g, err)
		}
		b.flush(t)
		if _, _, err := other.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := a.CommitLogin(ctx, "a", 2, session("t3")); err != nil || got.Generation != 3 {
			t.Fatalf("a's commit after the flush: %+v %v, want generation 3", got, err)
		}
	})
}

func TestReleaseLoginOnlyByTheOwner(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b.client(t), account(t))
		if g, err := s.AcquireLogin(ctx, 0, "a", time.Minute); err != nil || !g.Granted {
			t.Fatalf("%+v %v", g, err)
		}
		if err := s.ReleaseLogin(ctx, "b", 0); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.AcquireLogin(ctx, 0, "b", time.Minute); g.HeldFor <= 0 {
			t.Fatalf("b released a's lease: %+v", g)
		}
		if err := s.ReleaseLogin(ctx, "a", 0); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.AcquireLogin(ctx, 0, "b", time.Minute); !g.Granted {
			t.Fatalf("a's release did not free the lease: %+v", g)
		}
	})
}

func TestCooldownIsNeverShortenedAndEndsAtALogin(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b.client(t), account(t))
		if err := s.ReleaseLogin(ctx, "a", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLogin(ctx, "a", time.Second); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.AcquireLogin(ctx, 0, "a", time.Minute); g.Cooldown <= 50*time.Second {
			t.Fatalf("a shorter cool-down cut the longer one: %+v", g)
		}
		if _, err := s.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.AcquireLogin(ctx, 1, "a", time.Minute); !g.Granted {
			t.Fatalf("a stored login did not end the cool-down: %+v", g)
		}
	})
}

func TestADeadHoldersLeaseIsTakenOverAtItsTTL(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b.client(t), account(t))
		const ttl = 200 * time.Millisecond
		start := time.Now()
		if g, err := s.AcquireLogin(ctx, 0, "dead", ttl); err != nil || !g.Granted {
			t.Fatalf("%+v %v", g, err)
		}
		// Ask as a waiting client does: wait what the holder has left
		// (never more than 100 ms at a time), then ask again.
		asks := 0
		for {
			g, err := s.AcquireLogin(ctx, 0, "next", ttl)
			if err != nil {
				t.Fatal(err)
			}
			asks++
			if g.Granted {
				break
			}
			if g.HeldFor <= 0 || g.HeldFor > ttl || asks > 100 {
				t.Fatalf("ask %d: %+v", asks, g)
			}
			if err := s.AwaitSession(ctx, 0, min(g.HeldFor, 100*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took < ttl {
			t.Fatalf("taken over after %v, before the lease's TTL %v", took, ttl)
		}
		t.Logf("taken over after %d asks", asks)
	})
}

func TestAwaitSessionWakesOnPublishAndPollsWhenAMessageIsLost(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		name := account(t)
		waiter := newStore(t, b.client(t), name)
		writer := newStore(t, b.client(t), name)

		done := make(chan error, 1)
		go func() { done <- waiter.AwaitSession(ctx, 0, time.Minute) }()
		if _, err := writer.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("woken by publish: %v", err)
		}

		// A generation stored without a message (lost on the way).
		go func() { done <- waiter.AwaitSession(ctx, 1, time.Minute) }()
		if err := b.admin(t).Set(ctx, "devcloud:{"+name+"}:gen", "2", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("woken by polling: %v", err)
		}

		// Nothing new: back at max, or with ctx's error.
		if err := waiter.AwaitSession(ctx, 2, 10*time.Millisecond); err != nil {
			t.Fatalf("at max: %v", err)
		}
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if err := waiter.AwaitSession(cctx, 2, time.Minute); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
	})
}

func TestLoadAnswersFromTheCacheUntilANewGenerationIsPublished(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		rdb := b.client(t)
		s := newStore(t, rdb, name)
		writer := newStore(t, b.client(t), name)
		if _, err := writer.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Load(ctx); got.Generation != 1 {
			t.Fatalf("first load: %+v", got)
		}
		before := rdb.commands.Load()
		for range 1000 {
			if got, _, _ := s.Load(ctx); got.Generation != 1 {
				t.Fatalf("cached load: %+v", got)
			}
		}
		// The subscription may send its SUBSCRIBE, and a slow machine one
		// refresh, meanwhile; Loads send
		// nothing while the cache is fresh.
		if n := rdb.commands.Load() - before; n > 2 {
			t.Fatalf("1000 cached loads sent %d commands", n)
		}
		if _, err := writer.Replace(ctx, 1, session("t2")); err != nil {
			t.Fatal(err)
		}
		if err := s.AwaitSession(ctx, 1, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Load(ctx); got.Generation != 2 || got.Token != "t2" {
			t.Fatalf("after publish: %+v", got)
		}
	})
}

func TestLoadKeepsTheSessionThroughAnOutage(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		rdb := b.client(t)
		s := newStore(t, rdb, account(t), redisstore.WithCacheTTL(0))
		if _, err := s.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		rdb.sever()
		got, ok, err := s.Load(ctx)
		if err != nil || !ok || got.Token != "t1" {
			t.Fatalf("Load during an outage = %+v %v %v", got, ok, err)
		}
		var re *redisstore.Error
		if _, err := s.AcquireLogin(ctx, 1, "a", time.Minute); !errors.As(err, &re) || re.Op != "acquire login" {
			t.Fatalf("AcquireLogin during an outage: %v", err)
		}
		if _, err := s.Replace(ctx, 1, session("t2")); !errors.As(err, &re) || re.Op != "replace" || strings.Contains(err.Error(), "t2") {
			t.Fatalf("Replace during an outage: %v", err)
		}
		rdb.heal()
		if got, _, err := s.Load(ctx); err != nil || got.Token != "t1" {
			t.Fatalf("after the outage: %+v %v", got, err)
		}
	})
}

func TestLoadWithoutAValidSessionFailsDuringAnOutage(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		rdb := b.client(t)
		s := newStore(t, rdb, account(t), redisstore.WithCacheTTL(0))
		expired := session("old")
		expired.ExpiresAt = time.Now().Add(-time.Second)
		if _, err := s.Replace(ctx, 0, expired); err != nil {
			t.Fatal(err)
		}
		rdb.sever()
		var re *redisstore.Error
		if _, ok, err := s.Load(ctx); ok || !errors.As(err, &re) || re.Op != "load" {
			t.Fatalf("Load = %v %v", ok, err)
		}
	})
}

func TestLoadWritesBackWhatRedisLost(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		s := newStore(t, b.client(t), name, redisstore.WithCacheTTL(0))
		var prev uint64
		for _, tok := range []string{"t1", "t2", "t3"} {
			got, err := s.Replace(ctx, prev, session(tok))
			if err != nil {
				t.Fatal(err)
			}
			prev = got.Generation
		}
		b.restart(t)
		got, ok, err := s.Load(ctx)
		if err != nil || !ok || got.Token != "t3" || got.Generation != 3 {
			t.Fatalf("Load after a restart = %+v %v %v", got, ok, err)
		}
		// Another replica, which never saw the session, reads it back.
		if got, _, _ := newStore(t, b.client(t), name).Load(ctx); got.Generation != 3 || got.Token != "t3" {
			t.Fatalf("another replica after the restart: %+v", got)
		}
		if got, err := s.Replace(ctx, 3, session("t4")); err != nil || got.Generation != 4 {
			t.Fatalf("next login: %+v %v", got, err)
		}
	})
}

func TestKeysShareOneHashTag(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		name := account(t)
		s := newStore(t, b.client(t), name, redisstore.WithKeyPrefix("app:"))
		if _, err := s.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLogin(ctx, "a", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcquireLogin(ctx, 0, "a", time.Minute); err != nil {
			t.Fatal(err)
		}
		keys, err := b.admin(t).Keys(ctx, "*"+name+"*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 3 {
			t.Fatalf("keys %q, want session, gen, cooldown", keys)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, "app:{"+name+"}:") {
				t.Errorf("key %q is not under app:{%s}:", k, name)
			}
		}
	})
}

func TestBadInputIsATypedError(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		rdb := b.client(t)
		admin := b.admin(t)
		name := account(t)
		if err := admin.Set(ctx, "devcloud:{"+name+"}:session", "1\nsecret-token-not-json", 0).Err(); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			store *redisstore.Store
			call  func(*redisstore.Store) error
			want  error
		}{
			{"nil client", redisstore.New(nil, "x"), func(s *redisstore.Store) error { _, _, err := s.Load(ctx); return err }, redisstore.ErrNoClient},
			{"nil *redis.Client", redisstore.New((*redis.Client)(nil), "x"), func(s *redisstore.Store) error { _, err := s.AcquireLogin(ctx, 0, "a", time.Second); return err }, redisstore.ErrNoClient},
			{"empty name", redisstore.New(rdb, ""), func(s *redisstore.Store) error { _, err := s.Replace(ctx, 0, session("a")); return err }, redisstore.ErrNoName},
			{"empty name awaits", redisstore.New(rdb, ""), func(s *redisstore.Store) error { return s.AwaitSession(ctx, 0, time.Second) }, redisstore.ErrNoName},
			{"empty owner", redisstore.New(rdb, name), func(s *redisstore.Store) error { _, err := s.AcquireLogin(ctx, 0, "", time.Second); return err }, redisstore.ErrNoOwner},
			{"empty owner releases", redisstore.New(rdb, name), func(s *redisstore.Store) error { return s.ReleaseLogin(ctx, "", 0) }, redisstore.ErrNoOwner},
			{"malformed stored session", redisstore.New(rdb, name), func(s *redisstore.Store) error { _, _, err := s.Load(ctx); return err }, redisstore.ErrMalformed},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				defer c.store.Close()
				err := c.call(c.store)
				var re *redisstore.Error
				if !errors.Is(err, c.want) || !errors.As(err, &re) {
					t.Fatalf("err = %v, want %v as *redisstore.Error", err, c.want)
				}
				if strings.Contains(err.Error(), "secret-token") {
					t.Fatalf("error shows the stored token: %v", err)
				}
			})
		}
	})
}
