package mock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
//
// A Mock is itself the http.RoundTripper to give the code under test
// (HTTPClient, ClientOption and ClientConfig hand it out): every request
// through it is recorded, whether a scripted route or a responder of your
// own on Transport answered it.
type Mock struct {
	platform
	transport *httpmock.MockTransport
	client    *http.Client
	base      *url.URL

	mu     sync.Mutex     // guards issued and ended
	issued []string       // tokens of live sessions
	ended  map[string]int // token → the code its requests get now
}

// New returns a Mock bound to t: unmatched requests and requests past a
// script's Exhausted fail t, reported at the line of the test that made
// them (see TB). t may be nil (in an Example, or a program); such requests
// then only return errors.
func New(t TB, opts ...Option) *Mock {
	cfg := newConfig(opts)
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	base, err := url.Parse(cfg.baseURL)
	if err != nil || base.Host == "" {
		panic(fmt.Sprintf("mock: WithBaseURL(%q) is not an absolute URL", cfg.baseURL))
	}
	m := &Mock{
		transport: httpmock.NewMockTransport(),
		base:      base,
		ended:     make(map[string]int),
	}
	m.init(cfg)
	m.tb = t
	m.prefix = strings.TrimRight(base.Path, "/")
	m.client = &http.Client{Transport: m}
	m.transport.RegisterNoResponder(m.noResponder)
	return m
}

// Transport returns the Mock's httpmock transport, to register responders
// of your own (regexp routes, httpmock matchers) for the requests no
// scripted route matches, in place of the unmatched 404. Requests that
// reach them through the Mock (HTTPClient, ClientOption, ClientConfig, or
// the Mock as a RoundTripper) are recorded with Reply KindResponder; a
// client that uses this transport directly still reaches the Mock's
// routes, but its requests that a responder answers are not recorded.
func (m *Mock) Transport() *httpmock.MockTransport { return m.transport }

// HTTPClient returns the client whose Transport is the Mock. Give it to the
// code under test (client.WithHTTPClient for the SDK).
func (m *Mock) HTTPClient() *http.Client { return m.client }

// BaseURL returns the base URL the Mock answers under (DefaultBaseURL unless
// WithBaseURL), without a trailing slash.
func (m *Mock) BaseURL() string { return m.cfg.baseURL }

// RoundTrip answers req as the platform would and records it. It makes
// the Mock an http.RoundTripper, the transport of any client under test.
//
// A request a scripted route matches is answered here, on the caller's
// goroutine; any other goes to the httpmock transport, whose responders
// (Transport) answer it, or else the Mock's unmatched reply.
func (m *Mock) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	var rest int64
	if req.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(req.Body, maxBody))
		rest, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	rec, base, skew := m.begin(req, body)
	rec.BodySize = int64(len(body)) + rest
	if !m.under(req.URL) {
		rec.Path, rec.Login = cleanPath(req.URL.Path), false
	} else if rt := m.routes.find(req, &rec); rt != nil {
		return m.reply(req, rt, rec, base, skew)
	}
	t := &trip{rec: rec, date: base.Add(skew)}
	t.pcs = make([]uintptr, 64)
	t.pcs = t.pcs[:runtime.Callers(1, t.pcs)]
	in := req.WithContext(context.WithValue(req.Context(), tripKey{}, t))
	in.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := m.transport.RoundTrip(in)
	if t.claim() {
		// A responder of Transport answered, or the caller gave up first.
		rec.Reply = KindResponder
		if err != nil {
			rec.Reply = KindNetworkError
		} else {
			rec.Status = resp.StatusCode
		}
		m.rec.add(rec)
	}
	return resp, err
}

// trip is a request on its way through the httpmock transport: its record
// so far, and the caller's stack for failure messages (httpmock may run
// the unmatched reply on a goroutine of its own). Whoever claims it
// records it: the unmatched reply, or RoundTrip once a responder answered.
type trip struct {
	rec     Request
	date    time.Time
	pcs     []uintptr
	claimed atomic.Bool
}

func (t *trip) claim() bool { return t.claimed.CompareAndSwap(false, true) }

type tripKey struct{}

// noResponder is the httpmock transport's NoResponder: a request no
// scripted route and no responder of Transport matched.
func (m *Mock) noResponder(req *http.Request) (*http.Response, error) {
	t, _ := req.Context().Value(tripKey{}).(*trip)
	if t == nil {
		// The transport used directly, not through the Mock.
		return m.RoundTrip(req)
	}
	if !t.claim() {
		return nil, req.Context().Err() // RoundTrip returned, and recorded it
	}
	return m.unmatched(req, t.rec, t.date, t.pcs)
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

// reply answers a request of a scripted route: a session the platform
// ended answers its code, else the route's script.
func (m *Mock) reply(req *http.Request, rt *route, rec Request, base time.Time, skew time.Duration) (*http.Response, error) {
	var rep Reply
	if code := m.sessionEnded(rec.Token); code != 0 && !rec.Login {
		rep = Code(apierrors.Code(code))
	} else {
		rep = m.resolve(req.Context(), m.routes.next(rt), &rec, base, nil)
	}
	switch {
	case rep.kind == KindLogin:
		if _, no := checkLogin(rec.Body, m.cfg.apps); no != nil {
			rep = rep.as(no.reply())
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
	out, w := m.record(&rec, rep, base.Add(skew))
	return sendReply(req, out, w)
}

// under reports whether u is below the Mock's base URL.
func (m *Mock) under(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, m.base.Scheme) && strings.EqualFold(u.Host, m.base.Host) &&
		(m.prefix == "" || strings.HasPrefix(cleanPath(u.Path), m.prefix+"/"))
}

// unmatched answers a request to a route nobody scripted: WithNotFound's
// reply, or a 404 the SDK does not retry that fails the test. A missing
// script is the test's mistake, and retrying it with real backoff only
// hides where it is.
// pcs is the caller's stack, for the line of the test.
func (m *Mock) unmatched(req *http.Request, rec Request, date time.Time, pcs []uintptr) (*http.Response, error) {
	rep, what := m.notFound(req.URL, req.Method)
	out, w := m.finish(&rec, rep, date)
	if what != "" {
		rec.Reply, rec.Code = KindUnmatched, 0
	}
	m.rec.add(rec)
	if what != "" {
		m.failAt(testLine(pcs), what+"\n"+m.rec.calls())
	}
	return sendReply(req, out, w)
}
