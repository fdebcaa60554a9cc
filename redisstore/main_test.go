package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's own log lines: the outage tests make it report
// every refused dial.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// ownRedis is the redis-server this test binary started (see server_test.go),
// nil when it runs on miniredis only. Set once, before any test runs.
var ownRedis *server

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	srv, err := startServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore tests:", err)
		os.Exit(1)
	}
	ownRedis = srv
	code := m.Run()
	if srv != nil {
		srv.stop()
	}
	os.Exit(code)
}
