package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// plainClient is a net/http client of its own, its idle connections closed
// at cleanup so goleak sees no transport goroutines.
func plainClient(t testing.TB, timeout time.Duration) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// auth is what a caller sends on every non-login request.
type auth struct{ token, csrf string }

func (s auth) set(h http.Header) {
	if s.token != "" {
		h.Set("Authorization", "Bearer "+s.token)
	}
	if s.csrf != "" {
		h.Set("X-CSRF-Token", s.csrf)
	}
}

// do sends a request and reads the whole answer; it fails t on a transport
// error.
func do(t testing.TB, c *http.Client, method, url string, s auth, body []byte, hdr ...string) *answer {
	t.Helper()
	a, err := try(c, method, url, s, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return a
}

// try is do returning the error, for callers in other goroutines and for
// faults.
func try(c *http.Client, method, url string, s auth, body []byte, hdr ...string) (*answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	s.set(req.Header)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := &answer{status: resp.StatusCode, header: resp.Header, body: b, contentLength: resp.ContentLength}
	if err != nil {
		return a, fmt.Errorf("reading body: %w", err)
	}
	return a, nil
}

type answer struct {
	status        int
	header        http.Header
	body          []byte
	contentLength int64
}

// code returns the Error code in the body (enveloped or flat), 0 if none.
func (a *answer) code() int {
	var env struct {
		Response struct{ Error *struct{ Code json.Number } }
		Error    *struct{ Code json.Number }
	}
	d := json.NewDecoder(bytes.NewReader(a.body))
	d.UseNumber()
	if d.Decode(&env) != nil {
		return 0
	}
	e := env.Response.Error
	if e == nil {
		e = env.Error
	}
	if e == nil {
		return 0
	}
	n, _ := e.Code.Int64()
	if n == 0 {
		var s string
		_ = json.Unmarshal([]byte(e.Code), &s)
		fmt.Sscan(s, &n)
	}
	return int(n)
}

// response returns the Response member as a map.
func (a *answer) response() map[string]any {
	var env struct{ Response map[string]any }
	_ = json.Unmarshal(a.body, &env)
	return env.Response
}

func (a *answer) String() string {
	return fmt.Sprintf("HTTP %d %s", a.status, a.body)
}

// login logs in on srv's login path with app and secret at time at.
func login(t testing.TB, c *http.Client, baseURL, appID, secret string, at time.Time, nonce string) (*answer, auth) {
	t.Helper()
	a := do(t, c, "POST", baseURL+DefaultLoginPath, auth{}, LoginBody(appID, secret, at, nonce))
	r := a.response()
	tok, _ := r["Token"].(string)
	csrf, _ := r["CSRFToken"].(string)
	return a, auth{tok, csrf}
}

// fakeTB records Errorf calls instead of failing the test, for tests that
// prove a failure is reported.
type fakeTB struct {
	testing.TB // nil: only the methods below may be called
	real       *testing.T

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func newFakeTB(t *testing.T) *fakeTB { return &fakeTB{real: t} }

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// Output records what is written as one failure each Write, as testing
// shows it: the mock writes a failure there at the test's own line.
func (f *fakeTB) Output() io.Writer { return fakeOutput{f} }

func (f *fakeTB) Fail() {}

type fakeOutput struct{ f *fakeTB }

func (o fakeOutput) Write(p []byte) (int, error) {
	o.f.mu.Lock()
	defer o.f.mu.Unlock()
	o.f.errs = append(o.f.errs, string(p))
	return len(p), nil
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// runCleanups runs the registered cleanups, last first, as testing does.
func (f *fakeTB) runCleanups() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

func (f *fakeTB) errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errs...)
}

func (f *fakeTB) joined() string { return strings.Join(f.errors(), "\n") }

// cueDeadline is a context whose deadline passes when the test says so:
// Done closes and Err is context.DeadlineExceeded, as when a real deadline
// passes, but at a point of the test's choosing rather than at a time a
// loaded machine may reach early or late.
type cueDeadline struct {
	context.Context
	at   time.Time
	done chan struct{}
	once sync.Once
}

// newCueDeadline returns a cueDeadline whose Deadline reports at.
func newCueDeadline(at time.Time) *cueDeadline {
	return &cueDeadline{Context: context.Background(), at: at, done: make(chan struct{})}
}

func (c *cueDeadline) Deadline() (time.Time, bool) { return c.at, true }
func (c *cueDeadline) Done() <-chan struct{}       { return c.done }

func (c *cueDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// pass makes the deadline pass.
func (c *cueDeadline) pass() { c.once.Do(func() { close(c.done) }) }

// flavour starts one flavour for a test and returns its shared platform,
// its base URL, a client that reaches it and the session to send.
type flavour struct {
	name  string
	start func(t *testing.T, opts ...Option) (*platform, string, *http.Client, auth)
}

var flavours = []flavour{
	{"Server", func(t *testing.T, opts ...Option) (*platform, string, *http.Client, auth) {
		srv := StartServer(t, opts...)
		tok, csrf := srv.IssueSession()
		return &srv.platform, srv.URL, plainClient(t, 0), auth{tok, csrf}
	}},
	{"Mock", func(t *testing.T, opts ...Option) (*platform, string, *http.Client, auth) {
		m := New(t, opts...)
		return &m.platform, m.BaseURL(), m.HTTPClient(), auth{}
	}},
}
