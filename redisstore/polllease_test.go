package redisstore_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/redisstore"
)

// longPollPlatform holds each poll for hold and answers 20008 to a poll
// that arrives while another is held, as the platform does for one IP. It
// records who polled when.
type longPollPlatform struct {
	hold time.Duration

	mu       sync.Mutex
	inFlight int
	most     int
	dup      int // 20008 answers
	starts   []pollStart
}

type pollStart struct {
	at      time.Time
	replica string
}

func (p *longPollPlatform) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.inFlight++
	p.most = max(p.most, p.inFlight)
	p.starts = append(p.starts, pollStart{time.Now(), r.Header.Get("X-Replica")})
	dup := p.inFlight > 1
	if dup {
		p.dup++
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	body := `{"Response":{"Events":[]}}`
	if dup {
		body = `{"Error":{"Code":20008,"Message":"several long polls from one IP"}}`
	} else {
		t := time.NewTimer(p.hold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

// firstPollAfter returns the first poll that started at or after t by
// another replica than not, and when.
func (p *longPollPlatform) firstPollAfter(t time.Time, not string) (pollStart, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.starts {
		if !s.at.Before(t) && s.replica != not {
			return s, true
		}
	}
	return pollStart{}, false
}

// severable is a replica's Redis client inside the bubble that can be cut
// off from Redis, as a replica partitioned away or dead is.
type severable struct {
	*redis.Client
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newSeverable(t *testing.T, m *miniredis.Miniredis) *severable {
	s := &severable{}
	s.Client = redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379", MaxRetries: -1,
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.down {
				return nil, errors.New("redis is down (test)")
			}
			nc, err := m.Dial()
			if err == nil {
				s.conns = append(s.conns, nc)
			}
			return nc, err
		},
	})
	t.Cleanup(func() { s.Client.Close() })
	return s
}

func (s *severable) sever() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	for _, nc := range s.conns {
		nc.Close()
	}
}

// TestPollLeaseOnePollerForAFleet is the long-poll figure of SPEC §2d: 3
// replicas polling one group, for 30 s: never 2 polls in flight, no 20008;
// the holder cancelled mid-poll: another replica polls at once; the next
// holder cut off from Redis mid-poll (as dead): it stops polling by itself
// and another replica polls within the lease's TTL + 10 %, still never 2
// at once (go test ./redisstore -run TestPollLeaseOnePollerForAFleet -v).
func TestPollLeaseOnePollerForAFleet(t *testing.T) {
	t.Parallel()
	const ttl, hold = 2 * time.Second, time.Second
	synctest.Test(t, func(t *testing.T) {
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true)
		t.Cleanup(m.Close)
		p := &longPollPlatform{hold: hold}
		group := account(t)
		type replica struct {
			rdb    *severable
			cancel context.CancelFunc
			polls  atomic.Int64
		}
		replicas := make(map[string]*replica)
		var wg sync.WaitGroup
		for _, name := range []string{"a", "b", "c"} {
			r := &replica{rdb: newSeverable(t, m)}
			replicas[name] = r
			c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
				client.WithHeader("X-Replica", name),
				client.WithPollLease(redisstore.NewPollLease(r.rdb, group, redisstore.WithPollLeaseTTL(ttl))))
			if err != nil {
				t.Fatal(err)
			}
			var ctx context.Context
			ctx, r.cancel = context.WithCancel(context.Background())
			wg.Go(func() {
				for _, err := range client.Poll[struct{}](ctx, c, "GET", "/v1/events", nil, client.PollOptions[struct{}]{Hold: hold}) {
					if err != nil {
						return
					}
					r.polls.Add(1)
				}
			})
		}
		time.Sleep(30*time.Second + hold/2) // mid-poll
		holder := func() string {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.starts[len(p.starts)-1].replica
		}
		first := holder()
		cancelled := time.Now()
		replicas[first].cancel()
		time.Sleep(10 * time.Second)
		next, ok := p.firstPollAfter(cancelled, first)
		if !ok {
			t.Fatal("no replica polled after the holder was cancelled")
		}
		second := holder()
		severed := time.Now()
		time.Sleep(hold / 2) // mid-poll again
		replicas[second].rdb.sever()
		severed = time.Now()
		time.Sleep(10 * time.Second)
		third, ok := p.firstPollAfter(severed, second)
		if !ok {
			t.Fatal("no replica polled after the holder was cut off")
		}
		for _, r := range replicas {
			r.cancel()
		}
		wg.Wait()
		for _, r := range replicas {
			r.rdb.Close()
		}
		time.Sleep(time.Second) // go-redis's own goroutines see the close
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Logf("%d polls; most in flight %d; %d × 20008; holder %s cancelled: %s polled after %v; holder %s cut off from Redis: %s polled after %v (TTL %v)",
			len(p.starts), p.most, p.dup, first, next.replica, next.at.Sub(cancelled), second, third.replica, third.at.Sub(severed), ttl)
		if p.most != 1 || p.dup != 0 {
			t.Errorf("most in flight %d, 20008 answers %d; want 1, 0", p.most, p.dup)
		}
		if d := next.at.Sub(cancelled); d != 0 {
			t.Errorf("takeover after a cancelled holder took %v, want 0 (given up at once)", d)
		}
		if d := third.at.Sub(severed); d > ttl*11/10 {
			t.Errorf("takeover after a holder cut off took %v, want ≤ %v", d, ttl*11/10)
		}
	})
}

