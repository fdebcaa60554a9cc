package retrying

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"github.com/devcloud/devcloud-go/retry"
	"net/http"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// Attempt describes a finished, failed attempt for a Retryer to judge.
type Attempt struct {
	// Number counts the call's attempts so far, relogin replays excluded.
	Number int
	// Err is the attempt's error: an *errors.APIError, *errors.DecodeError,
	// or a transport error.
	Err error
	// Header is the response's header, nil when no response was read.
	Header http.Header
	// Idempotent reports whether the call may be repeated safely: its method
	// is idempotent or the caller said so.
	Idempotent bool
	// IdempotencyKey reports whether the caller gave the call its
	// idempotency key, so a server that may have acted on the request can
	// drop the duplicate. A key the client generated on its own does not
	// count: nobody said the platform honours it.
	IdempotencyKey bool
}

// Decision is what to do after a failed attempt.
type Decision struct {
	// Action is ActionFail (stop), ActionRetry or ActionRetryThrottle (wait
	// Delay and send again), or a session action for the client to carry out.
	Action apierrors.Action
	// Delay is how long to wait before the next attempt.
	Delay time.Duration
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Timeout marks a retry after a timeout, which costs more budget.
	Timeout bool
	// Cause, when set, says why a retryable failure is not retried (for
	// example ErrRetryAfterTooLong); the client attaches it to the error.
	Cause error
}

// Retryer applies a Policy to the attempts of one call. It keeps the call's
// backoff schedules, so a call's retries grow while another call's start
// afresh. It is not safe for concurrent use.
type Retryer struct {
	p         *retry.Policy
	rnd       func() float64
	schedules map[retry.Backoff]*Schedule
}

// New returns a Retryer applying p for one call. rnd supplies the jitter's
// randomness in [0, 1); nil uses math/rand/v2.
func New(p *retry.Policy, rnd func() float64) *Retryer {
	return &Retryer{p: p, rnd: rnd}
}

// Decide judges a failed attempt. ctx is the caller's context and now the
// clock's time, used to read an HTTP-date Retry-After.
func (r *Retryer) Decide(ctx context.Context, a Attempt, now time.Time) Decision {
	if ctx == nil {
		ctx = context.Background()
	}
	if a.Err == nil {
		return Decision{Action: apierrors.ActionFail}
	}
	if ctx.Err() != nil {
		return Decision{Action: apierrors.ActionFail, Cause: ctx.Err()}
	}
	var ae *apierrors.APIError
	if stderrors.As(a.Err, &ae) {
		return r.decideCode(ae.Code, a, now)
	}
	var code apierrors.Code
	if stderrors.As(a.Err, &code) {
		return r.decideCode(code, a, now)
	}
	var de *apierrors.DecodeError
	if stderrors.As(a.Err, &de) {
		// A 2xx body that does not parse was damaged on the way; sending an
		// idempotent call again is safe, anything else may act twice. A
		// body that parses but does not fit the caller's value would come
		// back the same.
		var syntax *json.SyntaxError
		if !a.Idempotent || !stderrors.As(de.Err, &syntax) {
			return Decision{Action: apierrors.ActionFail}
		}
		return r.retry(apierrors.ActionRetry, r.p.Backoff, r.p.MaxAttempts, a, nil)
	}
	class, timeout := ClassifyTransport(ctx, a.Err)
	switch {
	case class == NotSent, class == MaybeSent && (a.Idempotent || a.IdempotencyKey):
		d := r.retry(apierrors.ActionRetry, r.p.Backoff, r.p.MaxAttempts, a, nil)
		d.Timeout = timeout
		return d
	}
	return Decision{Action: apierrors.ActionFail}
}

func (r *Retryer) decideCode(code apierrors.Code, a Attempt, now time.Time) Decision {
	rule := r.p.Rule(code)
	var ra *time.Duration
	if v, ok := RetryAfter(a.Header, now); ok {
		ra = &v
	}
	switch rule.Action {
	case apierrors.ActionRetryIdempotent:
		if !a.Idempotent {
			return Decision{Action: apierrors.ActionFail, RetryAfter: deref(ra)}
		}
		return r.retry(apierrors.ActionRetry, *rule.Backoff, rule.MaxAttempts, a, ra)
	case apierrors.ActionRetry, apierrors.ActionRetryThrottle:
		return r.retry(rule.Action, *rule.Backoff, rule.MaxAttempts, a, ra)
	case apierrors.ActionFail, apierrors.ActionNone:
		return Decision{Action: apierrors.ActionFail, RetryAfter: deref(ra)}
	}
	// Session actions: the client carries them out.
	return Decision{Action: rule.Action, RetryAfter: deref(ra)}
}

// retry decides a retry on schedule b unless the attempts are used up or the
// server's Retry-After is beyond the cap; a Retry-After within the cap
// replaces the schedule's delay.
func (r *Retryer) retry(action apierrors.Action, b retry.Backoff, maxAttempts int, a Attempt, ra *time.Duration) Decision {
	if a.Number >= maxAttempts {
		return Decision{Action: apierrors.ActionFail, RetryAfter: deref(ra)}
	}
	if ra != nil {
		if *ra > r.p.MaxRetryAfter {
			return Decision{Action: apierrors.ActionFail, RetryAfter: *ra, Cause: retry.ErrRetryAfterTooLong}
		}
		// The schedule still advances, so a later retry without a hint
		// keeps growing.
		r.schedule(b).Next()
		return Decision{Action: action, Delay: *ra, RetryAfter: *ra}
	}
	return Decision{Action: action, Delay: r.schedule(b).Next()}
}

func (r *Retryer) schedule(b retry.Backoff) *Schedule {
	if s, ok := r.schedules[b]; ok {
		return s
	}
	if r.schedules == nil {
		r.schedules = make(map[retry.Backoff]*Schedule, 1)
	}
	s := NewSchedule(b, r.rnd)
	r.schedules[b] = s
	return s
}

func deref(d *time.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return *d
}
