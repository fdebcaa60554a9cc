package client

import (
	"sync/atomic"
	"time"
)

// freshness places a session on its way to expiry.
type freshness int

const (
	valid   freshness = iota // handed out
	due                      // handed out; a login refreshes it
	expired                  // callers wait for a login
)

// refreshPlan says when to refresh the session of generation gen: a margin
// ahead of expiry, never later than half-way through a short session (so a
// short-lived session is not refreshed on every call), minus this client's
// jitter, a fraction of the margin drawn once per client so that replicas
// sharing a session do not all refresh it at once. It is guarded by its
// owner's mutex, but for planned, which anyone may read.
type refreshPlan struct {
	margin time.Duration
	jitter float64 // the fraction of the margin this client gives back
	gen    uint64
	at     time.Time
	// planned is gen and at, for a reader without the mutex.
	planned atomic.Pointer[plannedRefresh]
}

// plannedRefresh is a refreshPlan's schedule for one generation.
type plannedRefresh struct {
	gen uint64
	at  time.Time
}

// refreshJitter is the largest fraction of the refresh margin a client
// gives back, as the AWS SDK's ExpiryWindowJitterFrac.
const refreshJitter = 0.5

// plan sets when to refresh sess, issued at issued.
func (p *refreshPlan) plan(sess Session, issued time.Time) {
	p.gen, p.at = sess.Generation, time.Time{}
	if sess.ExpiresAt.IsZero() {
		return
	}
	margin := min(p.margin, sess.ExpiresAt.Sub(issued)/2)
	margin -= time.Duration(float64(margin) * p.jitter)
	p.at = sess.ExpiresAt.Add(-margin)
	p.planned.Store(&plannedRefresh{gen: p.gen, at: p.at})
}

// valid reports, without the owner's mutex, whether sess is valid at now
// by the plan made for it; false when none is made yet.
func (p *refreshPlan) valid(sess Session, now time.Time) bool {
	if sess.ExpiresAt.IsZero() {
		return true
	}
	planned := p.planned.Load()
	return planned != nil && planned.gen == sess.Generation && now.Before(planned.at) && now.Before(sess.ExpiresAt)
}

// freshness places sess at now (the server's time). A session another
// client logged in is planned from the moment it is first seen.
func (p *refreshPlan) freshness(sess Session, now time.Time) freshness {
	if sess.ExpiresAt.IsZero() {
		return valid
	}
	if !now.Before(sess.ExpiresAt) {
		return expired
	}
	if p.gen != sess.Generation {
		p.plan(sess, now)
	}
	if now.Before(p.at) {
		return valid
	}
	return due
}
