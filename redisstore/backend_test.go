package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// backend is a Redis the tests run against: miniredis always, and a
// redis-server of the test's own when one is installed (server_test.go);
// never a Redis someone else runs.
type backend struct {
	name string
	addr string
	mini *miniredis.Miniredis // nil for a real Redis
	srv  *server              // nil for miniredis
}

// backends returns the Redis servers to run a test on, each started for t
// alone and stopped at its cleanup: a test may flush or restart them while
// others run.
func backends(t testing.TB) []backend {
	t.Helper()
	m := miniredis.RunT(t)
	// Real Redis expires keys as time passes; make miniredis do the same.
	m.ClockTTL(true)
	bs := []backend{{name: "miniredis", addr: m.Addr(), mini: m}}
	if redisServer != "" {
		srv, err := startServer(redisServer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.stop)
		bs = append(bs, backend{name: "redis", addr: srv.addr, srv: srv})
	}
	return bs
}

// forEach runs f once per backend, as a subtest named for it. The test and
// its subtests run in parallel with other tests: nothing they use is
// shared (each backend is the test's own, and so is the fake platform).
func forEach(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	t.Parallel()
	eachBackend(t, f)
}

// forEachAlone is forEach for a test whose bound on a duration leaves no
// room for a busy machine: its backends run side by side, but no other
// test runs beside it.
func forEachAlone(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	eachBackend(t, f)
}

func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// conn is one replica's Redis client with its own connections. It counts
// the commands it sends, and can be cut off from Redis (sever) as in an
// outage, then reconnected (heal).
type conn struct {
	*redis.Client
	commands atomic.Int64

	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func (b backend) client(t testing.TB) *conn {
	t.Helper()
	c := &conn{}
	c.Client = redis.NewClient(&redis.Options{
		Addr:         b.addr,
		DialTimeout:  time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
		MaxRetries:   -1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.down {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errRedisDown}
			}
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				c.conns = append(c.conns, nc)
			}
			return nc, err
		},
	})
	c.AddHook(counter{&c.commands})
	t.Cleanup(func() { c.Close() })
	return c
}

// sever closes the client's connections and refuses new ones.
func (c *conn) sever() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = true
	for _, nc := range c.conns {
		nc.Close()
	}
	c.conns = nil
}

// heal lets the client connect again.
func (c *conn) heal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = false
}

var errRedisDown = &net.AddrError{Err: "redis is down (test)", Addr: "redis"}

// flush empties the Redis and drops every client's connection, as a
// restart without persistence does.
func (b backend) restart(t *testing.T) {
	t.Helper()
	if b.mini != nil {
		b.mini.FlushAll()
		b.mini.Close()
		if err := b.mini.Restart(); err != nil {
			t.Fatal(err)
		}
		return
	}
	admin := redis.NewClient(&redis.Options{Addr: b.addr})
	defer admin.Close()
	ctx := context.Background()
	for _, cmd := range [][]any{
		{"FLUSHALL"},
		{"CLIENT", "KILL", "TYPE", "normal"},
		{"CLIENT", "KILL", "TYPE", "pubsub"},
	} {
		if err := admin.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}
}

// flush empties the Redis, connections kept: FLUSHALL.
func (b backend) flush(t *testing.T) {
	t.Helper()
	if b.mini != nil {
		b.mini.FlushAll()
		return
	}
	if err := b.admin(t).FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// admin returns a client for reading and writing keys behind the stores'
// backs.
func (b backend) admin(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: b.addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// account returns a fresh account name, so tests never see each other's
// keys on a shared Redis.
func account(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "test-" + hex.EncodeToString(b[:])
}

// counter is a go-redis hook that counts commands, a pipeline's each, but
// not the handshake of a new connection (HELLO, CLIENT ...).
type counter struct{ n *atomic.Int64 }

func (h counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			h.count(cmd)
		}
		return next(ctx, cmds)
	}
}

func (h counter) count(cmd redis.Cmder) {
	switch cmd.Name() {
	case "hello", "client", "auth", "select":
	default:
		h.n.Add(1)
	}
}
