package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/redisstore"
)

// The fleet tests run replicas as an application runs them: each a
// client.New with its own Redis connections and redisstore.Store, all on one
// account of a platform that allows one session per account (a new login
// revokes the older tokens). Redis time is real (miniredis follows the wall
// clock, as redis-server does), so the bounds on durations are generous and
// the counts of logins and failed calls are exact.

const devices = "/v1/devices"

type replica struct {
	rdb   *conn
	store *redisstore.Store
	c     *client.Client
}

type fleet struct {
	srv      *mock.Server
	name     string
	replicas []*replica
}

func newFleet(t testing.TB, b backend, n int, srvOpts []mock.Option, opts ...client.Option) *fleet {
	t.Helper()
	srv := mock.StartServer(t, append([]mock.Option{mock.WithOneSessionPerApp(), mock.WithKeepAlives()}, srvOpts...)...)
	srv.On("GET", devices, mock.OK(map[string]int{"Total": 1}))
	f := &fleet{srv: srv, name: account(t)}
	for range n {
		f.add(t, b, opts...)
	}
	return f
}

// add starts one more replica.
func (f *fleet) add(t testing.TB, b backend, opts ...client.Option) *replica {
	t.Helper()
	r := &replica{rdb: b.client(t)}
	r.store = newStore(t, r.rdb, f.name)
	c, err := client.New(f.srv.URL, append([]client.Option{
		client.WithCredentials(mock.DefaultAppID, mock.DefaultSecret),
		client.WithSessionStore(r.store),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r.c = c
	f.replicas = append(f.replicas, r)
	return r
}

// logins is how many times the replicas called their login function.
func (f *fleet) logins() int {
	n := 0
	for _, r := range f.replicas {
		n += r.c.Stats().Logins
	}
	return n
}

// commands is how many Redis commands the replicas sent.
func (f *fleet) commands() int64 {
	var n int64
	for _, r := range f.replicas {
		n += r.rdb.commands.Load()
	}
	return n
}

// tally counts calls and keeps the first few errors.
type tally struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []error
	slowest    time.Duration
	firstOK    time.Time // when the first call succeeded
	lastBack   time.Time // when the last call returned
}

func (tl *tally) call(ctx context.Context, c *client.Client) {
	start := time.Now()
	err := c.Do(ctx, "GET", devices, nil, nil)
	took := time.Since(start)
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.slowest = max(tl.slowest, took)
	if end := start.Add(took); end.After(tl.lastBack) {
		tl.lastBack = end
	}
	if err != nil {
		tl.failed.Add(1)
		if len(tl.errs) < 5 {
			tl.errs = append(tl.errs, err)
		}
		return
	}
	if tl.ok.Add(1) == 1 {
		tl.firstOK = time.Now()
	}
}

func (tl *tally) check(t testing.TB) {
	t.Helper()
	if n := tl.failed.Load(); n != 0 {
		t.Errorf("%d failed calls (of %d), first: %v", n, n+tl.ok.Load(), tl.errs)
	}
}

// burst makes perReplica concurrent calls on every replica, all released at
// once.
func (f *fleet) burst(ctx context.Context, perReplica int) *tally {
	var (
		tl    tally
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for _, r := range f.replicas {
		for range perReplica {
			wg.Go(func() {
				<-start
				tl.call(ctx, r.c)
			})
		}
	}
	close(start)
	wg.Wait()
	return &tl
}

// traffic keeps perReplica goroutines per replica calling, each once per
// every (0: one call after the other), until d has passed; at is called once, at half-time.
func (f *fleet) traffic(ctx context.Context, perReplica int, every, d time.Duration, at func()) *tally {
	var (
		tl tally
		wg sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for _, r := range f.replicas {
		for range perReplica {
			wg.Go(func() {
				var tick <-chan time.Time // nil: no pause between calls
				if every > 0 {
					t := time.NewTicker(every)
					defer t.Stop()
					tick = t.C
				}
				for ctx.Err() == nil {
					// A call never counts as failed because the
					// traffic's own time ran out.
					tl.call(context.WithoutCancel(ctx), r.c)
					if tick != nil {
						select {
						case <-ctx.Done():
						case <-tick:
						}
					}
				}
			})
		}
	}
	if at != nil {
		select {
		case <-time.After(d / 2):
			at()
		case <-ctx.Done():
		}
	}
	wg.Wait()
	return &tl
}

func TestFleetColdStartLogsInOnce(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		tl := f.burst(ctx, 50)
		tl.check(t)
		t.Logf("cold start, 4 replicas x 50 goroutines: %d logins (platform: %d), %d calls, %d failed",
			f.logins(), f.srv.Logins(), tl.ok.Load()+tl.failed.Load(), tl.failed.Load())
		if f.logins() != 1 || f.srv.Logins() != 1 {
			t.Fatalf("logins: %d by the clients, %d at the platform; want 1", f.logins(), f.srv.Logins())
		}
	})
}

func TestFleetRevokedSessionLogsInOnceMore(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		const latency = 2 * time.Second
		f := newFleet(t, b, 4, nil)
		f.burst(ctx, 1).check(t)
		f.srv.OnLogin(mock.LoginOK().WithDelay(latency))
		f.srv.InvalidateSessions()

		tl := f.burst(ctx, 50)
		tl.check(t)
		// The waiters wait for the login from the moment it starts; the
		// 200 first attempts before it are the machine's business.
		var loginAt time.Time
		for _, r := range f.srv.Requests() {
			if r.Login {
				loginAt = r.Time
			}
		}
		back := tl.lastBack.Sub(loginAt)
		t.Logf("revoked, 4 replicas x 50 goroutines: %d more login (platform: %d), %d failed; every waiter back %v after the login started = %.2f x the login latency %v (slowest call %v)",
			f.logins()-1, f.srv.Logins()-1, tl.failed.Load(), back.Round(time.Millisecond), float64(back)/float64(latency), latency, tl.slowest.Round(time.Millisecond))
		if f.logins() != 2 || f.srv.Logins() != 2 {
			t.Fatalf("logins after the revocation: %d by the clients, %d at the platform; want 1 more (2)", f.logins(), f.srv.Logins())
		}
		if back > 2*latency {
			t.Fatalf("the last waiter came back %v after the login started, more than twice the login latency %v", back, latency)
		}
	})
}

