package client

import (
	"context"
	stderrors "errors"
	"time"
)

// Session is a logged-in session: the bearer token and CSRF token sent on
// every request, and when the platform lets it expire.
type Session struct {
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// CSRFToken is sent as "X-CSRF-Token: <CSRFToken>".
	CSRFToken string
	// ExpiresAt is when the platform expires the session; zero means the
	// login did not say. The client logs in again shortly before it.
	ExpiresAt time.Time
	// Generation numbers the sessions of a store: each successful login
	// stores a higher one. It is the fencing token that lets a 10001 which
	// arrives for an older session reuse the newer one instead of logging in
	// again, and that keeps a session once seen dead from being used again.
	// The store sets it; a login function leaves it zero.
	Generation uint64
}

// SessionStore keeps the current session. The default is in memory, per
// client. A store shared by several processes (Redis, a database) should
// also implement LoginLease, so that the replicas sharing it log in once
// per expiry instead of once each.
type SessionStore interface {
	// Load returns the current session; ok is false when there is none yet.
	Load(ctx context.Context) (s Session, ok bool, err error)
	// Replace is a compare-and-set on the generation: when the stored
	// session's generation is at most prev (0 when there is none), it
	// stores next with the stored generation + 1. It returns the session
	// stored after the call: next, or the newer session another writer
	// stored first. A store that implements LoginLease gets the sessions
	// of the client's logins through CommitLogin instead, fenced by the
	// lease.
	Replace(ctx context.Context, prev uint64, next Session) (Session, error)
}

// LoginLease is implemented by a SessionStore that coordinates logins among
// every client sharing it (replicas of an app on one platform account). The
// client finds it by type assertion and then logs in only while it holds the
// lease, so the fleet logs in once per expiry or revocation.
//
// The lease is short and kept alive: the client asks for a lease of a few
// seconds and, while its login runs, asks AcquireLogin again every quarter
// of it, which renews it. A holder that dies stops renewing, so another
// client takes over within the lease's TTL instead of after the login
// timeout. The session a login brings is stored with CommitLogin, fenced by
// the lease: a holder that lost its lease (it paused past its TTL, or the
// store lost its data) can neither overwrite the next holder's session nor
// delete its lease.
type LoginLease interface {
	// AcquireLogin answers, atomically, one of:
	//   - a stored session newer than gen:         Grant{Session: s, Newer: true}
	//   - a fleet-wide login cool-down is running:  Grant{Cooldown: left}
	//   - the right to log in, held by owner for ttl: Grant{Granted: true}
	//     (also when owner already holds it: the TTL is renewed)
	//   - someone else holds it:                  Grant{HeldFor: holder's remaining TTL}
	// The lease expires on its own after ttl, so a dead holder is taken over.
	AcquireLogin(ctx context.Context, gen uint64, owner string, ttl time.Duration) (LeaseGrant, error)

	// CommitLogin stores next, the session owner's login brought, as
	// Replace does (a compare-and-set on the generation prev, which also
	// ends the lease and any cool-down), but only while no other owner
	// holds the lease; owner's own lease, or none at all (it lapsed and
	// nobody took it), lets it store. When another owner holds the lease
	// it changes nothing and returns an error matching ErrLeaseLost: the
	// client then drops its session and waits for that owner's.
	CommitLogin(ctx context.Context, owner string, prev uint64, next Session) (Session, error)

	// ReleaseLogin gives the lease back after a failed login, only if owner
	// still holds it. cooldown > 0 also starts a fleet-wide login cool-down
	// of that length (10004, Retry-After, any failed login), seen by every
	// AcquireLogin until it ends.
	ReleaseLogin(ctx context.Context, owner string, cooldown time.Duration) error

	// AwaitSession blocks until a session newer than gen is stored, max has
	// passed, or ctx ends. It returns ctx.Err() when ctx ended, nil
	// otherwise (the caller then asks AcquireLogin again).
	AwaitSession(ctx context.Context, gen uint64, max time.Duration) error
}

// ErrLeaseLost is the cause of CommitLogin's error when another owner holds
// the login lease: the caller's lease lapsed and someone took it over.
var ErrLeaseLost = stderrors.New("devcloud: the login lease is held by another owner")

// LeaseGrant is AcquireLogin's answer; exactly one of Newer, Granted,
// Cooldown > 0, HeldFor > 0 holds.
type LeaseGrant struct {
	// Session is the newer session, when Newer.
	Session Session
	// Newer reports that a session newer than the asked generation is
	// stored: use it instead of logging in.
	Newer bool
	// Granted reports that the caller holds the lease and may log in.
	Granted bool
	// Cooldown is how much is left of a fleet-wide login cool-down.
	Cooldown time.Duration
	// HeldFor is how much longer another owner holds the lease.
	HeldFor time.Duration
}
