package client

import (
	"context"
	"time"
)

// LoginLease is implemented by a SessionStore that coordinates logins among
// every client sharing it (replicas of an app on one platform account). The
// client finds it by type assertion and then logs in only while it holds the
// lease, so the fleet logs in once per expiry or revocation.
type LoginLease interface {
	// AcquireLogin answers, atomically, one of:
	//   - a stored session newer than gen:         Grant{Session: s, Newer: true}
	//   - a fleet-wide login cool-down is running:  Grant{Cooldown: left}
	//   - the right to log in, held by owner for ttl: Grant{Granted: true}
	//     (also when owner already holds it: the TTL is renewed)
	//   - someone else holds it:                  Grant{HeldFor: holder's remaining TTL}
	// The lease expires on its own after ttl, so a dead holder is taken over.
	AcquireLogin(ctx context.Context, gen uint64, owner string, ttl time.Duration) (LeaseGrant, error)

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
