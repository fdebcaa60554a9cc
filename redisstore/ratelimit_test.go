package redisstore_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/redisstore"
)

// quotaPlatform is an in-memory platform that accepts 100 requests/s with
// a burst of 10 (a token bucket on the bubble's clock) and answers 30011
// above it; it keeps the time of every request it accepts.
type quotaPlatform struct {
	mu        sync.Mutex
	tokens    float64
	at        time.Time
	times     []time.Time
	throttled int
}

func newQuotaPlatform() *quotaPlatform { return &quotaPlatform{tokens: 10, at: time.Now()} }

func (p *quotaPlatform) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	now := time.Now()
	p.tokens = min(10, p.tokens+now.Sub(p.at).Seconds()*100)
	p.at = now
	body := `{"Response":{}}`
	p.times = append(p.times, now)
	if p.tokens >= 1 {
		p.tokens--
	} else {
		p.throttled++
		body = `{"Error":{"Code":30011,"Message":"license used up"}}`
	}
	p.mu.Unlock()
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

var bg = context.Background()

// busiestSecond returns the most requests in any window of one second.
func busiestSecond(times []time.Time) int {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Second {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// replicaRedis returns a Redis client of its own on m, inside the bubble;
// down, when set, refuses its dials.
func replicaRedis(t *testing.T, m *miniredis.Miniredis, down *atomic.Bool) *redis.Client {
	rdb := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379", MaxRetries: -1,
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			if down != nil && down.Load() {
				return nil, errors.New("redis is down (test)")
			}
			return m.Dial()
		},
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestRateLimiterKeepsAFleetUnderItsQuota is the fleet figure of SPEC §2d:
// 4 replicas, 50 goroutines each calling back to back for 10 s (5 s
// deadlines) through one NewRateLimiter(…, 100/s, burst 5), against a
// platform that accepts 100 req/s (burst 10): no one-second window in which
// the platform receives more than 105, no throttle answer, goodput at
// least 90 calls/s (go test ./redisstore -run TestRateLimiterKeepsAFleetUnderItsQuota -v).
func TestRateLimiterKeepsAFleetUnderItsQuota(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := miniredis.NewMiniRedis()
		t.Cleanup(m.Close)
		p := newQuotaPlatform()
		name := account(t)
		var wg sync.WaitGroup
		var ok, failed atomic.Int64
		start := time.Now()
		for range 4 {
			lim := redisstore.NewRateLimiter(replicaRedis(t, m, nil), name, 100, 5)
			c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}), client.WithRateLimit(lim))
			if err != nil {
				t.Fatal(err)
			}
			for range 50 {
				wg.Go(func() {
					for time.Since(start) < 10*time.Second {
						ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
						if c.Do(ctx, "GET", "/v1/devices", nil, nil) == nil {
							ok.Add(1)
						} else {
							failed.Add(1)
						}
						cancel()
					}
				})
			}
		}
		wg.Wait()
		// Calls made before 10 s end later, when their turn comes.
		el := time.Since(start)
		p.mu.Lock()
		defer p.mu.Unlock()
		most, goodput := busiestSecond(p.times), float64(ok.Load())/el.Seconds()
		t.Logf("4 replicas × 50 goroutines, calls for 10 s, done in %v: %d requests, busiest second %d, %d throttled, %d calls failed, goodput %.1f calls/s",
			el, len(p.times), most, p.throttled, failed.Load(), goodput)
		if most > 105 || p.throttled != 0 || goodput < 90 {
			t.Errorf("busiest second %d, throttled %d, goodput %.1f; want ≤ 105, 0, ≥ 90", most, p.throttled, goodput)
		}
	})
}

