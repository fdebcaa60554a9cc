package client

import (
	"context"
	"testing"
)

// TestNoObserverCostsNoAllocation pins down the promise of Observer: a
// client without one allocates nothing for it on any step of a call.
func TestNoObserverCostsNoAllocation(t *testing.T) {
	c, err := New("http://127.0.0.1:1", WithLogin(func(context.Context) (Session, error) { return Session{}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	k := &call{method: "GET", path: "/v1/devices?page=2", name: "/v1/devices"}
	ctx := context.Background()
	run := &loginRun{}
	allocs := testing.AllocsPerRun(100, func() {
		cctx := c.obs.callStart(ctx, k)
		actx := c.obs.attemptStart(cctx, RequestInfo{})
		c.observe(actx, AttemptInfo{Attempt: 1})
		c.wait(cctx, WaitInfo{Delay: 1})
		lctx := c.obs.loginStart(cctx, cctx, LoginInfo{})
		c.sessions.loginEnd(lctx, run)
		c.obs.loginWait(cctx, lctx, nil)
		c.finish(cctx, k)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call without an observer, want 0", allocs)
	}
	t.Logf("without an observer, every observer step of a call together: %v allocations", allocs)
}
