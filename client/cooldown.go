package client

import (
	stderrors "errors"
	"sync/atomic"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// maxLoginRetryAfter bounds a login answer's Retry-After, so a wild hint
// cannot switch logins off for good.
const maxLoginRetryAfter = time.Hour

// cooldown spaces logins after a failed one, so the login endpoint is never
// hammered, and judges the platform's refusals of sessions it just issued,
// which count as failed logins when the platform refuses every session.
// Each failure waits longer on the policy's LoginCooldown schedule, or as
// long as the platform's Retry-After asked; a session that works starts
// the schedule afresh.
//
// It is guarded by its owner's mutex (sessions.mu), except the atomics,
// which let a successful call see without the mutex that there is nothing
// to record (proven).
type cooldown struct {
	backoff  retry.Backoff
	rnd      func() float64
	schedule *retrying.Schedule // of the failures since a session last worked
	until    time.Time
	err      error // the failure the cool-down reports, nil when none holds

	// streak: logins failed, or their sessions were refused, since a
	// session last worked (schedule != nil), mirrored for proven's fast
	// path.
	streak atomic.Bool
	// proven is the newest generation a call succeeded with: a session
	// that worked and later dies was revoked, not refused at birth.
	proven atomic.Uint64
	// refused is the generation whose refusal at birth started the
	// cool-down (0: none), refusal that refusal's error: a success with it,
	// processed later, shows it was revoked after it had worked, and lifts
	// the cool-down it started.
	refused atomic.Uint64
	refusal error
	// revoked is the generation refused at birth and forgiven as revoked
	// again (0: none since a session last worked): the next is not.
	revoked atomic.Uint64
	// reborn is the generation a relogin brought (a login replacing a
	// condemned session): refused before any call proved it, it counts as
	// a failed login whichever call sees the refusal first.
	reborn uint64
}

// fail starts the cool-down after err and returns its length.
func (c *cooldown) fail(now time.Time, err error) time.Duration {
	if c.schedule == nil {
		c.schedule = retrying.NewSchedule(c.backoff, c.rnd)
	}
	c.streak.Store(true)
	wait := c.schedule.Next()
	var ae *apierrors.APIError
	if stderrors.As(err, &ae) && ae.RetryAfter > wait {
		wait = min(ae.RetryAfter, maxLoginRetryAfter)
	}
	c.hold(now.Add(wait), err)
	return wait
}

// hold keeps logins off until until, reporting err meanwhile: a cool-down
// the fleet's store announced.
func (c *cooldown) hold(until time.Time, err error) {
	if until.After(c.until) {
		c.until = until
	}
	c.err = err
}

// loggedIn ends the cool-down after a successful login that brought
// generation gen, a relogin's when relogin. The schedule goes on growing
// until a call proves the new session good: a platform that refuses every
// session it issues meets longer and longer cool-downs.
func (c *cooldown) loggedIn(gen uint64, relogin bool) {
	c.until, c.err = time.Time{}, nil
	if relogin {
		c.reborn = gen
	}
}

// blocked returns a LoginCooldownError while the cool-down lasts.
func (c *cooldown) blocked(now time.Time) error {
	if c.err == nil || !now.Before(c.until) {
		return nil
	}
	return &LoginCooldownError{Until: c.until, Err: c.err}
}

// left is how long the cool-down still lasts.
func (c *cooldown) left(now time.Time) time.Duration { return max(c.until.Sub(now), 0) }

// refusedAtBirth judges the refusal of generation gen, which has just been
// condemned, latest being the newest generation known. When gen is the
// newest and no call has succeeded with it, the platform refused it at
// birth. If a relogin brought it, or the caller had just logged in for it
// (replay: its replay after a relogin; fresh: its first session, issued
// after a failed login or refusal), the refusal tells one of two platforms
// apart:
//
//   - Revoked again: sessions of this client have worked (one was proven)
//     and this is the first session refused at birth since one last
//     worked. A one-session-per-account platform does this when another
//     process logs in twice. It costs no call: nothing cools down, the
//     call logs in again and replays (an attempt of its policy).
//   - Refuses every session: no session ever worked, or a second session
//     in a row was refused at birth. That counts as a failed login and
//     rejected is true: the call fails, and the cool-down makes the calls
//     behind it fail at once rather than wait for another refused session,
//     so such a platform costs a login per cool-down, not one per call
//     (2 logins for 50 calls, TestPlatformRefusingEverySessionCostsBoundedLogins).
//
// Which call's refusal of a relogin's session arrives first — the
// replay's, or that of a call handed the new session without waiting —
// does not matter.
func (c *cooldown) refusedAtBirth(gen, latest uint64, replay, fresh bool, now time.Time, err error) (rejected bool) {
	atBirth := gen >= latest && gen > c.proven.Load()
	if !atBirth || !(replay || gen == c.reborn || fresh && c.schedule != nil) {
		return false
	}
	if c.proven.Load() > 0 && c.revoked.Load() == 0 {
		c.revoked.Store(gen) // revoked again; a second in a row is not
		return false
	}
	ae, isAPI := err.(*apierrors.APIError)
	if isAPI {
		// A copy without the call it came from: the cool-down shows it to
		// calls that sent nothing, and the refusing call goes on to label
		// its own error.
		cp := *ae
		cp.Call = apierrors.Call{RequestID: ae.RequestID}
		cp.Err = nil
		err = &cp
	}
	c.fail(now, err)
	if isAPI { // a pointer: the cool-down's error is compared with it
		c.refused.Store(gen)
		c.refusal = err
	}
	return true
}

// unproven records, without the mutex, that a call succeeded with
// generation gen, and reports whether the rest of proven has anything to
// do.
func (c *cooldown) unproven(gen uint64) bool {
	for p := c.proven.Load(); gen > p && !c.proven.CompareAndSwap(p, gen); p = c.proven.Load() {
	}
	return c.streak.Load() || c.refused.Load() != 0 || c.revoked.Load() != 0
}

// provenBy finishes proven, under the owner's mutex: the schedule starts
// afresh, and a session of gen or newer ends the run of sessions revoked
// at birth. When gen was judged refused at birth, the success was only
// processed after the refusal (many calls were in flight on the session
// when the platform revoked it): the session worked, so the cool-down its
// refusal started is lifted, unless a failed login started one since.
func (c *cooldown) provenBy(gen uint64) {
	c.schedule = nil
	c.streak.Store(false)
	if r := c.revoked.Load(); r != 0 && gen >= r {
		c.revoked.Store(0)
	}
	if r := c.refused.Load(); r != 0 && gen >= r {
		if c.err == c.refusal {
			c.until, c.err = time.Time{}, nil
		}
		c.refused.Store(0)
		c.refusal = nil
	}
}
