package mock

import (
	"context"
	"sync"
)

// Gate holds the replies it is attached to (Reply.WithGate) until the test
// opens it, so a slow answer is slow exactly as long as the test says, with
// no sleep and no timing to tune for a loaded machine. Arrived tells the
// test that a request is waiting at the gate.
//
// A held reply also ends when the client gives up or the Server closes. A
// Gate may hold any number of requests, of any routes and flavours; it is
// safe for concurrent use.
type Gate struct {
	arrived, open         chan struct{}
	arrivedOnce, openOnce sync.Once
}

// NewGate returns a closed Gate.
func NewGate() *Gate {
	return &Gate{arrived: make(chan struct{}), open: make(chan struct{})}
}

// Arrived returns a channel closed once the first request reaches the gate:
// it is recorded and its reply chosen, nothing of the reply is sent yet.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Open lets every held reply go on, and every later one through at once.
// Calling it again does nothing.
func (g *Gate) Open() { g.openOnce.Do(func() { close(g.open) }) }

// wait holds a reply until the gate opens, ctx ends or closing closes
// (nil: never); it reports false when the reply must not be sent.
func (g *Gate) wait(ctx context.Context, closing <-chan struct{}) bool {
	g.arrivedOnce.Do(func() { close(g.arrived) })
	select {
	case <-g.open:
		return true
	case <-ctx.Done():
	case <-closing:
	}
	return false
}

// WithGate holds the reply at g until g is opened, before anything is sent
// (and before WithDelay's wait).
func (r Reply) WithGate(g *Gate) Reply {
	r.gate = g
	return r
}
