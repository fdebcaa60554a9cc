package client

import (
	"context"
	stderrors "errors"
	"fmt"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// decision is what the judgement of an attempt says the call does next.
type decision struct {
	// action is ActionNone (the call succeeded), ActionFail (it ends with
	// err), ActionRetry or ActionRetryThrottle (sleep delay, send again),
	// ActionRelogin or ActionReloginClockSkew (replay on a newer session),
	// or ActionLoginCooldown (sleep delay, then ask for a session again).
	action apierrors.Action
	// delay is the sleep before the next attempt; on ActionFail, the one
	// the policy asked for before a gate said no (the hook shows it).
	delay time.Duration
	// err is the call's error when action ends it.
	err error
	// failover: the retry goes to another endpoint, at once (endpoint.go).
	failover bool
}

// A classifier judges an attempt's result, as the AWS SDK's retryable
// checks do: it decides (true), or leaves the result to the next one. The
// chain is in the order a result must meet them; the last one, the
// policy's, always decides.
type classifier func(c *Client, ctx context.Context, k *call, res *result) (decision, bool)

var classifiers = [...]classifier{
	(*Client).noSession,
	(*Client).staleSession,
	(*Client).refused,
	(*Client).succeeded,
	(*Client).endedByDeadline,
	(*Client).bodySpent,
	(*Client).byPolicy,
}

// judge runs the chain of classifiers over res.
func (c *Client) judge(ctx context.Context, k *call, res *result) decision {
	for _, classify := range classifiers {
		if d, ok := classify(c, ctx, k, res); ok {
			return d
		}
	}
	panic("unreachable: the policy decides every result")
}

// noSession: no session could be had. A login cool-down worth waiting
// (10004, an unavailable login endpoint, …) is waited out when the gates
// allow it — within the call's attempts, deadline and the policy's
// Retry-After cap; otherwise the call fails with the login's error.
func (c *Client) noSession(ctx context.Context, k *call, res *result) (decision, bool) {
	if !res.noSession {
		return decision{}, false
	}
	err := res.err
	if ctx.Err() == nil && !k.opts.noRetry && k.ticket.logins < c.policy.MaxAttempts {
		if wait, ok := c.sessions.cooldownLeft(err); ok {
			switch {
			case c.breaker.blocks():
				// The failure opened the breaker: no sleep for a login
				// request it would refuse.
				err = fmt.Errorf("%w (%w)", err, ErrCircuitOpen)
			case wait <= c.policy.MaxRetryAfter && fits(ctx, c.clock.Now().Add(wait)):
				return decision{action: apierrors.ActionLoginCooldown, delay: wait}, true
			}
		}
	}
	return decision{action: apierrors.ActionFail, err: c.loginError(ctx, k, err)}, true
}

// staleSession: the session was condemned between the moment it was handed
// out and the request's leaving, so the request was not sent: the call asks
// for a newer session, at no cost to its attempts.
func (c *Client) staleSession(_ context.Context, k *call, res *result) (decision, bool) {
	if !res.stale {
		return decision{}, false
	}
	k.ticket.after = max(k.ticket.after, k.sess.Generation)
	return decision{action: apierrors.ActionRelogin}, true
}

// refused: a step refused the request before it was sent (the circuit
// breaker); its error is the call's.
func (c *Client) refused(_ context.Context, _ *call, res *result) (decision, bool) {
	if !res.refused {
		return decision{}, false
	}
	return decision{action: apierrors.ActionFail, err: res.err}, true
}

// succeeded: the call is done. A retry that helped costs nothing; a call
// that needed none refills the budget; the session has proven itself.
func (c *Client) succeeded(_ context.Context, k *call, res *result) (decision, bool) {
	if res.err != nil {
		return decision{}, false
	}
	switch {
	case k.held > 0:
		c.budget.Release(k.held)
		k.held = 0
	case k.tries == 1:
		c.budget.Success()
	}
	if k.sess.Token != "" {
		c.sessions.proven(k.sess.Generation)
	}
	return decision{action: apierrors.ActionNone}, true
}

// endedByDeadline: the deadline (or a cancel) ended this attempt before an
// answer. The platform's last answer stays the call's error, with the
// context's error as its cause, as when the deadline ends a backoff or a
// login wait.
func (c *Client) endedByDeadline(ctx context.Context, k *call, res *result) (decision, bool) {
	if k.last == nil || ctx.Err() == nil || !isTransport(res.err) {
		return decision{}, false
	}
	return decision{action: apierrors.ActionFail, err: stoppedAt(k.last, ctx.Err(), k.sent)}, true
}

// byPolicy applies the retry policy: the code table and the transport
// rules say retry, relogin or fail; a retry then passes the gates.
func (c *Client) byPolicy(ctx context.Context, k *call, res *result) (decision, bool) {
	k.last = res.err
	if k.held > 0 {
		c.budget.Forfeit(k.held) // the retry it paid for did not help
		k.held = 0
	}
	if k.retryer == nil {
		k.retryer = retrying.New(c.policy, c.rnd)
	}
	d := k.retryer.Decide(ctx, retrying.Attempt{
		Number: k.tries, Err: res.err, Header: res.header,
		Idempotent: k.idempotent, IdempotencyKey: k.opts.idempotencyKey != "",
	}, c.clock.Now())
	setRetryAfter(res.err, d.RetryAfter)
	fail := decision{action: apierrors.ActionFail, delay: d.Delay, err: res.err}
	switch d.Action {
	case apierrors.ActionRelogin, apierrors.ActionReloginClockSkew:
		if c.relogin(k, res, d.Action) {
			return decision{action: d.Action, delay: d.Delay}, true
		}
	case apierrors.ActionRetry, apierrors.ActionRetryThrottle:
		next := decision{action: d.Action, delay: d.Delay}
		if res.failover {
			next.delay, next.failover = 0, true
		}
		for _, g := range gates {
			if stop, cause := g(c, ctx, k, next, d.Timeout); stop {
				if cause != nil {
					fail.err = withCause(res.err, cause)
				}
				return fail, true
			}
		}
		return next, true
	default:
		if d.Cause != nil {
			fail.err = withCause(res.err, d.Cause)
		}
	}
	return fail, true
}

// A gate may stop a retry the policy wants: stop true, with the cause the
// call's error gets (nil: none). Gates run in order; the budget's is last,
// as it takes tokens.
type gate func(c *Client, ctx context.Context, k *call, next decision, timeout bool) (stop bool, cause error)

var gates = [...]gate{
	(*Client).ownSchedule,
	(*Client).breakerGate,
	(*Client).deadlineGate,
	(*Client).budgetGate,
}

// ownSchedule: NoRetry sends one request; Poll keeps its own schedule and
// never has a poll sent again by the client.
func (c *Client) ownSchedule(_ context.Context, k *call, _ decision, _ bool) (bool, error) {
	return k.opts.noRetry || k.poll != nil, nil
}

// breakerGate: the next attempt would be refused, so spend neither a
// budget token nor the sleep on it.
func (c *Client) breakerGate(_ context.Context, _ *call, _ decision, _ bool) (bool, error) {
	if c.breaker.blocks() {
		return true, ErrCircuitOpen
	}
	return false, nil
}

// deadlineGate: never sleep past the caller's deadline.
func (c *Client) deadlineGate(ctx context.Context, _ *call, next decision, _ bool) (bool, error) {
	if !fits(ctx, c.clock.Now().Add(next.delay)) {
		return true, fmt.Errorf("retry in %v would pass the deadline: %w", next.delay, context.DeadlineExceeded)
	}
	return false, nil
}

// budgetGate: the retry pays its cost into the client's retry budget; when
// it is empty while other retries are in flight, it waits, within the
// call's deadline, for the tokens their success refunds.
func (c *Client) budgetGate(ctx context.Context, k *call, _ decision, timeout bool) (bool, error) {
	cost, ok := c.budget.AcquireOrWait(ctx, timeout)
	if !ok {
		if err := ctx.Err(); err != nil {
			// The deadline passed while the retry waited for tokens.
			return true, stderrors.Join(retry.ErrBudgetExhausted, err)
		}
		return true, retry.ErrBudgetExhausted
	}
	k.held = cost
	return false, nil
}

// carry does what d says: it tells the observer how the attempt ended,
// sleeps before a retry or after a login failure, and reports whether the
// call goes on; when it does not, k.err is the call's result.
func (c *Client) carry(ctx context.Context, k *call, res *result, d decision) bool {
	if !res.refused && !res.noSession {
		c.observe(res.ctx, c.attemptInfo(k, res, d))
	}
	switch d.action {
	case apierrors.ActionRelogin, apierrors.ActionReloginClockSkew:
		return true
	case apierrors.ActionRetry, apierrors.ActionRetryThrottle:
		if d.failover {
			// Another endpoint is ready: no sleep.
			if err := ctx.Err(); err != nil {
				k.err = withCause(res.err, err)
				return false
			}
			return true
		}
		c.wait(ctx, WaitInfo{Action: d.action, Delay: d.delay, Attempt: k.sent, Err: res.err})
		if err := c.clock.Sleep(ctx, d.delay); err != nil {
			k.err = withCause(res.err, err)
			return false
		}
		return true
	case apierrors.ActionLoginCooldown:
		c.wait(ctx, WaitInfo{Action: d.action, Delay: d.delay, Err: res.err})
		if c.clock.Sleep(ctx, d.delay) != nil {
			k.err = c.loginError(ctx, k, res.err)
			return false
		}
		return true
	}
	k.err = d.err
	return false
}

// loginError is the error of a call that could not have a session. When
// the caller's context ended while the call waited for a login or its
// cool-down, the error matches both.
func (c *Client) loginError(ctx context.Context, k *call, err error) error {
	cerr := ctx.Err()
	if cerr == nil {
		return loginFailed(err, k.ticket.logins)
	}
	cause := cerr
	if !stderrors.Is(err, cerr) {
		cause = stderrors.Join(cerr, err)
	}
	if k.last != nil {
		return withCause(k.last, cause)
	}
	return &apierrors.TransportError{Err: cause}
}

// fits reports whether t is before ctx's deadline, if it has one.
func fits(ctx context.Context, t time.Time) bool {
	dl, ok := ctx.Deadline()
	return !ok || !t.After(dl)
}

// relogin carries out a session action: the session layer condemns the
// session res carried and says whether the call is replayed. A 10006 also
// corrects the clock offset from the answer's Date.
func (c *Client) relogin(k *call, res *result, action apierrors.Action) bool {
	if !c.hasLogin() || k.ownSession {
		// A session code for the caller's own session header says nothing
		// about the client's session: the call fails with it.
		return false
	}
	replay := c.sessions.replay(&k.ticket, k.sess, res.err, k.opts.noRetry, k.tries < c.policy.MaxAttempts)
	if action == apierrors.ActionReloginClockSkew {
		c.sessions.offset.learn(res.header, c.clock.Now())
	}
	return replay
}
