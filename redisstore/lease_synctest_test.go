package redisstore_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/redisstore"
)

// The fleet's lease in a synctest bubble: replicas on a miniredis served
// over net.Pipe and on the httpmock flavour of a platform that allows one
// session per account, so every time and count below is exact.

// bubbleFleet is newFleet inside a bubble.
type bubbleFleet struct {
	m        *miniredis.Miniredis
	platform *mock.Mock
	replicas []*replica
}

func newBubbleFleet(t *testing.T, n int, platformOpts ...mock.Option) *bubbleFleet {
	m, _, _ := bubbleRedis(t)
	p := mock.New(t, append([]mock.Option{mock.WithOneSessionPerApp()}, platformOpts...)...)
	p.On("GET", devices, mock.OK(map[string]int{"Total": 1}))
	f := &bubbleFleet{m: m, platform: p}
	for range n {
		f.add(t)
	}
	return f
}

// add starts one more replica, with a Redis client of its own that can be
// cut off (sever) and reconnected (heal).
func (f *bubbleFleet) add(t *testing.T, opts ...client.Option) *replica {
	r := &replica{rdb: &conn{}}
	r.rdb.Client = redis.NewClient(&redis.Options{
		Addr:       "127.0.0.1:6379", // never dialled
		MaxRetries: -1,
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			r.rdb.mu.Lock()
			defer r.rdb.mu.Unlock()
			if r.rdb.down {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errRedisDown}
			}
			nc, err := f.m.Dial()
			if err == nil {
				r.rdb.conns = append(r.rdb.conns, nc)
			}
			return nc, err
		},
	})
	r.rdb.AddHook(counter{&r.rdb.commands})
	r.store = redisstore.New(r.rdb.Client, "acct")
	c, err := f.platform.NewClient(append([]client.Option{client.WithSessionStore(r.store)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	t.Cleanup(func() {
		c.Close()
		r.store.Close()
		r.rdb.Close()
	})
	f.replicas = append(f.replicas, r)
	return r
}

func (f *bubbleFleet) logins() int {
	n := 0
	for _, r := range f.replicas {
		n += r.c.Stats().Logins
	}
	return n
}

// loginTimes returns when each login reached the platform.
func (f *bubbleFleet) loginTimes() []time.Time {
	var at []time.Time
	for _, r := range f.platform.Requests() {
		if r.Login {
			at = append(at, r.Time)
		}
	}
	return at
}

// traffic keeps perReplica goroutines per replica calling every 20 ms
// until d has passed, and runs each event at its time.
func (f *bubbleFleet) traffic(perReplica int, d time.Duration, events map[time.Duration]func()) *tally {
	var (
		tl    tally
		wg    sync.WaitGroup
		start = time.Now()
	)
	for at, event := range events {
		wg.Go(func() {
			time.Sleep(at)
			event()
		})
	}
	for _, r := range f.replicas {
		for range perReplica {
			wg.Go(func() {
				for time.Since(start) < d {
					tl.call(context.Background(), r.c)
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
	wg.Wait()
	return &tl
}

// TestFleetLeaseTakeoverInABubble: the holder dies in the middle of its
// login, 100 ms after a renewal (600 ms after it got the lease); the
// three other replicas take over when that renewal lapses, 2 s after it.
func TestFleetLeaseTakeoverInABubble(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newBubbleFleet(t, 0)
		entered := make(chan struct{})
		holder := f.add(t, client.WithLogin(func(ctx context.Context) (client.Session, error) {
			close(entered)
			<-ctx.Done()
			return client.Session{}, ctx.Err()
		}))
		for range 3 {
			f.add(t)
		}
		go holder.c.Do(context.Background(), "GET", devices, nil, nil)
		<-entered
		const death = 600 * time.Millisecond
		time.Sleep(death)
		holder.rdb.sever()
		died := time.Now()

		tl := (&bubbleFleet{platform: f.platform, replicas: f.replicas[1:]}).burstIn(50)
		tl.check(t)
		logins := f.loginTimes()
		if len(logins) != 1 {
			t.Fatalf("%d logins reached the platform, want 1", len(logins))
		}
		took := logins[0].Sub(died)
		t.Logf("holder dead %v into its login: the next login reached the platform %v after the death (lease 2 s, renewed every 500 ms); %d calls, %d failed, %d login calls (the dead one's included), first call back %v after the death",
			death, took, tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), f.logins(), tl.firstOK.Sub(died))
		if took != 1900*time.Millisecond || tl.firstOK.Sub(died) != took || f.logins() != 2 || f.platform.Logins() != 1 {
			t.Fatalf("taken over %v after the death (first call %v), %d login calls, %d at the platform; want 1.9s, 1.9s, 2, 1",
				took, tl.firstOK.Sub(died), f.logins(), f.platform.Logins())
		}
	})
}

// burstIn makes perReplica concurrent calls on every replica.
func (f *bubbleFleet) burstIn(perReplica int) *tally {
	var (
		tl tally
		wg sync.WaitGroup
	)
	for _, r := range f.replicas {
		for range perReplica {
			wg.Go(func() { tl.call(context.Background(), r.c) })
		}
	}
	wg.Wait()
	return &tl
}

// TestFleetFlushDuringALoginInABubble: the session is revoked at 1 s of
// traffic; the relogin takes 1 s at the platform and Redis is flushed 100 ms
// (and, in a second run, 600 ms: after the holder's first renewal) into
// it. The replicas keep the fleet on one login and lose no call.
func TestFleetFlushDuringALoginInABubble(t *testing.T) {
	t.Parallel()
	for _, flushAt := range []time.Duration{100 * time.Millisecond, 600 * time.Millisecond} {
		t.Run("flush "+flushAt.String()+" into the login", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newBubbleFleet(t, 4)
				f.burstIn(1).check(t)
				f.platform.OnLogin(mock.LoginOK().WithDelay(time.Second))
				const revoke = time.Second
				tl := f.traffic(10, 3*time.Second, map[time.Duration]func(){
					revoke:           f.platform.InvalidateSessions,
					revoke + flushAt: f.m.FlushAll,
				})
				tl.check(t)
				t.Logf("Redis flushed %v into a 1 s relogin: %d calls, %d failed, slowest %v; %d login calls, %d logins at the platform",
					flushAt, tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), tl.slowest, f.logins(), f.platform.Logins())
				if f.logins() != 2 || f.platform.Logins() != 2 {
					t.Fatalf("%d login calls, %d at the platform; want 2 (the first and one relogin)", f.logins(), f.platform.Logins())
				}
				if tl.slowest > time.Second+100*time.Millisecond {
					t.Fatalf("slowest call %v: more than the login and one poll", tl.slowest)
				}
			})
		})
	}
}

