package client

import (
	"context"
	"sync"
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

// NewMemoryStore returns an empty in-memory SessionStore, safe for
// concurrent use. It implements LoginLease, so clients of one process that
// share it log in once between them; its lease and cool-down run on the
// wall clock.
func NewMemoryStore() SessionStore { return newMemoryStore(time.Now) }

func newMemoryStore(now func() time.Time) *memoryStore {
	return &memoryStore{now: now, wake: make(chan struct{})}
}

type memoryStore struct {
	now func() time.Time // the lease's clock; a client's own store runs on the client's

	mu  sync.RWMutex
	s   Session
	has bool

	owner      string    // holder of the login lease, "" when free
	leaseUntil time.Time // when the holder's lease lapses
	coolUntil  time.Time // end of the fleet-wide login cool-down
	wake       chan struct{}
}

func (m *memoryStore) Load(context.Context) (Session, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.s, m.has, nil
}

func (m *memoryStore) Replace(_ context.Context, prev uint64, next Session) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.replace(prev, next), nil
}

// CommitLogin is Replace fenced by the lease: while another owner's lease
// runs it stores nothing and keeps that owner's lease.
func (m *memoryStore) CommitLogin(_ context.Context, owner string, prev uint64, next Session) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner != "" && m.owner != owner && m.leaseUntil.After(m.now()) {
		return Session{}, ErrLeaseLost
	}
	return m.replace(prev, next), nil
}

// replace is the compare-and-set of Replace and CommitLogin; storing ends
// the lease. m.mu is held.
func (m *memoryStore) replace(prev uint64, next Session) Session {
	if m.s.Generation > prev {
		return m.s
	}
	next.Generation = m.s.Generation + 1
	m.s, m.has = next, true
	m.owner = ""
	close(m.wake)
	m.wake = make(chan struct{})
	return next
}

func (m *memoryStore) AcquireLogin(_ context.Context, gen uint64, owner string, ttl time.Duration) (LeaseGrant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.has && m.s.Generation > gen {
		return LeaseGrant{Session: m.s, Newer: true}, nil
	}
	now := m.now()
	if left := m.coolUntil.Sub(now); left > 0 {
		return LeaseGrant{Cooldown: left}, nil
	}
	if left := m.leaseUntil.Sub(now); m.owner != "" && m.owner != owner && left > 0 {
		return LeaseGrant{HeldFor: left}, nil
	}
	m.owner, m.leaseUntil = owner, now.Add(ttl)
	return LeaseGrant{Granted: true}, nil
}

func (m *memoryStore) ReleaseLogin(_ context.Context, owner string, cooldown time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner == owner {
		m.owner = ""
	}
	if cooldown > 0 {
		m.coolUntil = m.now().Add(cooldown)
	}
	return nil
}

func (m *memoryStore) AwaitSession(ctx context.Context, gen uint64, max time.Duration) error {
	m.mu.RLock()
	newer, wake := m.has && m.s.Generation > gen, m.wake
	m.mu.RUnlock()
	if newer {
		return nil
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
