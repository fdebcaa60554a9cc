package devcloud_test

import (
	"context"
	stderrors "errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// half puts the full jitter in the middle of its range, so every delay
// equals the schedule's interval: 100 ms, 200 ms; 1 s, 2 s.
func half() float64 { return 0.5 }

// attemptLog records every attempt the SDK reports through its hook.
type attemptLog struct {
	mu   sync.Mutex
	list []client.AttemptInfo
}

func (l *attemptLog) add(a client.AttemptInfo) {
	l.mu.Lock()
	l.list = append(l.list, a)
	l.mu.Unlock()
}

// snapshot returns the attempts so far.
func (l *attemptLog) snapshot() []client.AttemptInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

// calls counts the attempts of calls (not logins) with method.
func (l *attemptLog) calls(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.list {
		if !a.Login && a.Method == method {
			n++
		}
	}
	return n
}

// platform is what both flavours of the fake platform offer a test.
type platform interface {
	On(method, path string, replies ...mock.Reply)
	OnLogin(replies ...mock.Reply)
	Count(method, path string) int
	Logins() int
	LoginAttempts() int
	AssertCalls(t mock.TB, method, path string, n int) bool
	AssertLogins(t mock.TB, n int) bool
}

// fake is one flavour of the fake platform, started for one test.
type fake struct {
	platform
	flavour   string
	srv       *mock.Server // nil for the Mock
	requests  func() []mock.Request
	newClient func(opts ...client.Option) (*client.Client, error)
}

// flavour starts a fake platform of one kind.
type flavour struct {
	name  string
	start func(t *testing.T, opts ...mock.Option) *fake
}

// flavours are the two fakes every behaviour is proved through: the
// in-process httpmock Mock and the loopback Server.
func flavours() []flavour {
	return []flavour{{"mock", startMock}, {"server", startServer}}
}

func startMock(t *testing.T, opts ...mock.Option) *fake {
	m := mock.New(t, opts...)
	return &fake{platform: m, flavour: "mock", requests: m.Requests, newClient: m.NewClient}
}

func startServer(t *testing.T, opts ...mock.Option) *fake {
	srv := mock.StartServer(t, opts...)
	hc := loopbackHTTPClient(t)
	return &fake{
		platform: srv, flavour: "server", srv: srv, requests: srv.Requests,
		newClient: func(o ...client.Option) (*client.Client, error) {
			return srv.NewClient(append([]client.Option{client.WithHTTPClient(hc)}, o...)...)
		},
	}
}

// loopbackHTTPClient returns an http.Client with a transport of its own
// whose idle connections close at t's cleanup, so goleak sees no
// persistConn goroutines and http.DefaultTransport is never used.
func loopbackHTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// sdk is an SDK client under test with the fake clock and attempt log it
// was built with.
type sdk struct {
	*client.Client
	clock    *mock.FakeClock
	attempts *attemptLog
}

// client returns an SDK client of f: the fake's wiring and credentials, a
// fake clock, jitter fixed at the middle of its range and an attempt log;
// opts come last.
func (f *fake) client(t testing.TB, opts ...client.Option) *sdk {
	t.Helper()
	return newSDK(t, f.newClient, opts...)
}

func newSDK(t testing.TB, build func(...client.Option) (*client.Client, error), opts ...client.Option) *sdk {
	t.Helper()
	s := &sdk{clock: mock.NewFakeClock(), attempts: &attemptLog{}}
	base := []client.Option{client.WithClock(s.clock), client.WithRandom(half), client.WithAttemptHook(s.attempts.add)}
	c, err := build(append(base, opts...)...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	s.Client = c
	return s
}

// warm logs c in before a timed call, so the call's elapsed time is its own.
func warm(t testing.TB, c *sdk) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer cancel()
	if _, err := c.Session(ctx); err != nil {
		t.Fatalf("login: %v", err)
	}
}

// deadline returns a context that ends after d (and at t's cleanup).
func deadline(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// signalStore is the client's in-memory session store telling the test the
// generation of every session it stores, so a test can wait for a
// background refresh without polling.
type signalStore struct {
	client.SessionStore
	stored chan uint64
}

func newSignalStore() *signalStore {
	return &signalStore{SessionStore: client.NewMemoryStore(), stored: make(chan uint64, 16)}
}

func (s *signalStore) Replace(ctx context.Context, prev uint64, next client.Session) (client.Session, error) {
	got, err := s.SessionStore.Replace(ctx, prev, next)
	if err == nil {
		s.stored <- got.Generation
	}
	return got, err
}

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

// wantSleeps checks the fake clock's sleeps, in order.
func wantSleeps(t testing.TB, c *sdk, want ...time.Duration) {
	t.Helper()
	if got := c.clock.Sleeps(); !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
}

// wantBudget checks the tokens left in the client's retry budget.
func wantBudget(t testing.TB, c *sdk, want int) {
	t.Helper()
	if got := c.Stats().RetryTokens; got != want {
		t.Errorf("retry budget = %d tokens, want %d", got, want)
	}
}

// wantAPIError returns err as an *APIError matching code, or fails t.
func wantAPIError(t testing.TB, err error, code apierrors.Code) *apierrors.APIError {
	t.Helper()
	var ae *apierrors.APIError
	if !stderrors.As(err, &ae) {
		t.Fatalf("err = %T %v, want *errors.APIError with code %d", err, err, code)
	}
	if !stderrors.Is(err, code) {
		t.Errorf("errors.Is(err, %d) = false; err = %v", code, err)
	}
	return ae
}

// wantTransportError returns err as a *TransportError, or fails t.
func wantTransportError(t testing.TB, err error) *apierrors.TransportError {
	t.Helper()
	var te *apierrors.TransportError
	if !stderrors.As(err, &te) {
		t.Fatalf("err = %T %v, want *errors.TransportError", err, err)
	}
	return te
}

// wantDecodeError returns err as a *DecodeError, or fails t.
func wantDecodeError(t testing.TB, err error) *apierrors.DecodeError {
	t.Helper()
	var de *apierrors.DecodeError
	if !stderrors.As(err, &de) {
		t.Fatalf("err = %T %v, want *errors.DecodeError", err, err)
	}
	return de
}

// requestsTo returns the recorded requests of method and path.
func (f *fake) requestsTo(method, path string) []mock.Request {
	var out []mock.Request
	for _, r := range f.requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// logins returns the recorded login requests.
func (f *fake) logins() []mock.Request {
	var out []mock.Request
	for _, r := range f.requests() {
		if r.Login {
			out = append(out, r)
		}
	}
	return out
}

// barrier lets n parallel subtests start their work together, so their
// requests interleave; it gives up after a while when the test binary runs
// with -parallel 1.
type barrier struct {
	n       int32
	arrived atomic.Int32
	all     chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: int32(n), all: make(chan struct{})} }

func (b *barrier) wait() {
	if b.arrived.Add(1) == b.n {
		close(b.all)
	}
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-b.all:
	case <-t.C:
	}
}

// matrix collects the outcome of each fault row per flavour and prints it
// as a small table.
type matrix struct {
	mu       sync.Mutex
	rows     []string
	outcomes map[string]map[string]string
}

func (m *matrix) record(row, flavour, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.outcomes == nil {
		m.outcomes = map[string]map[string]string{}
	}
	if m.outcomes[row] == nil {
		m.outcomes[row] = map[string]string{}
		m.rows = append(m.rows, row)
	}
	m.outcomes[row][flavour] = outcome
}

func (m *matrix) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for _, row := range m.rows {
		for i, fl := range []string{"mock", "server"} {
			out, ok := m.outcomes[row][fl]
			if !ok {
				continue
			}
			name := row
			if i > 0 && len(m.outcomes[row]) > 1 {
				name = ""
			}
			b.WriteString("\n  ")
			b.WriteString(pad(name, 34))
			b.WriteString(pad(fl, 8))
			b.WriteString("→ ")
			b.WriteString(out)
		}
	}
	return b.String()
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}