// TestFleetHolderThatLostItsLeaseInABubble: the holder is cut off from
// Redis from 100 ms to 2.9 s into a 3 s login, so its lease lapses at 2 s
// and another replica takes over with a 2 s login. The first holder's
// commit at 3 s is refused; the second's at 4 s stands, and the calls
// waiting on either get the second session: none fails.
func TestFleetHolderThatLostItsLeaseInABubble(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newBubbleFleet(t, 2)
		f.burstIn(1).check(t)
		f.platform.OnLogin(mock.LoginOK().WithDelay(3*time.Second), mock.LoginOK().WithDelay(2*time.Second))
		first := f.replicas[0]
		f.platform.InvalidateSessions()
		var (
			tl      tally
			wg      sync.WaitGroup
			lease   string
			session client.Session
		)
		start := time.Now()
		wg.Go(func() { tl.call(context.Background(), first.c) })
		wg.Go(func() {
			time.Sleep(100 * time.Millisecond)
			first.rdb.sever()
			time.Sleep(2800 * time.Millisecond)
			first.rdb.heal()
		})
		wg.Go(func() {
			time.Sleep(200 * time.Millisecond)
			tl.call(context.Background(), f.replicas[1].c)
		})
		wg.Go(func() { // after the first holder's refused commit, before the second's
			time.Sleep(3500 * time.Millisecond)
			lease, _ = f.m.Get("devcloud:{acct}:lease")
			probe := redisstore.New(f.replicas[1].rdb.Client, "acct", redisstore.WithCacheTTL(0))
			session, _, _ = probe.Load(context.Background())
			probe.Close()
		})
		wg.Wait()
		tl.check(t)
		final, _, _ := f.replicas[1].store.Load(context.Background())
		t.Logf("holder cut off past its lease: logins reached the platform at %v; at 3.5 s the lease was %q and the session generation %d; %d calls, %d failed, all back at %v; generation %d in the end",
			f.loginTimes(), lease, session.Generation, tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), tl.lastBack.Sub(start), final.Generation)
		if lease == "" || lease == "~lost" || session.Generation != 1 {
			t.Fatalf("at 3.5 s: lease %q, generation %d; want the second holder's lease and nothing stored over generation 1", lease, session.Generation)
		}
		if f.platform.Logins() != 3 || f.logins() != 3 || final.Generation != 2 || tl.lastBack.Sub(start) != 4*time.Second {
			t.Fatalf("%d logins at the platform (%d login calls), generation %d, back at %v; want 3 (3: the first, the lost one, the takeover), 2, 4s",
				f.platform.Logins(), f.logins(), final.Generation, tl.lastBack.Sub(start))
		}
	})
}