func TestFleetRefreshesOncePerPeriod(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		const (
			ttl     = 4 * time.Second
			run     = 7 * time.Second
			minimum = ttl / 2 // refreshed at most half-way through: 2-3 s into a session
		)
		f := newFleet(t, b, 4, []mock.Option{mock.WithSessionTTL(ttl)})
		tl := f.traffic(context.Background(), 10, 20*time.Millisecond, run, nil)
		tl.check(t)
		limit := int(run/minimum) + 2 // the first login, one per period, and one
		t.Logf("%v sessions over %v of traffic from 4 replicas: %d logins (platform: %d; at most %d), %d calls, %d failed",
			ttl, run, f.logins(), f.srv.Logins(), limit, tl.ok.Load()+tl.failed.Load(), tl.failed.Load())
		if f.logins() > limit || f.srv.Logins() > limit {
			t.Fatalf("%d logins (platform %d), want at most %d", f.logins(), f.srv.Logins(), limit)
		}
	})
}

func TestFleetCoolsDownTogetherAfter10004(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		f.srv.OnLogin(mock.Code(10004).WithRetryAfter(time.Minute), mock.LoginOK())
		if err := f.replicas[0].c.Do(ctx, "GET", devices, nil, nil); !errors.Is(err, apierrors.LoginTooFrequent) {
			t.Fatalf("the first replica's call: %v, want 10004", err)
		}
		for i, r := range f.replicas[1:] {
			var cool *client.LoginCooldownError
			err := r.c.Do(ctx, "GET", devices, nil, nil)
			if !errors.As(err, &cool) || time.Until(cool.Until) < 50*time.Second {
				t.Fatalf("replica %d: %v, want a LoginCooldownError until about a minute from now", i+1, err)
			}
		}
		if n := f.srv.LoginAttempts(); n != 1 {
			t.Fatalf("%d login attempts reached the platform, want 1: the fleet honours Retry-After", n)
		}
	})
}

