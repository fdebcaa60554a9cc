package client

import (
	"context"
	stderrors "errors"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// RateLimiter paces the requests a client sends: Wait blocks until the
// next request may go, or returns an error when it may not (ctx ended, or
// its deadline comes before the request's turn). A *rate.Limiter of
// golang.org/x/time/rate fits as it is.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// ErrRateLimited matches the error of a call that the client's own rate
// limit (WithRateLimit) stopped before its request was sent, because the
// limiter said no: the wait would pass the call's deadline, or the context
// ended while it waited. It is local: the platform was not asked.
var ErrRateLimited = stderrors.New("devcloud: the client's rate limit stopped the request before it was sent")

// WithRateLimit makes every request the client sends — each attempt of a
// call, each request of the default login, each poll — wait on l before it
// goes. A request l refuses is not sent, and its call fails with an error
// matching ErrRateLimited and the limiter's own error; it is not retried,
// and the circuit breaker does not count it.
func WithRateLimit(l RateLimiter) Option {
	return func(c *config) error {
		if l == nil {
			return &InputError{Field: "rateLimit", Reason: "nil RateLimiter"}
		}
		c.limiter = l
		return nil
	}
}

// rateLimitStep waits for the request's turn.
type rateLimitStep struct{ l RateLimiter }

func (s rateLimitStep) run(ctx context.Context, a *exchange) result {
	if err := s.l.Wait(ctx); err != nil {
		if cerr := ctx.Err(); cerr != nil && !stderrors.Is(err, cerr) {
			err = stderrors.Join(err, cerr)
		}
		return result{refused: true, ctx: ctx, err: &apierrors.TransportError{Err: &rateLimitError{err}}}
	}
	return a.next(ctx)
}

// rateLimitError is the limiter's refusal; it matches ErrRateLimited and
// unwraps to the limiter's error.
type rateLimitError struct{ err error }

func (e *rateLimitError) Error() string   { return ErrRateLimited.Error() + ": " + e.err.Error() }
func (e *rateLimitError) Unwrap() []error { return []error{ErrRateLimited, e.err} }
