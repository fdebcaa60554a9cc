package client

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

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
	// cur is s once stored: every call loads the session, and a read of
	// it takes no lock (whose cache line all cores would write).
	cur atomic.Pointer[Session]

	owner      string    // holder of the login lease, "" when free
	leaseUntil time.Time // when the holder's lease lapses
	coolUntil  time.Time // end of the fleet-wide login cool-down
	wake       chan struct{}
}

func (m *memoryStore) Load(context.Context) (Session, bool, error) {
	if p := m.cur.Load(); p != nil {
		return *p, true, nil
	}
	return Session{}, false, nil
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
	m.cur.Store(&next)
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
