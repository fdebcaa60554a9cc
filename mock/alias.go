package mock

import (
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/fakeplatform"
	"github.com/devcloud/devcloud-go/retry"
)

const (
	// DefaultAppID is the app both flavours know out of the box.
	DefaultAppID = fakeplatform.DefaultAppID
	// DefaultSecret is DefaultAppID's signing secret.
	DefaultSecret = fakeplatform.DefaultSecret
	// DefaultLoginPath is where the platform's default login lives.
	DefaultLoginPath = fakeplatform.DefaultLoginPath
	// DefaultBaseURL is the base URL of the httpmock flavour. Nothing
	// listens there: requests never leave the process.
	DefaultBaseURL = fakeplatform.DefaultBaseURL
	// DefaultSessionTTL is how long a session lives (the login's ExpiresIn).
	DefaultSessionTTL = fakeplatform.DefaultSessionTTL
	// DefaultTimestampWindow is how far a login's Timestamp may be from the
	// server's clock before the server answers 10006.
	DefaultTimestampWindow = fakeplatform.DefaultTimestampWindow
	// DefaultAuthHeader carries "Bearer <Token>".
	DefaultAuthHeader = fakeplatform.DefaultAuthHeader
	// DefaultCSRFHeader carries the session's CSRF token.
	DefaultCSRFHeader = fakeplatform.DefaultCSRFHeader
)

// LoginBody returns the JSON body of a default login for appID, signed with
// secret at time at, with the given nonce.
func LoginBody(appID, secret string, at time.Time, nonce string) []byte {
	return fakeplatform.LoginBody(appID, secret, at, nonce)
}

// RefusedURL returns an http:// URL on a loopback port that nothing listens
// on, so a dial to it is refused at once. The port was free a moment ago; it
// is not reserved.
func RefusedURL() string {
	return fakeplatform.RefusedURL()
}

// Sign returns the login signature of SPEC §1: lowercase hex of
// HMAC-SHA256(secret, appID + "\n" + timestamp + "\n" + nonce), timestamp in
// decimal Unix seconds. Tests that log in with a plain http.Client use it.
//
// It is written independently of client.Sign on purpose: the fake platform
// verifies the SDK's signatures with its own implementation, so a mistake in
// one is caught by the other.
func Sign(secret, appID string, timestamp int64, nonce string) string {
	return fakeplatform.Sign(secret, appID, timestamp, nonce)
}

// FakeClock is a retry.Clock for tests: Sleep returns at once, records the
// delay it was asked for and moves the clock forward by it. Pass it to
// client.WithClock and a retry sequence takes microseconds while its
// schedule can be asserted exactly; pass the same one to WithPlatformClock
// and the fake platform keeps the same time. It is safe for concurrent use.
//
// FakeClock is the fake platform's own type; its methods are documented at
// [fakeplatform.FakeClock].
type FakeClock = fakeplatform.FakeClock

// NewFakeClock returns a FakeClock that starts at the real time now, so
// deadlines of real contexts and the clock agree.
func NewFakeClock() *FakeClock {
	return fakeplatform.NewFakeClock()
}

// Gate holds the replies it is attached to (Reply.WithGate) until the test
// opens it, so a slow answer is slow exactly as long as the test says, with
// no sleep and no timing to tune for a loaded machine. Arrived tells the
// test that a request is waiting at the gate.
//
// A held reply also ends when the client gives up or the Server closes. A
// Gate may hold any number of requests, of any routes and flavours; it is
// safe for concurrent use.
//
// Gate is the fake platform's own type; its methods are documented at
// [fakeplatform.Gate].
type Gate = fakeplatform.Gate

// NewGate returns a closed Gate.
func NewGate() *Gate {
	return fakeplatform.NewGate()
}

// Kind names what a Reply does, and is recorded with every Request so a test
// can see what each attempt was answered.
//
// Kind is the fake platform's own type; its methods are documented at
// [fakeplatform.Kind].
type Kind = fakeplatform.Kind

