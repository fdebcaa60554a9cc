package redisstore_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/redisstore"
)

// The tests here run in a synctest bubble on a miniredis served over
// net.Pipe, so their times are exact: the bubble's clock moves only when
// every goroutine waits. A busy machine slows them down but cannot change
// their times, so they run in parallel with the others.

// bubbleRedis returns a Redis client on a miniredis inside the bubble and a
// count of its commands. Everything is closed when the bubble ends.
func bubbleRedis(t *testing.T) (*miniredis.Miniredis, *redis.Client, *atomic.Int64) {
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	var n atomic.Int64
	rdb := redis.NewClient(&redis.Options{
		Addr:   "127.0.0.1:6379", // never dialled; an IP, so nothing asks DNS
		Dialer: func(context.Context, string, string) (net.Conn, error) { return m.Dial() },
	})
	rdb.AddHook(counter{&n})
	t.Cleanup(func() { rdb.Close(); m.Close() })
	return m, rdb, &n
}

func TestAwaitSessionPollsEvery100msAndNeverPastMax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		max      time.Duration
		storeAt  time.Duration // when a generation appears without a message; 0: never
		wantBack time.Duration
		wantGets int64
	}{
		{"nothing new: back at max, polled at 100, 200, 300 ms", 350 * time.Millisecond, 0, 350 * time.Millisecond, 3},
		{"max under the poll interval: back at max, no poll", 60 * time.Millisecond, 0, 60 * time.Millisecond, 0},
		{"a lost message: found at the next poll", time.Minute, 150 * time.Millisecond, 200 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m, rdb, cmds := bubbleRedis(t)
				s := redisstore.New(rdb, "acct")
				defer s.Close()
				if tt.storeAt > 0 {
					go func() {
						time.Sleep(tt.storeAt)
						m.Set("devcloud:{acct}:gen", "1")
					}()
				}
				start := time.Now()
				if err := s.AwaitSession(context.Background(), 0, tt.max); err != nil {
					t.Fatal(err)
				}
				if back := time.Since(start); back != tt.wantBack {
					t.Errorf("back after %v, want %v", back, tt.wantBack)
				}
				if n := cmds.Load(); n != tt.wantGets {
					t.Errorf("%d polls, want %d", n, tt.wantGets)
				}
			})
		})
	}
}

func TestLoadCacheLastsItsTTLThenRefreshesInTheBackground(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		_, rdb, cmds := bubbleRedis(t)
		ctx := context.Background()
		s := redisstore.New(rdb, "acct")
		defer s.Close()
		if _, err := s.Replace(ctx, 0, session("t1")); err != nil {
			t.Fatal(err)
		}
		// Load the script into Redis, so that a read below is one EVALSHA.
		warm := redisstore.New(rdb, "acct", redisstore.WithCacheTTL(0))
		if _, _, err := warm.Load(ctx); err != nil {
			t.Fatal(err)
		}
		warm.Close()
		synctest.Wait()
		base := cmds.Load()
		steps := []struct {
			at       time.Duration // since the Replace
			wantCmds int64         // commands sent since the Replace
		}{
			{0, 0},
			{999 * time.Millisecond, 0},             // fresh
			{time.Second, 1},                        // aged: answered at once, one read refreshes it
			{time.Second + 999*time.Millisecond, 1}, // fresh again
			{2 * time.Second, 2},
		}
		start := time.Now()
		for _, st := range steps {
			time.Sleep(st.at - time.Since(start))
			got, ok, err := s.Load(ctx)
			if err != nil || !ok || got.Token != "t1" || got.Generation != 1 {
				t.Fatalf("at %v: %+v %v %v", st.at, got, ok, err)
			}
			synctest.Wait() // the background read, if any
			if n := cmds.Load() - base; n != st.wantCmds {
				t.Fatalf("at %v: %d commands, want %d", st.at, n, st.wantCmds)
			}
		}
	})
}

// TestFleetCommandsPerCall measures the Redis commands a call costs with
// the local cache: four replicas, each with its own Redis client and
// Store, ten goroutines each calling every 20 ms for 5 s of the bubble's
// clock, through the httpmock flavour of the fake platform.
func TestFleetCommandsPerCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		_, rdb0, _ := bubbleRedis(t)
		m := mock.New(t)
		m.On("GET", devices, mock.OK(nil))
		var (
			cmds    atomic.Int64
			clients []*client.Client
		)
		for range 4 {
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", Dialer: rdb0.Options().Dialer})
			rdb.AddHook(counter{&cmds})
			store := redisstore.New(rdb, "acct")
			c, err := m.NewClient(client.WithSessionStore(store))
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
			defer rdb.Close()
			defer store.Close()
			defer c.Close()
		}
		ctx := context.Background()
		for _, c := range clients {
			if err := c.Do(ctx, "GET", devices, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		before := cmds.Load()
		const (
			perReplica = 10
			every      = 20 * time.Millisecond
			run        = 5 * time.Second
		)
		var calls, failed atomic.Int64
		var wg sync.WaitGroup
		for _, c := range clients {
			for range perReplica {
				wg.Go(func() {
					for range run / every {
						if err := c.Do(ctx, "GET", devices, nil, nil); err != nil {
							failed.Add(1)
						}
						calls.Add(1)
						time.Sleep(every)
					}
				})
			}
		}
		wg.Wait()
		synctest.Wait()
		n := cmds.Load() - before
		per := float64(n) / float64(calls.Load())
		t.Logf("%d calls (%d failed) from 4 replicas in %v sent %d Redis commands: %.4f per call",
			calls.Load(), failed.Load(), run, n, per)
		// Each replica reads Redis when its cache turns 1 s old: at 1, 2,
		// 3 and 4 s (the last calls are at 4.98 s).
		want := int64(len(clients)) * int64((run-every)/redisstore.DefaultCacheTTL)
		if failed.Load() != 0 || n != want {
			t.Fatalf("%d failed, %d commands; want 0 failed and one read per replica per second (%d)", failed.Load(), n, want)
		}
		if per >= 0.01 {
			t.Fatalf("%.4f Redis commands per call, want < 0.01", per)
		}
	})
}
