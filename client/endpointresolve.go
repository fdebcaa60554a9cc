package client

import (
	"context"
	"slices"
)

// refresh asks the resolver for the endpoints when it is due: at the first
// call, after a 20013, and otherwise every EndpointResolveInterval. One
// request asks at a time; the others go on with the list they have, except
// at the first call, when they wait for its answer (within their context).
// An error, or an answer with no usable URL, keeps the list.
func (e *endpoints) refresh(ctx context.Context) {
	if e.resolve == nil {
		return
	}
	e.mu.Lock()
	due, first := e.dueLocked(), e.asks == 0
	e.mu.Unlock()
	if !due {
		return
	}
	if first {
		select {
		case e.asking <- struct{}{}:
		case <-ctx.Done():
			return
		}
	} else {
		select {
		case e.asking <- struct{}{}:
		default:
			return // another request is asking
		}
	}
	defer func() { <-e.asking }()
	e.mu.Lock()
	if !e.dueLocked() {
		e.mu.Unlock()
		return // asked while this request waited
	}
	e.asks++
	e.stale = false
	e.due = e.clock.Now().Add(EndpointResolveInterval)
	e.mu.Unlock()

	urls, err := e.resolve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			// This call gave up, not the resolver: the next one asks.
			e.mu.Lock()
			e.stale = true
			e.mu.Unlock()
		}
		return
	}
	var bases []string
	for _, raw := range urls {
		if base, err := parseBase("endpoint", raw); err == nil {
			bases = append(bases, base)
		}
	}
	if len(bases) == 0 {
		return
	}
	list := e.merge(bases)
	e.mu.Lock()
	e.list = list
	e.mu.Unlock()
}

func (e *endpoints) dueLocked() bool {
	return e.stale || e.due.IsZero() || !e.clock.Now().Before(e.due)
}

// merge returns the endpoints of bases, in their order and without
// repeats: those already known keep their health and breaker.
func (e *endpoints) merge(bases []string) []*endpoint {
	e.mu.Lock()
	old := e.list
	e.mu.Unlock()
	list := make([]*endpoint, 0, len(bases))
	for _, base := range bases {
		if slices.ContainsFunc(list, func(x *endpoint) bool { return x.base == base }) {
			continue
		}
		i := slices.IndexFunc(old, func(x *endpoint) bool { return x.base == base })
		if i >= 0 {
			list = append(list, old[i])
			continue
		}
		ep := &endpoint{base: base}
		if e.breaker != nil {
			cfg := *e.breaker
			cfg.OnStateChange = nil // told as the joint state's (moved)
			ep.br = newBreaker(cfg)
			ep.br.watch(e.moved)
		}
		list = append(list, ep)
	}
	return list
}
