package mock

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Server is a fake device cloud platform on a loopback port, speaking the
// wire conventions of SPEC §1 over real HTTP: signed login, sessions checked
// on every call, scripted routes, and faults done for real on the socket
// (resets, truncated and slow bodies).
//
// Routes other than the login require "Authorization: Bearer <Token>"
// (missing or unknown: 10001, expired: 10002) and the session's
// X-CSRF-Token (10007); then the route's script answers. A route nobody
// scripted answers Code(404) with a message listing the scripted routes (see
// WithNotFound).
//
// A Server is safe for concurrent use. Close it when done; StartServer does
// that for a test.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port", without a trailing slash.
	URL string

	platform
	web     serving
	ln      net.Listener
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex // guards the sessions, nonces and attempts
	sessions map[string]*session
	nonces   map[string]time.Time
	attempts []time.Time // login attempts, for the rate limit
}

// session is one login's session; times are by the base clock.
type session struct {
	appID     string
	csrf      string
	expiresAt time.Time
	expired   bool
}

// NewServer starts a Server on 127.0.0.1 on a free port (or the address of
// WithAddr). It needs no *testing.T, so programs such as the CLI's demo and
// serve run one. It panics when it cannot listen, as httptest does; use
// ListenServer to get the error instead.
func NewServer(opts ...Option) *Server {
	s, err := ListenServer(opts...)
	if err != nil {
		panic(fmt.Sprintf("mock: %v", err))
	}
	return s
}

// ListenServer is NewServer returning the listening error instead of
// panicking.
func ListenServer(opts ...Option) (*Server, error) {
	s := &Server{
		closing:  make(chan struct{}),
		sessions: make(map[string]*session),
		nonces:   make(map[string]time.Time),
	}
	s.init(newConfig(opts))
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", s.cfg.addr, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%s is not a loopback address", ln.Addr())
	}
	s.ln = ln
	s.web.start(ln, s.serveHTTP, s.cfg.keepAlives, func(err error) { s.fail("mock: the server stopped: %v", err) })
	s.URL = "http://" + ln.Addr().String()
	return s, nil
}

// StartServer is NewServer for a test: the Server closes at t's cleanup, and
// requests past a script's Exhausted fail t.
func StartServer(t TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// Close stops the Server: slow replies in flight end at once (their
// connections are dropped), then Close waits for every handler to return
// and every connection to close.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.web.stop()
	})
}

// IssueSession creates a session for DefaultAppID without a login request
// (Logins does not count it) and returns its tokens, for tests that call
// routes with a plain http.Client.
func (s *Server) IssueSession() (token, csrfToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newSessionLocked(DefaultAppID)
}

// ExpireSessions expires every current session: their next request gets
// 10002, as when a session's TTL has passed.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		ss.expired = true
	}
}

// InvalidateSessions ends every current session: their next request gets
// 10001 until the client logs in again. It is the session storm: however
// many goroutines share the session, each gets 10001, and a client that
// collapses relogins makes exactly one login.
func (s *Server) InvalidateSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// RevokeSession ends the session of token: its next request gets 10001.
func (s *Server) RevokeSession(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, token)
}

// Sessions returns how many sessions are live (not ended, not expired).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.now()
	n := 0
	for _, ss := range s.sessions {
		if !ss.expired && now.Before(ss.expiresAt) {
			n++
		}
	}
	return n
}