const (
	// KindNone is the zero Kind: nothing was answered yet.
	KindNone = fakeplatform.KindNone
	// KindOK is a success envelope (OK).
	KindOK = fakeplatform.KindOK
	// KindError is an Error envelope (Code), including the Server's own
	// session and login failures.
	KindError = fakeplatform.KindError
	// KindStatus is a bare status with an empty body (Status).
	KindStatus = fakeplatform.KindStatus
	// KindHTML is an HTML page, as a gateway sends (HTML).
	KindHTML = fakeplatform.KindHTML
	// KindRaw is a body sent as given (Raw).
	KindRaw = fakeplatform.KindRaw
	// KindLogin is a successful login that issued a session (LoginOK).
	KindLogin = fakeplatform.KindLogin
	// KindResetBeforeResponse is a connection reset before any response byte.
	KindResetBeforeResponse = fakeplatform.KindResetBeforeResponse
	// KindResetMidBody is a connection reset after the headers and part of
	// the body.
	KindResetMidBody = fakeplatform.KindResetMidBody
	// KindTruncatedJSON is a complete HTTP response whose JSON body is cut.
	KindTruncatedJSON = fakeplatform.KindTruncatedJSON
	// KindSlowHeaders is a success sent after a delay.
	KindSlowHeaders = fakeplatform.KindSlowHeaders
	// KindSlowBody is a success whose body trickles in.
	KindSlowBody = fakeplatform.KindSlowBody
	// KindOversized is a large JSON success body.
	KindOversized = fakeplatform.KindOversized
	// KindNetworkError is an error from the transport (Mock) or a reset
	// (Server).
	KindNetworkError = fakeplatform.KindNetworkError
	// KindExhausted is a request that came after a script's Exhausted.
	KindExhausted = fakeplatform.KindExhausted
	// KindUnmatched is a request to a route nobody scripted (Mock only; the
	// Server answers those with a 404 KindError).
	KindUnmatched = fakeplatform.KindUnmatched
)

// LongPoll is a long-poll endpoint as the platform runs one. It holds each
// poll open until a reply is queued with Push or Hold passes (then it
// answers its idle reply), and it answers 20008 (同一个IP发送了多个长轮询请求)
// to a poll that arrives while another one is open. A poll whose client
// gave up stays open until its hold ends, as on the platform, so a client
// timeout shorter than the hold earns a 20008 on the next poll.
//
// Script it on a route of either flavour with its Reply, which stands for
// every request of the route:
//
//	lp := mock.NewLongPoll(30*time.Second, mock.OK(map[string]any{"Events": []any{}}))
//	srv.On("GET", "/v1/events", lp.Reply())
//	lp.Push(mock.OK(map[string]any{"Events": []string{"door opened"}, "Cursor": "c1"}))
//
// Holds are measured with real timers, which testing/synctest makes
// virtual: inside synctest.Test a 30 s hold takes no time. The 20008 rule
// uses the flavour's clock (WithPlatformClock), so a client sharing that
// FakeClock sleeps past a hold and finds the abandoned poll gone. A LongPoll is safe for
// concurrent use and may serve several routes and flavours at once.
//
// LongPoll is the fake platform's own type; its methods are documented at
// [fakeplatform.LongPoll].
type LongPoll = fakeplatform.LongPoll

// NewLongPoll returns an endpoint that holds polls for hold and answers
// idle when nothing was pushed meanwhile. A hold of 0 answers idle at once.
func NewLongPoll(hold time.Duration, idle Reply) *LongPoll {
	return fakeplatform.NewLongPoll(hold, idle)
}

// Option configures a Server or a Mock. Options that make sense for one
// flavour only say so; the other flavour ignores them.
type Option = fakeplatform.Option

// WithAddr sets the loopback address the Server listens on (default
// "127.0.0.1:0", a free port), for a server a person points other programs
// at. The Server refuses an address that is not loopback. Server only.
func WithAddr(addr string) Option {
	return fakeplatform.WithAddr(addr)
}

// WithApp adds an app the login accepts, besides DefaultAppID.
func WithApp(appID, secret string) Option {
	return fakeplatform.WithApp(appID, secret)
}

// WithAuthHeader renames the header that carries the session token. The
// value may be "Bearer <Token>" or the bare token. Server only: the Mock
// reads it only to record Request.Token.
func WithAuthHeader(name string) Option {
	return fakeplatform.WithAuthHeader(name)
}

// WithBaseURL changes the Mock's base URL (default DefaultBaseURL). It may
// carry a path prefix ("https://api.test/cloud"); routes, counts and recorded
// paths are then relative to it. Mock only.
func WithBaseURL(u string) Option {
	return fakeplatform.WithBaseURL(u)
}

// WithCSRFHeader renames the header that carries the CSRF token. Server only.
func WithCSRFHeader(name string) Option {
	return fakeplatform.WithCSRFHeader(name)
}

// WithClockSkew sets the server's clock to the real time plus d. It shows in
// every response's Date header, and the Server checks login timestamps
// against it.
func WithClockSkew(d time.Duration) Option {
	return fakeplatform.WithClockSkew(d)
}

// WithKeepAlives lets the Server keep connections open between requests.
// It is off by default, and every response closes its connection, because
// Go's http.Transport silently replays a GET, or any request with an
// Idempotency-Key header, once when a reused keep-alive connection is reset
// before the response: with keep-alives on, a ResetBeforeResponse after an
// earlier request usually never reaches the client, and the Server records
// one request more than the client's attempts. Server only.
func WithKeepAlives() Option {
	return fakeplatform.WithKeepAlives()
}

