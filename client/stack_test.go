package client_test

import (
	"context"
	"net/http"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/devcloud/devcloud-go/client"
)

// stackPerGoroutine makes n calls, each from a goroutine of its own that
// stays parked after its call, one after the other so they share one
// connection, and returns the stack memory each goroutine holds then: a
// goroutine's stack grows, by doubling, to the deepest its call went, and
// the garbage collector, which would shrink it, is off meanwhile.
func stackPerGoroutine(t *testing.T, n int, call func() error) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	release := make(chan struct{})
	defer close(release)
	for range n {
		called := make(chan error)
		go func() {
			called <- call()
			<-release
		}()
		if err := <-called; err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	return (after.StackInuse - before.StackInuse) / uint64(n)
}

// TestCallNeedsNoMoreStackThanNetHTTP wants a goroutine that makes a call
// with the SDK to need no bigger stack than one making it with net/http and
// encoding/json: a call's steps nest, each with a frame on the stack, and a
// goroutine started per call (a fan-out, a handler's) pays for every
// doubling of its stack with a copy of it.
func TestCallNeedsNoMoreStackThanNetHTTP(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation changes every frame")
	}
	srv := serve(t, []byte(doBody), false)
	c := sdkClient(t, srv.URL)
	hc := &http.Client{Transport: client.NewTransport()}
	t.Cleanup(hc.CloseIdleConnections)
	url := srv.URL + "/v1/devices"
	sdk := stackPerGoroutine(t, 200, func() error {
		var out doList
		return c.Do(context.Background(), "GET", "/v1/devices", nil, &out)
	})
	base := stackPerGoroutine(t, 200, func() error {
		var env restyEnvelope
		return netHTTPCall(context.Background(), hc, url, &env)
	})
	t.Logf("stack per goroutine after one GET: SDK %d B, net/http %d B", sdk, base)
	// Stacks come in powers of two: a call that needed twice the stack
	// shows as twice the bytes, whatever else ran meanwhile.
	if sdk > base+base/2 {
		t.Fatalf("a goroutine's stack after an SDK call is %d B, after a net/http call %d B", sdk, base)
	}
}
