package client

import (
	"context"
	stderrors "errors"
	"iter"
	"math/rand/v2"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// ErrPollerBusy is yielded, once, by a Poll that starts while another Poll
// of the same client is running. The platform holds one long poll per IP
// and answers a second one with 20008 (同一个IP发送了多个长轮询请求), so a
// client runs one poll loop at a time: share its events from that loop
// instead of starting a second one. Processes behind one NAT address
// coordinate through WithPollLease; without it each waits out the 20008s
// the others cause.
var ErrPollerBusy = stderrors.New("devcloud: another long poll of this client is running")

// DefaultPollMargin is added to PollOptions.Hold for each poll request's
// timeout.
const DefaultPollMargin = 5 * time.Second

// PollOptions configures Poll.
type PollOptions[T any] struct {
	// Hold is how long the platform holds a poll open before it answers
	// with nothing new. It is required.
	Hold time.Duration
	// Next returns the next request's path and body from the last payload,
	// to follow a cursor. nil sends the first request again each time.
	Next func(last T) (path string, in any)
	// Margin is added to Hold for each request's timeout, which replaces
	// WithTimeout's for polls. 0 means DefaultPollMargin.
	Margin time.Duration
	// Backoff spaces the polls after transient failures (5xx, transport
	// errors); it starts again after a success. nil means
	// retry.ThrottleBackoff(): 1 s, ×2, full jitter, capped at 30 s.
	Backoff *retry.Backoff
	// Options apply to every poll request (Header, Query, …).
	Options []CallOption
}

// Poll long-polls method and path and yields each payload decoded as a T,
// until the loop breaks, ctx ends or a permanent error is yielded:
//
//	for batch, err := range client.Poll(ctx, c, "GET", "/v1/events", nil, opts) {
//		if err != nil {
//			return err // permanent: the loop ends after it
//		}
//		handle(batch)
//	}
//
// Each request is sent only when the loop asks for the next value, so no
// request is in flight while the loop body runs, and breaking out sends
// nothing more. What Poll does about failures:
//
//   - 20008 (another poll from this IP is open on the platform): waits Hold
//     plus up to a tenth of it at random, so that poll has ended, and polls
//     again without yielding anything.
//   - Transient failures (what the client's policy retries: 5xx, 20005,
//     transport errors, a poll that timed out on our side; an open circuit
//     breaker): waits on
//     opts.Backoff, or longer if the server sent Retry-After, and polls
//     again, without yielding and without the client's retry budget. Every
//     attempt is seen by WithAttemptHook and WithLogger.
//   - Session codes: the client logs in again (shared with its other calls)
//     and replays the poll once, as Do does.
//   - Anything else, and the end of ctx: yielded once, then the loop ends.
//
// Each request's timeout is Hold + Margin whatever WithTimeout says, and
// the client's retries never send a poll again: one that timed out on our
// side may still be held by the platform.
//
// A client runs one Poll at a time: one that starts while another runs
// yields ErrPollerBusy and ends. With WithPollLease, each request is sent
// only while the lease is held. Bad options yield an *InputError.
func Poll[T any](ctx context.Context, c *Client, method, path string, in any, opts PollOptions[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := checkPoll(ctx, c, opts.Hold, opts.Margin); err != nil {
			yield(zero, err)
			return
		}
		if !c.polling.CompareAndSwap(false, true) {
			yield(zero, ErrPollerBusy)
			return
		}
		defer c.polling.Store(false)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()

		p := newPoller(c, opts.Hold, opts.Backoff)
		margin := opts.Margin
		if margin == 0 {
			margin = DefaultPollMargin
		}
		pc := &pollCall{timeout: opts.Hold + margin}
		lease := c.pollHold()
		defer lease.drop()
		for {
			pctx, err := lease.ctx(ctx)
			if err != nil {
				yield(zero, err)
				return
			}
			var out T
			err = c.do(pctx, method, path, in, &out, pc, opts.Options)
			if err != nil && lease.lost(ctx) {
				continue // another process may poll now: wait as a standby
			}
			if err == nil {
				p.succeeded()
				if !yield(out, nil) {
					return
				}
				if opts.Next != nil {
					path, in = opts.Next(out)
				}
				continue
			}
			wait, ok := p.wait(ctx, err)
			if !ok {
				yield(zero, err)
				return
			}
			c.wait(ctx, WaitInfo{Action: apierrors.ActionRetry, Delay: wait, Err: err})
			if serr := c.clock.Sleep(ctx, wait); serr != nil {
				yield(zero, stopped(err, serr))
				return
			}
		}
	}
}

// stopped attaches the end of the context to the failure the loop was
// waiting out, so the error shows both.
func stopped(err, cause error) error {
	if err = withCause(err, cause); stderrors.Is(err, cause) {
		return err
	}
	return stderrors.Join(err, cause)
}

func checkPoll(ctx context.Context, c *Client, hold, margin time.Duration) error {
	switch {
	case ctx == nil:
		return &InputError{Field: "ctx", Reason: "nil context"}
	case c == nil:
		return &InputError{Field: "client", Reason: "nil *Client"}
	case hold <= 0:
		return &InputError{Field: "Hold", Reason: "must be positive: how long the platform holds a poll"}
	case margin < 0:
		return &InputError{Field: "Margin", Reason: "must not be negative"}
	}
	return nil
}

// poller decides how long a poll loop waits after a failed poll.
type poller struct {
	c       *Client
	hold    time.Duration
	backoff retry.Backoff
	sched   *retrying.Schedule // of the current run of transient failures
	judge   *retrying.Retryer
	rnd     func() float64
}

func newPoller(c *Client, hold time.Duration, b *retry.Backoff) *poller {
	p := &poller{c: c, hold: hold, backoff: retry.ThrottleBackoff(), rnd: c.rnd}
	if b != nil {
		p.backoff = *b
	}
	if p.rnd == nil {
		p.rnd = rand.Float64
	}
	p.judge = retrying.New(c.policy, p.rnd)
	return p
}

// succeeded starts the transient schedule afresh.
func (p *poller) succeeded() { p.sched = nil }

// wait returns how long to wait before polling again after err, or false
// when err ends the loop.
func (p *poller) wait(ctx context.Context, err error) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	if code, ok := apierrors.CodeOf(err); ok && code == apierrors.DuplicateLongPoll {
		return p.hold + time.Duration(p.rnd()*float64(p.hold/10)), true
	}
	if !p.transient(ctx, err) {
		return 0, false
	}
	if p.sched == nil {
		p.sched = retrying.NewSchedule(p.backoff, p.rnd)
	}
	wait := p.sched.Next()
	var ae *apierrors.APIError
	if stderrors.As(err, &ae) && ae.RetryAfter > wait {
		wait = ae.RetryAfter
	}
	var ce *LoginCooldownError
	if stderrors.As(err, &ce) {
		wait = max(wait, ce.Until.Sub(p.c.clock.Now()))
	}
	return wait, true
}

// transient reports whether the client's policy would retry err: the
// platform's answers and transport failures, judged as for an idempotent
// call (a poll only reads). Caller mistakes and a Retry-After beyond the
// policy's cap are final.
func (p *poller) transient(ctx context.Context, err error) bool {
	var (
		ie *InputError
		ae *apierrors.APIError
		de *apierrors.DecodeError
		te *apierrors.TransportError
	)
	if stderrors.As(err, &ie) || stderrors.Is(err, retry.ErrRetryAfterTooLong) {
		return false
	}
	if stderrors.Is(err, ErrCircuitOpen) {
		return true // nothing was sent; the breaker lets a probe through later
	}
	if !stderrors.As(err, &ae) && !stderrors.As(err, &de) && !stderrors.As(err, &te) {
		return false
	}
	// Number 0: only the kind of failure counts, not the attempts of a
	// call; Poll never gives up on a transient failure.
	d := p.judge.Decide(ctx, retrying.Attempt{Number: 0, Err: err, Idempotent: true, IdempotencyKey: true}, p.c.clock.Now())
	switch d.Action {
	case apierrors.ActionRetry, apierrors.ActionRetryThrottle, apierrors.ActionLoginCooldown:
		return true
	}
	return false
}