// WithLoginPath moves the login endpoint (default DefaultLoginPath).
func WithLoginPath(path string) Option {
	return fakeplatform.WithLoginPath(path)
}

// WithLoginRateLimit makes the Server answer 10004 to a login when more
// than n login attempts (successful or not, this one included) arrived
// within the last window. Off by default. Server only.
func WithLoginRateLimit(n int, window time.Duration) Option {
	return fakeplatform.WithLoginRateLimit(n, window)
}

// WithNotFound sets the answer to a request no route matches. The Server's
// default is Code(404); the Mock's default fails the test, and with this
// option answers r instead.
func WithNotFound(r Reply) Option {
	return fakeplatform.WithNotFound(r)
}

// WithOneSessionPerApp makes a login end every earlier session of its app,
// as a platform that allows one session per account does: replicas that log
// in on their own revoke each other's tokens (10001). IssueSession ends them
// too. Server only.
func WithOneSessionPerApp() Option {
	return fakeplatform.WithOneSessionPerApp()
}

// WithPlatformClock replaces the real clock as the source of the fake
// platform's time (before skew), for tests that drive session expiry with
// a fake clock. It takes the clock type client.WithClock takes, so one
// FakeClock can drive the SDK and the platform:
//
//	clk := mock.NewFakeClock()
//	srv := mock.StartServer(t, mock.WithPlatformClock(clk))
//	c, err := srv.NewClient(client.WithClock(clk))
func WithPlatformClock(clk retry.Clock) Option {
	return fakeplatform.WithPlatformClock(clk)
}

// WithSessionTTL sets how long a session lives; a login answers ExpiresIn
// with it, in whole seconds rounded up. The Server answers 10002 once it has
// passed. Keep it above the SDK's refresh margin (60 s by default), or the SDK
// logs in again before every call; to end sessions mid-test, use
// Server.ExpireSessions instead.
func WithSessionTTL(d time.Duration) Option {
	return fakeplatform.WithSessionTTL(d)
}

// WithTimestampWindow sets how far a login Timestamp may be from the
// server's clock (default DefaultTimestampWindow). Server only.
func WithTimestampWindow(d time.Duration) Option {
	return fakeplatform.WithTimestampWindow(d)
}

// Reply describes one answer of the platform. Both flavours render the same
// Replies: the Server on a real connection, the Mock as an *http.Response
// (or a transport error).
//
// A Reply is a value: the With… methods return a modified copy, so one Reply
// can be shared between routes and tests. The zero Reply answers 200 with an
// empty body.
//
// Reply is the fake platform's own type; its methods are documented at
// [fakeplatform.Reply].
type Reply = fakeplatform.Reply

// Code is the platform's failure envelope:
//
//	{"Response": {"Error": {"Code": code, "Message": msg}, "RequestId": id}}
//
// The message is the catalog's Chinese text for code (errors.Lookup), or
// "error <code>" for a code the catalog does not know. A code between 400
// and 599 is sent with that HTTP status, as the platform's HTTP codes are;
// any other code (the logic codes 10000…40007) comes in a 200, as the
// platform sends them. WithStatus changes either.
func Code(code apierrors.Code) Reply {
	return fakeplatform.Code(code)
}

// ConnectionRefused is NetworkError with the error a dial to a closed port
// gives: a *net.OpError with Op "dial" wrapping ECONNREFUSED. The request
// never left, which is what the SDK may always retry. For a real refusal use
// RefusedURL as the base URL; the Server resets the connection instead.
func ConnectionRefused() Reply {
	return fakeplatform.ConnectionRefused()
}

// Exhausted ends a script: once every reply before it has answered, the next
// request of the route is a test failure (t.Errorf on the Mock, or on a
// Server from StartServer) and is answered with Code(501), a code the SDK
// does not retry. Without it, a script's last reply repeats forever.
// It must be the last reply of a script.
func Exhausted() Reply {
	return fakeplatform.Exhausted()
}

// HTML is a text/html page with the given status, as a gateway sends in
// front of a failing service. An empty page is replaced by an nginx-style
// page for the status, e.g. "<html>…<h1>502 Bad Gateway</h1>…".
func HTML(status int, page string) Reply {
	return fakeplatform.HTML(status, page)
}

// LoginOK answers a login route with a fresh session once the login passes
// the flavour's checks (see Server and Mock); a failing check answers its
// code instead. It is the default script of the login route, so a login
// script such as OnLogin(Code(10004), LoginOK()) means "one 10004, then
// normal logins". It panics when scripted on any other route.
func LoginOK() Reply {
	return fakeplatform.LoginOK()
}

