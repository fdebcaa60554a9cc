package redisstore_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's own log lines: the outage tests make it report
// every refused dial.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// redisServer is the redis-server binary the tests start their own servers
// from (see server_test.go), "" when they run on miniredis only. Set once,
// before any test runs.
var redisServer string

// parallel is how many tests run at once unless -test.parallel says
// otherwise. The fleet tests mostly wait, in real time, for leases, TTLs
// and traffic to run their course, so many more of them than the cores
// fit. Under the race detector their calls cost the CPU many times more,
// and on a small machine tests running side by side would stretch each
// other's bounds on durations: there they run one at a time.
func parallel() int {
	if raceEnabled {
		return 1
	}
	return 32
}

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(parallel()))
	}
	// Start and stop one server first, so that a redis-server that cannot
	// run fails the test binary at once rather than every test.
	if bin := serverBinary(); bin != "" {
		srv, err := startServer(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redisstore tests:", err)
			os.Exit(1)
		}
		srv.stop()
		redisServer = bin
	}
	os.Exit(m.Run())
}
