package redisstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

// TestTestsNeverTouchARedisTheyDidNotStart: a Redis with data at REDIS_ADDR
// (as the README's fleet snippet has apps read it) is left alone by every
// destructive helper of the tests, and the guard refuses a server that is
// not the test binary's own process, or that holds keys.
func TestTestsNeverTouchARedisTheyDidNotStart(t *testing.T) {
	theirs := miniredis.RunT(t)
	theirs.Set("user:data", "keep")
	t.Setenv("REDIS_ADDR", theirs.Addr())
	bs := backends(t)
	for _, b := range bs {
		if b.addr == theirs.Addr() {
			t.Fatalf("backend %s runs on REDIS_ADDR", b.name)
		}
		b.flush(t)
		b.restart(t)
	}
	if v, err := theirs.Get("user:data"); err != nil || v != "keep" || len(theirs.Keys()) != 1 {
		t.Fatalf("the Redis at REDIS_ADDR now holds %q (%v), keys %q; want its key untouched", v, err, theirs.Keys())
	}

	ctx := context.Background()
	if err := ours(ctx, theirs.Addr(), 1); err == nil {
		t.Fatal("the guard accepted a Redis the tests did not start")
	}
	own := bs[len(bs)-1].srv
	if own == nil {
		t.Logf("no redis-server of the tests' own (%s=off or none on PATH): the guard checked on miniredis only", serverEnv)
		return
	}
	pid := own.cmd.Process.Pid
	if err := ours(ctx, own.addr, pid+1); !errors.Is(err, errNotOurs) {
		t.Fatalf("another process's Redis: %v, want errNotOurs", err)
	}
	b := bs[len(bs)-1]
	admin := b.admin(t)
	admin.Set(ctx, "user:data", "x", 0)
	defer b.flush(t)
	if err := ours(ctx, own.addr, pid); !errors.Is(err, errNotOurs) {
		t.Fatalf("a Redis holding a key: %v, want errNotOurs", err)
	}
	t.Logf("refused: %v", ours(ctx, own.addr, pid))
}
