package mock

import (
	"net/http"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/internal/fakeplatform"
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
	m         *fakeplatform.Mock
	transport *httpmock.MockTransport
}

// New returns a Mock bound to t: unmatched requests and requests past a
// script's Exhausted fail t with t.Errorf. t may be nil (in an Example, or a
// program); such requests then only return errors.
func New(t TB, opts ...Option) *Mock {
	tr := httpmock.NewMockTransport()
	return &Mock{m: fakeplatform.NewMock(t, tr, registry{tr}, opts...), transport: tr}
}

// registry registers the Mock's responders on its httpmock transport.
type registry struct{ tr *httpmock.MockTransport }

func (r registry) RegisterResponder(method, url string, resp fakeplatform.Responder) {
	r.tr.RegisterResponder(method, url, resp)
}

func (r registry) RegisterNoResponder(resp fakeplatform.Responder) {
	r.tr.RegisterNoResponder(resp)
}

// Transport returns the underlying httpmock transport, to register
// responders of your own (regexp routes, matchers). Requests they answer are
// not recorded by Requests.
func (m *Mock) Transport() *httpmock.MockTransport { return m.transport }

// HTTPClient returns the client whose Transport is the Mock. Give it to the
// code under test (client.WithHTTPClient for the SDK).
func (m *Mock) HTTPClient() *http.Client {
	return m.m.HTTPClient()
}

// BaseURL returns the base URL the Mock answers under (DefaultBaseURL unless
// WithBaseURL), without a trailing slash.
func (m *Mock) BaseURL() string {
	return m.m.BaseURL()
}

// On scripts a route under BaseURL: the replies answer its requests in
// order (a reply with Times(n) answers n of them), then the last reply
// repeats, or with Exhausted last, any further request fails the test. The
// path matches exactly; the query is ignored. On replaces the route's
// previous script and starts the new one from its first reply.
func (m *Mock) On(method, path string, replies ...Reply) {
	m.m.On(method, path, replies...)
}

// OnLogin scripts the login route; LoginOK() in the script checks the app
// and signature and issues a session. For example OnLogin(Code(10004),
// LoginOK()) refuses one login, then logs in normally.
func (m *Mock) OnLogin(replies ...Reply) {
	m.m.OnLogin(replies...)
}

// Logins returns how many logins succeeded.
func (m *Mock) Logins() int {
	return m.m.Logins()
}

// LoginAttempts returns how many requests reached the login route.
func (m *Mock) LoginAttempts() int {
	return m.m.LoginAttempts()
}

// Count returns how many requests were made to method and path (the query
// ignored), whatever they were answered.
func (m *Mock) Count(method, path string) int {
	return m.m.Count(method, path)
}

// Requests returns a copy of every request the Mock answered or refused,
// in order, as Server.Requests does.
func (m *Mock) Requests() []Request {
	return m.m.Requests()
}

// AssertCalls reports whether method and path were called exactly n times;
// when not, it fails t with a table of what was called.
func (m *Mock) AssertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	return m.m.AssertCalls(t, method, path, n)
}

// AssertLogins reports whether exactly n logins succeeded; when not, it
// fails t with a table of what was called.
func (m *Mock) AssertLogins(t TB, n int) bool {
	t.Helper()
	return m.m.AssertLogins(t, n)
}

// Unconsumed lists the scripts with replies that have not answered yet.
func (m *Mock) Unconsumed() []string {
	return m.m.Unconsumed()
}

// ExpectAllConsumed makes the test fail at its cleanup if some script still
// has replies that never answered (the default login script never counts as
// unconsumed). It needs the t given to New.
func (m *Mock) ExpectAllConsumed() {
	m.m.ExpectAllConsumed()
}

// SetClockSkew sets the clock of the Date header to the real time plus d.
func (m *Mock) SetClockSkew(d time.Duration) {
	m.m.SetClockSkew(d)
}

// InvalidateSessions ends every session: each later request carrying one
// of their tokens gets 10001 until the client logs in again. It is the
// session storm: however many goroutines share the session, each gets
// 10001, and a client that collapses relogins makes exactly one login.
func (m *Mock) InvalidateSessions() {
	m.m.InvalidateSessions()
}

// ExpireSessions expires every session: each later request carrying one of
// their tokens gets 10002 until the client logs in again.
func (m *Mock) ExpireSessions() {
	m.m.ExpireSessions()
}

// ClientOption returns the SDK option that sends a client's requests through
// the Mock. Each call wraps the Mock's transport in a new *http.Client, so
// SDK clients never share (and reconfigure) one http.Client.
func (m *Mock) ClientOption() client.Option {
	return m.m.ClientOption()
}

// NewClient returns an SDK client wired to the Mock: BaseURL, the Mock's
// transport, DefaultAppID's credentials and the Mock's login path. opts come
// last, so they override any of these.
func (m *Mock) NewClient(opts ...client.Option) (*client.Client, error) {
	return m.m.NewClient(opts...)
}
