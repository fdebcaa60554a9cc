package client

import (
	stderrors "errors"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// maxLoginRetryAfter bounds a login answer's Retry-After, so a wild hint
// cannot switch logins off for good.
const maxLoginRetryAfter = time.Hour

// cooldown spaces logins after a failed one, so the login endpoint is never
// hammered: each failure waits longer on the policy's LoginCooldown
// schedule, or as long as the platform's Retry-After asked; a success
// starts the schedule afresh. It is guarded by its owner's mutex.
type cooldown struct {
	backoff  retry.Backoff
	rnd      func() float64
	schedule *retrying.Schedule
	until    time.Time
	err      error
}

// fail starts the cool-down after err and returns its length.
func (c *cooldown) fail(now time.Time, err error) time.Duration {
	if c.schedule == nil {
		c.schedule = retrying.NewSchedule(c.backoff, c.rnd)
	}
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

// loggedIn ends the cool-down after a successful login. The schedule goes
// on growing until a call proves the new session good (proven): a platform
// that refuses every session it issues meets longer and longer cool-downs.
func (c *cooldown) loggedIn() {
	c.until, c.err = time.Time{}, nil
}

// lift ends the cool-down at once: what started it turned out not to be a
// failure.
func (c *cooldown) lift() { c.until, c.err = time.Time{}, nil }

// proven starts the schedule afresh: a session worked.
func (c *cooldown) proven() { c.schedule = nil }

// streak reports whether logins failed, or their sessions were refused,
// since a session last worked.
func (c *cooldown) streak() bool { return c.schedule != nil }

// blocked returns a LoginCooldownError while the cool-down lasts.
func (c *cooldown) blocked(now time.Time) error {
	if c.err == nil || !now.Before(c.until) {
		return nil
	}
	return &LoginCooldownError{Until: c.until, Err: c.err}
}
