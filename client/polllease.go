package client

import "context"

// PollLease lets one Poll at a time run across every process that shares
// it, as the platform allows one long poll per IP address and answers a
// second one from behind the same NAT address with 20008. The redisstore
// module implements it for a fleet (redisstore.NewPollLease).
type PollLease interface {
	// Hold blocks until the caller holds the lease, or ctx ends. held is
	// derived from ctx and ends when the lease is lost — its holder could
	// not keep it alive, so another may hold it soon; release gives the
	// lease up, so a waiting process takes it over at once. release is
	// called once, after held is no longer used.
	Hold(ctx context.Context) (held context.Context, release func(), err error)
}

// WithPollLease makes the client's Poll hold l while it polls: of every
// process that shares l, one polls and the others wait as standbys, and
// one of them takes over when the poller stops, is closed, or dies. A
// Poll that lost the lease mid-poll (its holder cut off from the lease's
// store) drops that poll and waits as a standby again; nothing is yielded
// for it.
func WithPollLease(l PollLease) Option {
	return func(c *config) error {
		if l == nil {
			return &InputError{Field: "pollLease", Reason: "nil PollLease"}
		}
		c.pollLease = l
		return nil
	}
}

// pollHold is one Poll's hold on the client's PollLease; nil when the
// client has none, and then it does nothing.
type pollHold struct {
	l       PollLease
	held    context.Context
	release func()
}

func (c *Client) pollHold() *pollHold {
	if c.pollLease == nil {
		return nil
	}
	return &pollHold{l: c.pollLease}
}

// ctx returns the context the next poll is sent with: ctx itself, or the
// lease's, waiting for the lease when it is not held.
func (h *pollHold) ctx(ctx context.Context) (context.Context, error) {
	if h == nil {
		return ctx, nil
	}
	if h.held != nil && h.held.Err() == nil {
		return h.held, nil
	}
	h.drop()
	held, release, err := h.l.Hold(ctx)
	if err != nil {
		return nil, err
	}
	h.held, h.release = held, release
	return held, nil
}

// lost reports whether the lease, not ctx, ended the last poll.
func (h *pollHold) lost(ctx context.Context) bool {
	return h != nil && h.held != nil && h.held.Err() != nil && ctx.Err() == nil
}

// drop gives the lease up, if it is held.
func (h *pollHold) drop() {
	if h != nil && h.release != nil {
		h.release()
		h.held, h.release = nil, nil
	}
}
