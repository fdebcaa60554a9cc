package mock

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/google/uuid"
	"github.com/jarcoal/httpmock"
)

// Mock is the in-process flavour: an httpmock transport bound to one HTTP
// client, answering scripted routes under BaseURL without any socket.
//
// Each Mock has its own *httpmock.MockTransport; http.DefaultTransport is
// never touched, so parallel tests each with their own Mock cannot see one
// another's requests.
//
// The login route answers LoginOK from the start: it checks the app
// (DefaultAppID, or one added with WithApp) and the signature, and issues a
// session. Unlike the Server, the Mock does not check timestamps, nonces or
// CSRF tokens, and lets through requests whose token it never issued.
//
// It does model how sessions die, so a relogin storm behaves as on the
// platform: a scripted Code(10001) or Code(10002) ends the session of the
// request it answers, and from then on every request carrying that token
// gets the same code without using up any script, until the client logs in
// again. InvalidateSessions and ExpireSessions end every session at once.
// So "the session dies under 20 goroutines" is one scripted 10001 (or
// InvalidateSessions), not Code(10001).Times(20): scripted replies are
// handed out in arrival order, whoever sends the request.
//
// A request to a route nobody scripted fails the test, naming the test's
// line that made it and listing the scripted routes, and is answered a 404
// the SDK does not retry.
type Mock struct {
	tb        TB
	cfg       config
	transport *httpmock.MockTransport
	client    *http.Client
	routes    *routes
	rec       *recorder

	mu      sync.Mutex
	skew    time.Duration
	checked bool           // ExpectAllConsumed registered its cleanup
	issued  []string       // tokens of live sessions
	ended   map[string]int // token → the code its requests get now
}

// New returns a Mock bound to t: unmatched requests and requests past a
// script's Exhausted fail t with t.Errorf. t may be nil (in an Example, or a
// program); such requests then only return errors.
func New(t TB, opts ...Option) *Mock {
	m := &Mock{
		tb:        t,
		cfg:       newConfig(opts),
		transport: httpmock.NewMockTransport(),
		routes:    newRoutes(),
		rec:       newRecorder(),
		ended:     make(map[string]int),
	}
	m.skew = m.cfg.clockSkew
	m.cfg.baseURL = strings.TrimRight(m.cfg.baseURL, "/")
	m.client = &http.Client{Transport: m.transport}
	m.transport.RegisterNoResponder(m.unmatched)
	login := newScript("OnLogin", []Reply{LoginOK()}, true)
	login.optional = true
	m.routes.set(m.loginKey(), login)
	m.registerRoute(m.loginKey())
	return m
}

// Transport returns the underlying httpmock transport, to register
// responders of your own (regexp routes, matchers). Requests they answer are
// not recorded by Requests.
func (m *Mock) Transport() *httpmock.MockTransport { return m.transport }

// HTTPClient returns the client whose Transport is the Mock. Give it to the
// code under test (client.WithHTTPClient for the SDK).
func (m *Mock) HTTPClient() *http.Client { return m.client }

// BaseURL returns the base URL the Mock answers under (DefaultBaseURL unless
// WithBaseURL), without a trailing slash.
func (m *Mock) BaseURL() string { return m.cfg.baseURL }

// On scripts a route under BaseURL: the replies answer its requests in
// order (a reply with Times(n) answers n of them), then the last reply
// repeats, or with Exhausted last, any further request fails the test. The
// path matches exactly; the query is ignored. On replaces the route's
// previous script and starts the new one from its first reply.
func (m *Mock) On(method, path string, replies ...Reply) {
	k := key(method, path)
	s := newScript("On("+k.String()+")", replies, k == m.loginKey())
	m.routes.set(k, s)
	m.registerRoute(k)
}

func (m *Mock) registerRoute(k routeKey) {
	m.transport.RegisterResponder(k.method, m.cfg.baseURL+k.path, func(req *http.Request) (*http.Response, error) {
		return m.serve(req, k)
	})
}

// OnLogin scripts the login route; LoginOK() in the script checks the app
// and signature and issues a session. For example OnLogin(Code(10004),
// LoginOK()) refuses one login, then logs in normally.
func (m *Mock) OnLogin(replies ...Reply) {
	m.On(http.MethodPost, m.cfg.loginPath, replies...)
}

func (m *Mock) loginKey() routeKey { return key(http.MethodPost, m.cfg.loginPath) }

// Logins returns how many logins succeeded.
func (m *Mock) Logins() int {
	n, _ := m.rec.loginCounts()
	return n
}

// LoginAttempts returns how many requests reached the login route.
func (m *Mock) LoginAttempts() int {
	_, n := m.rec.loginCounts()
	return n
}

// Count returns how many requests were made to method and path (the query
// ignored), whatever they were answered.
func (m *Mock) Count(method, path string) int { return m.rec.count(method, path) }

// Requests returns a copy of every request the Mock answered or refused,
// in order, as Server.Requests does.
func (m *Mock) Requests() []Request { return m.rec.all() }

// AssertCalls reports whether method and path were called exactly n times;
// when not, it fails t with a table of what was called.
func (m *Mock) AssertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	return m.rec.assertCalls(t, method, path, n)
}

// AssertLogins reports whether exactly n logins succeeded; when not, it
// fails t with a table of what was called.
func (m *Mock) AssertLogins(t TB, n int) bool {
	t.Helper()
	return m.rec.assertLogins(t, n)
}

// Unconsumed lists the scripts with replies that have not answered yet.
func (m *Mock) Unconsumed() []string { return m.routes.unconsumed() }

