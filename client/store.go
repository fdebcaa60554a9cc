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
	// stores generation+1. It is the fencing token that lets a 10001 which
	// arrives for an older session reuse the newer one instead of logging in
	// again. The store sets it; a login function leaves it zero.
	Generation uint64
}

// SessionStore keeps the current session. The default is in memory, per
// client; a store shared by several processes (Redis, a database) lets a
// fleet of replicas share one session, provided Replace is atomic.
type SessionStore interface {
	// Load returns the current session; ok is false when there is none yet.
	Load(ctx context.Context) (s Session, ok bool, err error)
	// Replace stores next with Generation prev+1 if the stored session's
	// generation is still prev (0 when there is none), and returns the
	// session stored after the call: next, or the newer session another
	// writer stored first.
	Replace(ctx context.Context, prev uint64, next Session) (Session, error)
}

// NewMemoryStore returns an empty in-memory SessionStore, safe for
// concurrent use.
func NewMemoryStore() SessionStore { return &memoryStore{} }

type memoryStore struct {
	mu  sync.RWMutex
	s   Session
	has bool
}

func (m *memoryStore) Load(context.Context) (Session, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.s, m.has, nil
}

func (m *memoryStore) Replace(_ context.Context, prev uint64, next Session) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.s.Generation != prev {
		return m.s, nil
	}
	next.Generation = prev + 1
	m.s, m.has = next, true
	return next, nil
}