func TestFleetTakesOverADeadHoldersLease(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		const (
			loginTimeout = 30 * time.Second // the default: the lease no longer depends on it
			lease        = 2 * time.Second  // what the client asks for, renewed while its login runs
			bound        = 3 * time.Second
		)

		f := newFleet(t, b, 0, nil, client.WithLoginTimeout(loginTimeout))
		// The holder gets the lease, starts its login and dies: its login
		// never answers and it can no longer reach Redis to renew the
		// lease or give it back.
		// The holder's death is dated when its login starts, on the
		// goroutine that has just been granted the lease: a busy machine
		// may wake this one later, past the start of the lease's TTL.
		entered := make(chan struct{})
		var (
			once sync.Once
			died time.Time
		)
		holder := f.add(t, b, client.WithLoginTimeout(loginTimeout), client.WithLogin(func(ctx context.Context) (client.Session, error) {
			once.Do(func() {
				died = time.Now()
				close(entered)
			})
			<-ctx.Done()
			return client.Session{}, ctx.Err()
		}))
		go holder.c.Do(ctx, "GET", devices, nil, nil)
		<-entered
		holder.rdb.sever()
		for range 3 {
			f.add(t, b, client.WithLoginTimeout(loginTimeout))
		}

		tl := f.burstOn(ctx, f.replicas[1:], 50)
		tl.check(t)
		var takenOver time.Time
		for _, r := range f.srv.Requests() {
			if r.Login {
				takenOver = r.Time
			}
		}
		took, recovered := takenOver.Sub(died), tl.firstOK.Sub(died)
		t.Logf("holder killed mid-login: %d logins (platform: %d), %d failed; the next login reached the platform %v after the death, the first call came back %v after the death (lease TTL %v, bound %v, login timeout %v)",
			f.logins(), f.srv.Logins(), tl.failed.Load(), took.Round(time.Millisecond), recovered.Round(time.Millisecond), lease, bound, loginTimeout)
		if f.logins() != 2 || f.srv.Logins() != 1 {
			t.Fatalf("logins: %d by the clients (want 2: the dead holder's and one), %d at the platform (want 1)", f.logins(), f.srv.Logins())
		}
		if took > bound || recovered > bound {
			t.Fatalf("taken over after %v, first call back after %v: more than %v", took, recovered, bound)
		}
		if took < lease-lease/10 {
			t.Fatalf("taken over after %v: the dead holder's lease (%v) was not respected", took, lease)
		}
	})
}

// burstOn is burst on some of the replicas.
func (f *fleet) burstOn(ctx context.Context, rs []*replica, perReplica int) *tally {
	g := &fleet{srv: f.srv, replicas: rs}
	return g.burst(ctx, perReplica)
}

func TestFleetReadsRedisOncePerReplicaPerSecond(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		f.burst(ctx, 1).check(t)
		before, start := f.commands(), time.Now()
		tl := f.traffic(ctx, 10, 0, 2*time.Second, nil)
		tl.check(t)
		took := time.Since(start)
		calls, cmds := tl.ok.Load()+tl.failed.Load(), f.commands()-before
		// Each replica reads Redis once per cache TTL (1 s), however
		// many calls it makes; how many calls fit in a second is the
		// machine's business (TestFleetCommandsPerCall counts on a clock
		// of its own).
		limit := int64(len(f.replicas)) * (int64(took/redisstore.DefaultCacheTTL) + 1)
		t.Logf("%d calls from 4 replicas in %v sent %d Redis commands (at most %d): %.4f per call",
			calls, took.Round(time.Millisecond), cmds, limit, float64(cmds)/float64(calls))
		if cmds > limit {
			t.Fatalf("%d Redis commands in %v, want at most one per replica per second (%d)", cmds, took, limit)
		}
	})
}