// NetworkError makes the Mock's transport return err (wrapped by http.Client
// in a *url.Error). A nil err means a reset connection. The Server cannot
// send an arbitrary error over a wire and resets the connection instead, as
// ResetBeforeResponse.
func NetworkError(err error) Reply {
	return fakeplatform.NetworkError(err)
}

// OK is a 200 success: {"Response": {...payload's fields..., "RequestId": id}}.
//
// The payload is marshalled with encoding/json (pass a json.RawMessage for
// JSON you wrote by hand). When it is an object, its members are merged into
// Response beside a generated RequestId (a RequestId member in the payload
// wins). When it is not an object (an array, a string, a number), Response is
// that value as-is and the request id travels only in the X-Request-Id
// header. A nil payload gives {"Response": {"RequestId": id}}.
//
// OK panics if the payload cannot be marshalled: that is a mistake in the
// test, not a platform answer.
func OK(payload any) Reply {
	return fakeplatform.OK(payload)
}

// Oversized is a 200 JSON success of exactly n bytes (a Padding string member
// fills it; for n below about 70 bytes the body is that minimum), with a
// matching Content-Length. The body is generated as it is read, so a large
// n costs no memory.
func Oversized(n int) Reply {
	return fakeplatform.Oversized(n)
}

// Raw is a response sent exactly as given. An empty contentType sends no
// Content-Type header at all (the Server suppresses Go's sniffing).
func Raw(status int, contentType, body string) Reply {
	return fakeplatform.Raw(status, contentType, body)
}

// ResetBeforeResponse resets the connection before any response byte: the
// Server hijacks it and closes it with SO_LINGER 0 (a TCP RST); the Mock
// returns a "connection reset by peer" *net.OpError from the transport.
//
// On a reused keep-alive connection Go's http.Transport replays a GET, or any
// request with an Idempotency-Key header, once by itself; the Server avoids
// that by closing every connection after one response (see WithKeepAlives).
func ResetBeforeResponse() Reply {
	return fakeplatform.ResetBeforeResponse()
}

// ResetMidBody sends a 200 with a JSON Content-Type, a Content-Length for the
// whole body and half of the body, then resets the connection. The client's
// Do succeeds; reading the body fails. The Mock's body fails its Read with a
// "connection reset by peer" error after the same half.
func ResetMidBody() Reply {
	return fakeplatform.ResetMidBody()
}

// SlowBody sends the headers of a 200 JSON success at once, then trickles the
// body in ten pieces spread over d, so a client deadline shorter than d fires
// while the body is read.
func SlowBody(d time.Duration) Reply {
	return fakeplatform.SlowBody(d)
}

// SlowHeaders is OK(nil) sent after d, so a client deadline shorter than d
// fires before any header arrives.
func SlowHeaders(d time.Duration) Reply {
	return fakeplatform.SlowHeaders(d)
}

// Status is a bare HTTP status with an empty body and no Content-Type, as a
// load balancer may send.
func Status(status int) Reply {
	return fakeplatform.Status(status)
}

// TruncatedJSON is a 200 JSON success cut in half, with a Content-Length that
// matches the cut body: HTTP is complete, the JSON is not.
func TruncatedJSON() Reply {
	return fakeplatform.TruncatedJSON()
}

// Request is one request the fake platform received, recorded before it was
// answered, so it is there by the time the client sees the answer.
//
// Request is the fake platform's own type; its methods are documented at
// [fakeplatform.Request].
type Request = fakeplatform.Request

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
//
// Server is the fake platform's own type; its methods are documented at
// [fakeplatform.Server].
type Server = fakeplatform.Server

// ListenServer is NewServer returning the listening error instead of
// panicking.
func ListenServer(opts ...Option) (*Server, error) {
	return fakeplatform.ListenServer(opts...)
}

// NewServer starts a Server on 127.0.0.1 on a free port (or the address of
// WithAddr). It needs no *testing.T, so programs such as the CLI's demo and
// serve run one. It panics when it cannot listen, as httptest does; use
// ListenServer to get the error instead.
func NewServer(opts ...Option) *Server {
	return fakeplatform.NewServer(opts...)
}

// StartServer is NewServer for a test: the Server closes at t's cleanup, and
// requests past a script's Exhausted fail t.
func StartServer(t TB, opts ...Option) *Server {
	return fakeplatform.StartServer(t, opts...)
}

// TB is what the mock needs of a test: *testing.T, *testing.B and
// *testing.F satisfy it, as does any testing.TB. The package takes this
// instead of testing.TB so that programs using the Server (the devcloud
// CLI) do not link the testing package.
type TB = fakeplatform.TB
