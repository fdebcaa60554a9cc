package client

import (
	"context"
	"time"
)

// deadlineStep bounds one attempt by WithTimeout (Poll's own timeout for a
// poll), and marks a request carrying an idempotency key as one net/http
// must not resend by itself (see sendOnce).
type deadlineStep struct{ c *Client }

func (s deadlineStep) run(ctx context.Context, a *exchange) result {
	timeout := s.c.timeout
	if a.k.poll != nil {
		timeout = a.k.poll.timeout
	}
	if timeout > 0 {
		return s.bounded(ctx, a, timeout)
	}
	return s.marked(ctx, a)
}

// bounded is run for an attempt with a timeout, apart so that most calls,
// which have none, keep the deferred cancel off their stack.
func (s deadlineStep) bounded(ctx context.Context, a *exchange, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.marked(ctx, a)
}

// marked hands the exchange on, its request marked as one net/http must not
// resend when it carries an idempotency key.
func (s deadlineStep) marked(ctx context.Context, a *exchange) result {
	if a.k.idemKey != "" {
		ctx = withSendOnce(ctx, s.c.idem)
	}
	return a.next(ctx)
}
