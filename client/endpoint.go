package client

import (
	"context"
	stderrors "errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// endpoints is a client's gateways to one platform (WithEndpoints,
// WithEndpointResolver) and what the client knows of their health. It is
// the pipeline's first step: it chooses the endpoint of each request and
// learns from its outcome. A client with one base URL has none, and its
// requests go to the base URL as before.
type endpoints struct {
	c       *Client // for the login's request sent again (run)
	clock   retry.Clock
	rnd     func() float64
	coolOff time.Duration
	resolve func(context.Context) ([]string, error) // nil: the list is fixed
	breaker *BreakerConfig                          // each endpoint's, nil for none
	obs     *Observer

	mu    sync.Mutex
	list  []*endpoint // in order of preference; replaced, never changed in place
	asks  uint64      // how many times the resolver was asked
	due   time.Time   // when it is asked next; zero: at the first call
	stale bool        // a 20013 asks for it at the next request

	asking chan struct{} // holds a token while the resolver is asked

	// The breakers' joint state, told to the joint breaker's watchers
	// (BreakerChange, OnStateChange).
	joint   atomic.Int32
	jointBr *breaker
}

// endpoint is one gateway. Its fields after base and br are guarded by the
// endpoints' mu.
type endpoint struct {
	base string   // the base URL, no trailing slash
	br   *breaker // its circuit breaker, nil without WithCircuitBreaker

	until  time.Time // set aside until then; zero: healthy
	probed bool      // a call is trying it after its cool-off
}

// newEndpoints returns the endpoints of a client whose configuration asks
// for several (or a resolver), nil otherwise.
func newEndpoints(cfg *config, c *Client) *endpoints {
	if len(cfg.endpoints) == 0 && cfg.resolver == nil {
		return nil
	}
	e := &endpoints{
		clock: cfg.clock, rnd: cfg.rnd, coolOff: cfg.coolOff, resolve: cfg.resolver,
		breaker: cfg.breaker, obs: &c.obs, asking: make(chan struct{}, 1), c: c,
	}
	if e.rnd == nil {
		e.rnd = rand.Float64
	}
	if e.coolOff == 0 {
		e.coolOff = DefaultEndpointCoolOff
	}
	if cfg.breaker != nil {
		e.jointBr = &breaker{ends: e}
		if f := cfg.breaker.OnStateChange; f != nil {
			e.jointBr.watchers = append(e.jointBr.watchers, f)
		}
	}
	e.list = e.merge(append([]string{c.baseURL}, cfg.endpoints...))
	return e
}

// run chooses the request's endpoint, sends the request there (through that
// endpoint's breaker) and learns from the outcome. res.failover tells the
// judgement that the call's next attempt can go to another endpoint at once.
//
// The default login's request is the one request sent again here: the
// shared login sends it once and would cool down after its failure, so when
// its endpoint failed without the platform seeing it (the dial was refused,
// the gateway answered itself, 20013) it goes on to the next ready endpoint
// at once, each endpoint tried at most once.
func (e *endpoints) run(ctx context.Context, a *exchange) result {
	e.refresh(ctx)
	rest := a.steps
	for {
		res := e.send(ctx, a)
		if !a.k.login || !res.failover || !unseen(ctx, res.err) {
			return res
		}
		// This request ends here: its AttemptStart has its AttemptEnd.
		info := e.c.attemptInfo(a.k, &res, decision{action: apierrors.ActionRetry})
		info.Attempt = a.n
		e.c.observe(res.ctx, info)
		a.steps, a.header = rest, nil
	}
}

// send sends a to the endpoint choose gives and learns from its outcome.
func (e *endpoints) send(ctx context.Context, a *exchange) (res result) {
	ep, probe, asks, err := e.choose(a.k)
	if err != nil {
		return result{err: err, refused: true, ctx: ctx}
	}
	a.base = ep.base
	done := false
	defer func() {
		if !done && probe { // a later step panicked: free the probe
			e.release(ep)
		}
	}()
	if ep.br != nil {
		res = ep.br.run(ctx, a)
	} else {
		res = a.next(ctx)
	}
	done = true
	res.failover = e.learn(ctx, ep, probe, asks, &res)
	return res
}

// unseen reports whether a request whose endpoint failed with err never
// reached the platform: its dial was refused, or the gateway (or the
// platform's address lookup, 20013) answered in its place.
func unseen(ctx context.Context, err error) bool {
	if _, ok := err.(*apierrors.APIError); ok {
		return true
	}
	class, _ := retrying.ClassifyTransport(ctx, err)
	return class == retrying.NotSent
}

// choose returns the endpoint for the next request: the first healthy one
// in order, or the first whose cool-off has passed and that no other call is
// trying (probe true: this request tries it). When every endpoint is set
// aside, the first one whose breaker lets the request through; when every
// breaker is open, an error matching ErrCircuitOpen.
func (e *endpoints) choose(k *call) (ep *endpoint, probe bool, asks uint64, err error) {
	e.mu.Lock()
	list, asks := e.list, e.asks
	e.mu.Unlock()
	now := e.clock.Now()
	var fallback *endpoint
	for _, x := range list {
		// Asked without e.mu: a breaker may tell BreakerChange, which
		// may call the client.
		if x.br.blocks() {
			continue
		}
		if fallback == nil {
			fallback = x
		}
		e.mu.Lock()
		switch {
		case x.until.IsZero():
			e.mu.Unlock()
			return x, false, asks, nil
		case !x.probed && !now.Before(x.until):
			x.probed = true
			e.mu.Unlock()
			return x, true, asks, nil
		}
		e.mu.Unlock()
	}
	if fallback == nil {
		return nil, false, asks, &circuitOpenError{method: k.method, path: k.name, last: list[0].br.lastFailure()}
	}
	return fallback, false, asks, nil
}

// learn records what the request sent to ep came back with: a failure of
// the endpoint sets it aside, an answer brings it back. It reports whether
// ep was set aside while another endpoint is ready, so the call's next
// attempt goes there without a sleep.
func (e *endpoints) learn(ctx context.Context, ep *endpoint, probe bool, asks uint64, res *result) bool {
	switch {
	case res.refused:
		// Nothing was sent: the endpoint proved nothing.
		if probe {
			e.release(ep)
		}
		return false
	case endpointFailed(ctx, res.err):
		cool := time.Duration(float64(e.coolOff) * (0.8 + 0.2*e.rnd()))
		e.mu.Lock()
		ep.until, ep.probed = e.clock.Now().Add(cool), false
		if code, _ := apierrors.CodeOf(res.err); code == apierrors.Code(20013) && asks == e.asks {
			// The gateway lost its backend: the list may be out of date.
			e.stale = true
		}
		e.mu.Unlock()
		e.tell(res.ctx, EndpointInfo{URL: ep.base, SetAside: true, CoolOff: cool, Err: res.err})
		return e.ready(ep)
	case res.err != nil && ctx.Err() != nil:
		// The caller gave up: the endpoint may have been about to answer.
		if probe {
			e.release(ep)
		}
		return false
	}
	e.mu.Lock()
	back := !ep.until.IsZero()
	ep.until, ep.probed = time.Time{}, false
	e.mu.Unlock()
	if back {
		e.tell(res.ctx, EndpointInfo{URL: ep.base})
	}
	return false
}

// release frees ep's probe without a verdict: the next call tries it.
func (e *endpoints) release(ep *endpoint) {
	e.mu.Lock()
	ep.probed = false
	e.mu.Unlock()
}

// ready reports whether an endpoint other than failed would take a request
// now.
func (e *endpoints) ready(failed *endpoint) bool {
	e.mu.Lock()
	list := e.list
	e.mu.Unlock()
	now := e.clock.Now()
	for _, x := range list {
		if x == failed || x.br.blocks() {
			continue
		}
		e.mu.Lock()
		ok := x.until.IsZero() || !x.probed && !now.Before(x.until)
		e.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// tell tells the observer of a change in an endpoint's health.
func (e *endpoints) tell(ctx context.Context, info EndpointInfo) {
	if f := e.obs.EndpointChange; f != nil {
		if ctx == nil {
			ctx = context.Background()
		}
		f(ctx, info)
	}
}

// endpointFailed reports whether an attempt that ended with err under ctx
// says its endpoint cannot serve: no answer was read (the caller's own end
// aside), the gateway answered 502, 503 or 504 itself, or the platform said
// 20013, the server address could not be found.
func endpointFailed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var ae *apierrors.APIError
	if stderrors.As(err, &ae) {
		if ae.Code == apierrors.Code(20013) {
			return true
		}
		gateway := ae.RawCode == "" && (ae.Code == 0 || int(ae.Code) == ae.HTTPStatus)
		switch ae.HTTPStatus {
		case 502, 503, 504:
			return gateway
		}
		return false
	}
	var re *RedirectError
	if stderrors.Is(err, ErrResponseTooLarge) || stderrors.As(err, &re) {
		return false // an answer, if an unwanted one
	}
	return isTransport(err)
}

// blocked reports whether every endpoint's breaker would refuse a request
// now: the client's breaker is then open.
func (e *endpoints) blocked() bool {
	e.mu.Lock()
	list := e.list
	e.mu.Unlock()
	for _, x := range list {
		if !x.br.blocks() {
			return false
		}
	}
	return true
}

// state is the joint state of the endpoints' breakers: closed when one is,
// otherwise half-open when one is, otherwise open.
func (e *endpoints) state() BreakerState {
	e.mu.Lock()
	list := e.list
	e.mu.Unlock()
	joint := BreakerOpen
	for _, x := range list {
		if x.br == nil {
			return BreakerClosed
		}
		joint = min(joint, stateOf(x.br.cb.State()))
	}
	return joint
}

// jointBreaker returns the client's breaker for endpoints that each have
// one: it stands for all of them (it blocks when each does) and tells its
// watchers of changes of their joint state.
func (e *endpoints) jointBreaker() *breaker {
	return e.jointBr
}

// moved is every endpoint breaker's watcher: it tells the joint breaker's
// watchers when the joint state changed. Each change is told once, from the
// state told last.
func (e *endpoints) moved(_, _ BreakerState) {
	now := e.state()
	prev := BreakerState(e.joint.Swap(int32(now)))
	if prev == now {
		return
	}
	for _, f := range e.jointBr.watchers {
		f(prev, now)
	}
}