// TestRateLimiterRefusesATurnPastTheDeadline: a Wait whose turn would come
// after its deadline fails at once with ErrNoTurn and takes no turn, so
// the next caller gets that turn.
func TestRateLimiterRefusesATurnPastTheDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := miniredis.NewMiniRedis()
		t.Cleanup(m.Close)
		lim := redisstore.NewRateLimiter(replicaRedis(t, m, nil), account(t), 10, 1)
		if err := lim.Wait(bg); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
		err := lim.Wait(ctx)
		cancel()
		var re *redisstore.Error
		if !errors.Is(err, redisstore.ErrNoTurn) || !errors.As(err, &re) || time.Since(start) != 0 {
			t.Fatalf("err = %v after %v, want an *Error with ErrNoTurn at once", err, time.Since(start))
		}
		if err := lim.Wait(bg); err != nil || time.Since(start) != 100*time.Millisecond {
			t.Errorf("next Wait: %v after %v, want nil after 100ms (the turn refused was not taken)", err, time.Since(start))
		}
	})
}

// TestRateLimiterFallsBackToItsShare: with Redis gone, each replica paces
// itself on the limit divided by the replicas it last saw — never
// unlimited, never stalled on Redis — and asks Redis again after
// DefaultFallbackFor.
func TestRateLimiterFallsBackToItsShare(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		m := miniredis.NewMiniRedis()
		t.Cleanup(m.Close)
		name := account(t)
		var down atomic.Bool
		lim := redisstore.NewRateLimiter(replicaRedis(t, m, &down), name, 100, 4)
		for range 3 {
			other := redisstore.NewRateLimiter(replicaRedis(t, m, nil), name, 100, 4)
			if err := other.Wait(bg); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second) // the quota refills
		if err := lim.Wait(bg); err != nil {
			t.Fatal(err)
		}
		if got := lim.LocalLimit(); got != 25 {
			t.Fatalf("local share after 4 replicas were seen: %v req/s, want 25", got)
		}
		down.Store(true)
		m.Close() // drops the connections
		start := time.Now()
		for range 11 {
			if err := lim.Wait(bg); err != nil {
				t.Fatal(err)
			}
		}
		// Burst 4/4 = 1, then one each 40 ms.
		if el := time.Since(start); el != 400*time.Millisecond {
			t.Errorf("11 waits on the local share took %v, want 400ms", el)
		}
	})
}

// TestRateLimiterMistakes: bad arguments give a limiter whose Wait says so.
func TestRateLimiterMistakes(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, tt := range []struct {
		name  string
		rdb   redis.UniversalClient
		limit rate.Limit
		burst int
		want  error
	}{
		{"nil client", nil, 1, 1, redisstore.ErrNoClient},
		{"empty name", rdb, 1, 1, redisstore.ErrNoName},
		{"zero limit", rdb, 0, 1, redisstore.ErrBadLimit},
		{"infinite limit", rdb, rate.Inf, 1, redisstore.ErrBadLimit},
		{"zero burst", rdb, 1, 0, redisstore.ErrBadLimit},
	} {
		name := "q"
		if tt.want == redisstore.ErrNoName {
			name = ""
		}
		err := redisstore.NewRateLimiter(tt.rdb, name, tt.limit, tt.burst).Wait(bg)
		var re *redisstore.Error
		if !errors.As(err, &re) || !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want an *Error with %v", tt.name, err, tt.want)
		}
	}
}

// TestRateLimiterOnEachBackend: on miniredis and on the real redis-server
// of CI, 4 replicas taking 25 turns each at 100/s (burst 5) take at least
// the 0.95 s the quota allows, and no second holds more than 105 turns.
func TestRateLimiterOnEachBackend(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		name := account(t)
		var mu sync.Mutex
		var times []time.Time
		var wg sync.WaitGroup
		start := time.Now()
		for range 4 {
			// A Redis round trip that a busy machine stretches past the
			// default timeout would put the replica on its local share,
			// which TestRateLimiterFallsBackToItsShare covers; here every
			// turn is Redis's.
			lim := redisstore.NewRateLimiter(b.client(t), name, 100, 5, redisstore.WithRedisTimeout(time.Minute))
			wg.Go(func() {
				for range 25 {
					if err := lim.Wait(bg); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					times = append(times, time.Now())
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		el := time.Since(start)
		t.Logf("100 turns in %v, busiest second %d", el, busiestSecond(times))
		if el < 950*time.Millisecond || busiestSecond(times) > 105 {
			t.Errorf("100 turns in %v, busiest second %d; want ≥ 950ms, ≤ 105", el, busiestSecond(times))
		}
	})
}