// ExpectAllConsumed makes the test fail at its cleanup if some script still
// has replies that never answered (the default login script never counts as
// unconsumed). It needs the t given to New.
func (m *Mock) ExpectAllConsumed() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checked || m.tb == nil {
		return
	}
	m.checked = true
	m.tb.Cleanup(func() {
		if left := m.Unconsumed(); len(left) > 0 {
			m.tb.Errorf("mock: scripted replies never used:\n  %s\ncalls (method, path, count, answers):\n%s",
				strings.Join(left, "\n  "), m.rec.table())
		}
	})
}

// SetClockSkew sets the clock of the Date header to the real time plus d.
func (m *Mock) SetClockSkew(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.skew = d
}

// InvalidateSessions ends every session: each later request carrying one
// of their tokens gets 10001 until the client logs in again. It is the
// session storm: however many goroutines share the session, each gets
// 10001, and a client that collapses relogins makes exactly one login.
func (m *Mock) InvalidateSessions() { m.endSessions(codeNotLoggedIn) }

// ExpireSessions expires every session: each later request carrying one of
// their tokens gets 10002 until the client logs in again.
func (m *Mock) ExpireSessions() { m.endSessions(codeLoginTimeout) }

func (m *Mock) endSessions(code int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.issued {
		m.ended[t] = code
	}
	m.issued = nil
}

// sessionEnded returns the code a request with token gets because its
// session ended, 0 when it did not.
func (m *Mock) sessionEnded(token string) int {
	if token == "" {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended[token]
}

// serve answers a request of a scripted route.
func (m *Mock) serve(req *http.Request, k routeKey) (*http.Response, error) {
	rec, base, skew := m.begin(req)
	var rep Reply
	if code := m.sessionEnded(rec.Token); code != 0 && !rec.Login {
		rep = Code(apierrors.Code(code))
	} else {
		rep, _ = m.routes.next(k)
	}
	if rep.poll != nil {
		rep = rep.poll.answer(req.Context(), base, nil)
	}
	switch {
	case rep.kind == KindLogin:
		if _, code := checkLogin(rec.Body, m.cfg.apps); code != 0 {
			rep = rep.as(Code(apierrors.Code(code)))
		} else {
			token := uuid.NewString()
			m.mu.Lock()
			m.issued = append(m.issued, token)
			m.mu.Unlock()
			rep = rep.loginSuccess(token, uuid.NewString(), m.cfg.sessionTTL)
		}
	case rep.kind == KindError && (rep.code == codeNotLoggedIn || rep.code == codeLoginTimeout) && rec.Token != "":
		m.mu.Lock()
		m.ended[rec.Token] = rep.code
		m.issued = slices.DeleteFunc(m.issued, func(t string) bool { return t == rec.Token })
		m.mu.Unlock()
	}
	wire, p := settle(&rec, rep, base.Add(skew), func(msg string) {
		m.fail("%s; calls so far:\n%s", msg, m.rec.table())
	})
	m.rec.add(rec)
	return respond(req, wire, p)
}

// unmatched is the Mock's NoResponder: a request to a route nobody scripted.
func (m *Mock) unmatched(req *http.Request) (*http.Response, error) {
	rec, base, skew := m.begin(req)
	if m.cfg.notFound != nil {
		wire, p := settle(&rec, *m.cfg.notFound, base.Add(skew), m.failMsg)
		m.rec.add(rec)
		return respond(req, wire, p)
	}
	routes := strings.Join(sortedKeys(m.routes.keys()), ", ")
	what := fmt.Sprintf("no route for %s %s (query ignored); scripted routes: %s", req.Method, redactedURL(req.URL), routes)
	// A 404 the SDK does not retry: a missing script is the test's
	// mistake, and retrying it with real backoff only hides where it is.
	rep := Code(http.StatusNotFound).WithMessage("mock: " + what)
	wire, p := settle(&rec, rep, base.Add(skew), m.failMsg)
	rec.Reply, rec.Code = KindUnmatched, 0
	m.rec.add(rec)
	m.fail("mock: %s%s\ncalls (method, path, count, answers):\n%s", callerLine(), what, m.rec.table())
	return respond(req, wire, p)
}

// redactedURL is u without its query values, which may be secrets.
func redactedURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	return c.Redacted()
}

// callerLine returns "file_test.go:42: ", the line of the first _test.go
// frame on the stack: the test's own line that made
// the request, however deep in the SDK and net/http the request is now.
// It returns "" when no test frame is on the stack.
func callerLine() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "_test.go") {
			return fmt.Sprintf("%s:%d: ", filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

// begin reads the request body and starts its record.
func (m *Mock) begin(req *http.Request) (Request, time.Time, time.Duration) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(req.Body, maxBody))
		_ = req.Body.Close()
	}
	m.mu.Lock()
	base, skew := m.cfg.now(), m.skew
	m.mu.Unlock()
	rec := newRequest(req, body, &m.cfg, base)
	if p := m.basePath(); p != "" && strings.HasPrefix(rec.Path, p+"/") {
		rec.Path = strings.TrimPrefix(rec.Path, p)
		rec.Login = rec.Method == http.MethodPost && rec.Path == m.cfg.loginPath
	}
	return rec, base, skew
}

// basePath is the path prefix of BaseURL ("" for a bare host): routes and
// recorded paths are relative to it.
func (m *Mock) basePath() string {
	u, err := url.Parse(m.cfg.baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

func (m *Mock) failMsg(msg string) { m.fail("%s", msg) }

func (m *Mock) fail(format string, args ...any) {
	if m.tb != nil {
		m.tb.Errorf(format, args...)
	}
}
