package client

import (
	"context"
	stderrors "errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// breaker is the client's circuit breaker: gobreaker's two-step breaker,
// asked before every attempt and told its outcome after it. A nil *breaker
// (no WithCircuitBreaker) lets everything through.
type breaker struct {
	cb           *gobreaker.TwoStepCircuitBreaker[struct{}]
	probes       uint32
	probeTimeout time.Duration

	mu   sync.Mutex
	last error // the last counted failure, a copy nobody changes

	// State changes are queued under gobreaker's lock and delivered
	// outside it, in order, by whichever goroutine gets there first.
	queueMu    sync.Mutex
	queue      []transition
	queued     atomic.Bool
	delivering sync.Mutex
	watchers   []func(from, to BreakerState)

	// ends, for a client with several endpoints, makes this breaker the
	// joint one of theirs (endpoint.go): it blocks when each of them does.
	ends *endpoints
}

type transition struct{ from, to BreakerState }

// The outcomes gobreaker is told: nil is a success.
var (
	errCounted  = stderrors.New("failure")
	errExcluded = stderrors.New("not counted")
)

func newBreaker(cfg BreakerConfig) *breaker {
	b := &breaker{probes: uint32(cfg.Probes), probeTimeout: cfg.ProbeTimeout}
	if cfg.OnStateChange != nil {
		b.watchers = append(b.watchers, cfg.OnStateChange)
	}
	minFailures, ratio := uint32(cfg.MinFailures), cfg.FailureRatio
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         "devcloud",
		MaxRequests:  b.probes,
		Interval:     cfg.Window,
		BucketPeriod: cfg.Window / 10, // a rolling window, not a fixed one
		Timeout:      cfg.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			// Only finished attempts: Requests also counts those in
			// flight and those not counted.
			done := n.TotalSuccesses + n.TotalFailures
			return n.TotalFailures >= minFailures && float64(n.TotalFailures) >= ratio*float64(done)
		},
		IsExcluded: func(err error) bool { return err == errExcluded },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			// Called under gobreaker's lock: only queue it.
			b.queueMu.Lock()
			b.queue = append(b.queue, transition{stateOf(from), stateOf(to)})
			b.queued.Store(true)
			b.queueMu.Unlock()
		},
	})
	return b
}

// watch adds f to the functions told of every change of state. It is for
// New (an observer), before the client is used.
func (b *breaker) watch(f func(from, to BreakerState)) {
	if b != nil && f != nil {
		b.watchers = append(b.watchers, f)
	}
}

// allow asks the breaker for one attempt of method and path. When it
// refuses, err is a *circuitOpenError; otherwise record must be called once
// the attempt has ended, with its verdict and error.
func (b *breaker) allow(method, path string) (record func(v verdict, err error), err error) {
	if b == nil {
		return func(verdict, error) {}, nil
	}
	done, err := b.cb.Allow()
	b.deliver()
	if err != nil {
		return nil, &circuitOpenError{method: method, path: path, last: b.lastFailure()}
	}
	return func(v verdict, err error) {
		switch v {
		case countedSuccess:
			done(nil)
		case countedFailure:
			b.mu.Lock()
			b.last = snapshot(err, method, path)
			b.mu.Unlock()
			done(errCounted)
		default:
			done(errExcluded)
		}
		b.deliver()
	}, nil
}

// run is the breaker's step: it asks for the request and tells the breaker
// how it went. A request it refuses is not sent: its result is refused.
//
// The half-open breaker's probe runs under the probe timeout: a probe that
// hangs frees the slot when it passes (not counted: it proved nothing), so
// the next probe decides instead of every call waiting on the hung one.
func (b *breaker) run(ctx context.Context, a *exchange) (res result) {
	probe := b.cb.State() == gobreaker.StateHalfOpen
	record, err := b.allow(a.k.method, a.k.name)
	if err != nil {
		return result{err: err, refused: true, ctx: ctx}
	}
	sent := false
	defer func() {
		if !sent { // a later step panicked: the breaker must not wait for it forever
			record(notCounted, nil)
		}
	}()
	actx := ctx
	if probe {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, b.probeTimeout)
		defer cancel()
	}
	res = a.next(actx)
	sent = true
	v := judge(ctx, res.err, probe)
	switch {
	case res.refused:
		v = notCounted // a later step stopped it: nothing was sent
	case probe && actx.Err() != nil && ctx.Err() == nil:
		v = notCounted // the probe's own timeout ended it
	}
	record(v, res.err)
	return res
}

// blocks reports whether an attempt asked for now would be refused: the
// breaker is open, or half-open with all its probes in flight. A retry
// checks it before it takes a budget token or sleeps.
func (b *breaker) blocks() bool {
	if b == nil {
		return false
	}
	if b.ends != nil {
		return b.ends.blocked()
	}
	defer b.deliver()
	switch b.cb.State() {
	case gobreaker.StateOpen:
		return true
	case gobreaker.StateHalfOpen:
		n := b.cb.Counts()
		return n.Requests-min(n.TotalExclusions, n.Requests) >= b.probes
	}
	return false
}

func (b *breaker) state() BreakerState {
	if b == nil {
		return BreakerClosed
	}
	if b.ends != nil {
		return b.ends.state()
	}
	defer b.deliver()
	return stateOf(b.cb.State())
}

func (b *breaker) lastFailure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// deliver tells the watchers of the queued changes of state. One goroutine
// delivers at a time; a goroutine that finds another delivering leaves its
// changes to it (which looks again after it is done), so a watcher may call
// the client without deadlocking.
func (b *breaker) deliver() {
	for b.queued.Load() {
		if !b.delivering.TryLock() {
			return
		}
		b.drain()
	}
}

// drain delivers until the queue is empty; it holds b.delivering.
func (b *breaker) drain() {
	defer b.delivering.Unlock() // a watcher that panics must not silence the others
	for {
		b.queueMu.Lock()
		batch := b.queue
		b.queue = nil
		b.queued.Store(false)
		b.queueMu.Unlock()
		if len(batch) == 0 {
			return
		}
		for _, t := range batch {
			for _, f := range b.watchers {
				f(t.from, t.to)
			}
		}
	}
}

func stateOf(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return BreakerOpen
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}
