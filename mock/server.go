package mock

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
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

	cfg     config
	hs      *http.Server
	ln      net.Listener
	served  chan struct{} // closed when hs.Serve has returned
	conns   sync.WaitGroup
	routes  *routes
	rec     *recorder
	tb      TB
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	skew     time.Duration
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
		cfg:      newConfig(opts),
		routes:   newRoutes(),
		rec:      newRecorder(),
		closing:  make(chan struct{}),
		sessions: make(map[string]*session),
		nonces:   make(map[string]time.Time),
	}
	s.skew = s.cfg.clockSkew
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", s.cfg.addr, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%s is not a loopback address", ln.Addr())
	}
	s.ln, s.served = ln, make(chan struct{})
	s.hs = &http.Server{
		Handler: http.HandlerFunc(s.serveHTTP),
		// Resets and aborted handlers are the point here, not news.
		ErrorLog: log.New(io.Discard, "", 0),
		// Close waits for every connection, as httptest's does.
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateHijacked, http.StateClosed:
				s.conns.Done()
			}
		},
	}
	s.hs.SetKeepAlivesEnabled(s.cfg.keepAlives)
	go func() {
		defer close(s.served)
		if err := s.hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.failf("mock: the server stopped: %v", err)
		}
	}()
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
		_ = s.hs.Close() // closes the listener and every connection
		<-s.served       // no connection starts after this
		s.conns.Wait()
	})
}

// failf reports a failure to the test the Server belongs to, if any.
func (s *Server) failf(format string, args ...any) {
	if s.tb != nil {
		s.tb.Errorf(format, args...)
	}
}

// On scripts a route: the replies answer the route's requests in order (a
// reply with Times(n) answers n of them), then the last reply repeats, or
// with Exhausted last, any further request fails. The path matches exactly;
// the query is ignored. On replaces the route's previous script and starts
// the new one from its first reply.
//
// Scripting the login route (POST on the login path) replaces its default
// script, LoginOK(); see OnLogin.
//
// A scripted 10001 ends the calling session and a scripted 10002 expires it,
// as the platform would, so the caller's next request needs a new login.
func (s *Server) On(method, path string, replies ...Reply) {
	k := key(method, path)
	s.routes.set(k, newScript("On("+k.String()+")", replies, k == s.loginKey()))
}

// OnLogin scripts the login route; LoginOK() in the script runs the real
// checks and issues a session. For example OnLogin(Code(10004).Times(2),
// LoginOK()) refuses two logins, then logs in normally.
func (s *Server) OnLogin(replies ...Reply) {
	s.On(http.MethodPost, s.cfg.loginPath, replies...)
}

func (s *Server) loginKey() routeKey { return key(http.MethodPost, s.cfg.loginPath) }

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request { return s.rec.all() }

// Count returns how many requests arrived for method and path, whatever
// they were answered (session failures included).
func (s *Server) Count(method, path string) int { return s.rec.count(method, path) }

// Logins returns how many logins succeeded (sessions issued by login;
// IssueSession does not count).
func (s *Server) Logins() int {
	n, _ := s.rec.loginCounts()
	return n
}

// LoginAttempts returns how many requests reached the login route.
func (s *Server) LoginAttempts() int {
	_, n := s.rec.loginCounts()
	return n
}

// AssertCalls reports whether method and path were called exactly n times;
// when not, it fails t with a table of what was called.
func (s *Server) AssertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	return s.rec.assertCalls(t, method, path, n)
}

// AssertLogins reports whether exactly n logins succeeded; when not, it
// fails t with a table of what was called.
func (s *Server) AssertLogins(t TB, n int) bool {
	t.Helper()
	return s.rec.assertLogins(t, n)
}

// Unconsumed lists the scripts with replies that have not answered yet.
func (s *Server) Unconsumed() []string { return s.routes.unconsumed() }

// Reset forgets the recorded requests, the login counts and every script
// (the login route goes back to LoginOK). Sessions, apps and options stay,
// so a client keeps its session across a Reset.
func (s *Server) Reset() {
	s.routes.reset()
	s.rec.reset()
}

// SetClockSkew sets the server's clock to the real time plus d, as
// WithClockSkew, from the next request on.
func (s *Server) SetClockSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew = d
}

// Now returns the server's clock: the base clock plus the skew.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.now().Add(s.skew)
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