// BenchmarkFleetRedisCommandsPerCall reports the Redis commands a call
// costs (redis-cmds/call) with the local cache, four replicas sharing the
// calls: go test -C redisstore -run '^$' -bench RedisCommandsPerCall.
func BenchmarkFleetRedisCommandsPerCall(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			f := newFleet(b, be, 4, nil)
			f.burst(context.Background(), 1).check(b)
			before := f.commands()
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := f.replicas[next.Add(1)%int64(len(f.replicas))]
				for pb.Next() {
					if err := r.c.Do(context.Background(), "GET", devices, nil, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(f.commands()-before)/float64(b.N), "redis-cmds/call")
		})
	}
}

func TestFleetKeepsCallingThroughARedisOutage(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		f.burst(ctx, 1).check(t)
		tl := f.traffic(ctx, 10, 20*time.Millisecond, 3*time.Second, func() {
			for _, r := range f.replicas {
				r.rdb.sever()
			}
		})
		tl.check(t)
		t.Logf("Redis unreachable for the second half of 3 s: %d calls, %d failed, %d logins",
			tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), f.logins())
		if f.logins() != 1 {
			t.Fatalf("%d logins, want 1", f.logins())
		}
		for _, r := range f.replicas {
			r.rdb.heal()
		}
		f.srv.InvalidateSessions()
		f.burst(ctx, 5).check(t)
		if f.logins() != 2 {
			t.Fatalf("%d logins after Redis came back and the session was revoked, want 2", f.logins())
		}
	})
}

func TestFleetSurvivesARedisRestart(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		f.burst(ctx, 1).check(t)
		admin := b.admin(t)
		genKey := "devcloud:{" + f.name + "}:gen"
		before, err := admin.Get(ctx, genKey).Uint64()
		if err != nil {
			t.Fatal(err)
		}
		tl := f.traffic(ctx, 10, 20*time.Millisecond, 3*time.Second, func() { b.restart(t) })
		tl.check(t)
		after, err := admin.Get(ctx, genKey).Uint64()
		t.Logf("Redis restarted mid-run: %d calls, %d failed, %d logins; generation %d before, %d after (%v)",
			tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), f.logins(), before, after, err)
		if err != nil || after != before {
			t.Fatalf("generation after the restart: %d (%v), want %d written back", after, err, before)
		}
		if f.logins() != 1 {
			t.Fatalf("%d logins, want 1: the session outlived the restart", f.logins())
		}
		// The next login continues the generation.
		f.srv.InvalidateSessions()
		f.burst(ctx, 5).check(t)
		if g, _ := admin.Get(ctx, genKey).Uint64(); g != before+1 || f.logins() != 2 {
			t.Fatalf("after a revocation: generation %d, %d logins; want %d, 2", g, f.logins(), before+1)
		}
	})
}

func TestFleetFlushDuringALoginCostsNoCall(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newFleet(t, b, 4, nil)
		f.burst(ctx, 1).check(t)
		// The relogin after a revocation is held at the platform while
		// Redis is flushed (the lease, the session and the generation
		// gone), then for a second more, long enough for every waiter to
		// ask for the lease again and the holder to renew it.
		gate := mock.NewGate()
		f.srv.OnLogin(mock.LoginOK().WithGate(gate))
		const hold = time.Second
		tl := f.traffic(ctx, 10, 20*time.Millisecond, 3*time.Second, func() {
			f.srv.InvalidateSessions()
			<-gate.Arrived()
			b.flush(t)
			time.AfterFunc(hold, gate.Open)
		})
		tl.check(t)
		t.Logf("Redis flushed during a relogin held %v: %d calls, %d failed; %d logins (platform: %d)",
			hold, tl.ok.Load()+tl.failed.Load(), tl.failed.Load(), f.logins(), f.srv.Logins())
		if f.logins() != 2 || f.srv.Logins() != 2 {
			t.Fatalf("logins: %d by the clients, %d at the platform; want 2 (the first and one relogin)", f.logins(), f.srv.Logins())
		}
	})
}