// TestPollLeaseTakenOverWhenItsHolderIsKilled: a process holding the lease
// is killed (SIGKILL, nothing given up); a standby here holds it within
// the TTL + 10 %, on miniredis and on CI's redis-server.
func TestPollLeaseTakenOverWhenItsHolderIsKilled(t *testing.T) {
	if os.Getenv("POLL_LEASE_HOLDER") != "" {
		return // the helper is TestPollLeaseHolderProcess
	}
	const ttl = time.Second
	forEachAlone(t, func(t *testing.T, b backend) {
		group := account(t)
		cmd := exec.Command(os.Args[0], "-test.run=^TestPollLeaseHolderProcess$")
		cmd.Env = append(os.Environ(), "POLL_LEASE_HOLDER="+b.addr+" "+group+" "+ttl.String())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "held\n" {
			t.Fatalf("helper said %q, %v", line, err)
		}
		lease := redisstore.NewPollLease(b.client(t), group, redisstore.WithPollLeaseTTL(ttl))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		time.Sleep(ttl / 2) // the holder renews; the standby would wait
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		_, release, err := lease.Hold(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		took := time.Since(killed)
		t.Logf("holder killed: the standby holds the lease after %v (TTL %v)", took, ttl)
		if took > ttl*11/10 {
			t.Errorf("takeover took %v, want ≤ %v", took, ttl*11/10)
		}
	})
}

// TestPollLeaseHolderProcess is the process the test above kills: it
// holds the lease, says so and waits.
func TestPollLeaseHolderProcess(t *testing.T) {
	args := strings.Fields(os.Getenv("POLL_LEASE_HOLDER"))
	if len(args) != 3 {
		t.Skip("a helper process of TestPollLeaseTakenOverWhenItsHolderIsKilled")
	}
	ttl, err := time.ParseDuration(args[2])
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: args[0]})
	lease := redisstore.NewPollLease(rdb, args[1], redisstore.WithPollLeaseTTL(ttl))
	held, _, err := lease.Hold(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("held\n")
	<-held.Done()
	t.Fatal("the lease was lost")
}

// TestPollLeaseMistakes: a nil client or an empty group give a lease whose
// Hold says so; a nil lease is an InputError of the client.
func TestPollLeaseMistakes(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, tt := range []struct {
		rdb   redis.UniversalClient
		group string
		want  error
	}{{nil, "g", redisstore.ErrNoClient}, {rdb, "", redisstore.ErrNoName}} {
		_, _, err := redisstore.NewPollLease(tt.rdb, tt.group).Hold(bg)
		var re *redisstore.Error
		if !errors.As(err, &re) || !errors.Is(err, tt.want) {
			t.Errorf("err = %v, want an *Error with %v", err, tt.want)
		}
	}
	var ie *client.InputError
	if _, err := client.New("http://127.0.0.1:9", client.WithPollLease(nil)); !errors.As(err, &ie) {
		t.Errorf("WithPollLease(nil): err = %v, want an *InputError", err)
	}
}
