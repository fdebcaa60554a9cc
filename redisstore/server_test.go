package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests flush Redis and kill its connections, so they run only on a
// Redis they started themselves: miniredis always, and a redis-server of
// their own when one is installed, one per test, so that tests run in
// parallel without seeing each other's flushes and restarts. REDIS_ADDR,
// which the README's fleet snippet has applications read, is never
// looked at.
//
// REDISSTORE_TEST_REDIS_SERVER picks the redis-server: unset, the one on
// PATH if any (else miniredis only); "off", miniredis only; a path, that
// binary, and the test binary fails if it cannot start it (CI sets it, so
// a real run is never skipped by accident).
const serverEnv = "REDISSTORE_TEST_REDIS_SERVER"

// server is a redis-server started by the tests: loopback only, a free
// port, no persistence, in a temporary directory.
type server struct {
	addr string
	cmd  *exec.Cmd
	dir  string
	done chan struct{} // closed when the process has exited
}

// serverBinary returns the redis-server binary the tests start their
// servers from, or "" when they run on miniredis only.
func serverBinary() string {
	switch bin := os.Getenv(serverEnv); bin {
	case "off":
		return ""
	case "":
		bin, _ = exec.LookPath("redis-server")
		return bin
	default:
		return bin
	}
}

// startServer starts a redis-server of the tests' own from bin.
func startServer(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "redisstore-test-")
	if err != nil {
		return nil, err
	}
	var last error
	for range 5 { // a port found free may be taken before the server binds it
		s, err := launch(bin, dir)
		if err == nil {
			return s, nil
		}
		last = err
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("could not start %s: %w", bin, last)
}

func launch(bin, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--protected-mode", "yes",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log"))
	dieWithTests(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		err := ours(ctx, s.addr, cmd.Process.Pid)
		if err == nil {
			return s, nil
		}
		if errors.Is(err, errNotOurs) {
			s.kill()
			return nil, err
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("redis-server on port %d exited: %w", port, err)
		case <-ctx.Done():
			s.kill()
			return nil, fmt.Errorf("redis-server on port %d not ready: %w", port, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// errNotOurs is the cause when the Redis at an address is not the one the
// tests started, or not empty.
var errNotOurs = errors.New("not a Redis these tests started")

// ours checks that the Redis at addr is the process pid and holds no key,
// before any test writes to it or flushes it.
func ours(ctx context.Context, addr string, pid int) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return err
	}
	id := ""
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			id = v
		}
	}
	if id != strconv.Itoa(pid) {
		return fmt.Errorf("%w: %s answers as process %q, want %d", errNotOurs, addr, id, pid)
	}
	n, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("%w: %s holds %d keys", errNotOurs, addr, n)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

func (s *server) stop() {
	s.kill()
	os.RemoveAll(s.dir)
}
