package mock

import (
	"time"

	"github.com/devcloud/devcloud-go/retry"
)

// The defaults both flavours share, so a test needs no configuration.
const (
	// DefaultAppID is the app both flavours know out of the box.
	DefaultAppID = "devcloud-mock-app"
	// DefaultSecret is DefaultAppID's signing secret.
	DefaultSecret = "devcloud-mock-secret"
	// DefaultLoginPath is where the platform's default login lives.
	DefaultLoginPath = "/v1/login"
	// DefaultBaseURL is the base URL of the httpmock flavour. Nothing
	// listens there: requests never leave the process.
	DefaultBaseURL = "https://devcloud.test"
	// DefaultSessionTTL is how long a session lives (the login's ExpiresIn).
	DefaultSessionTTL = time.Hour
	// DefaultTimestampWindow is how far a login's Timestamp may be from the
	// server's clock before the server answers 10006.
	DefaultTimestampWindow = 5 * time.Minute
	// DefaultAuthHeader carries "Bearer <Token>".
	DefaultAuthHeader = "Authorization"
	// DefaultCSRFHeader carries the session's CSRF token.
	DefaultCSRFHeader = "X-CSRF-Token"
)

// Option configures a Server or a Mock. Options that make sense for one
// flavour only say so; the other flavour ignores them.
type Option func(*config)

type config struct {
	apps            map[string]string
	loginPath       string
	authHeader      string
	csrfHeader      string
	sessionTTL      time.Duration
	clockSkew       time.Duration
	now             func() time.Time
	clock           retry.Clock // WithPlatformClock's, nil for the real clock
	timestampWindow time.Duration
	loginLimit      int
	loginWindow     time.Duration
	oneSession      bool
	notFound        *Reply
	keepAlives      bool
	baseURL         string
	addr            string
}

func newConfig(opts []Option) config {
	c := config{
		apps:            map[string]string{DefaultAppID: DefaultSecret},
		loginPath:       DefaultLoginPath,
		authHeader:      DefaultAuthHeader,
		csrfHeader:      DefaultCSRFHeader,
		sessionTTL:      DefaultSessionTTL,
		now:             time.Now,
		timestampWindow: DefaultTimestampWindow,
		baseURL:         DefaultBaseURL,
		addr:            "127.0.0.1:0",
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithApp adds an app the login accepts, besides DefaultAppID.
func WithApp(appID, secret string) Option {
	return func(c *config) { c.apps[appID] = secret }
}

// WithLoginPath moves the login endpoint (default DefaultLoginPath).
func WithLoginPath(path string) Option {
	return func(c *config) { c.loginPath = cleanPath(path) }
}

// WithAuthHeader renames the header that carries the session token. The
// value may be "Bearer <Token>" or the bare token. Server only: the Mock
// reads it only to record Request.Token.
func WithAuthHeader(name string) Option {
	return func(c *config) { c.authHeader = name }
}

// WithCSRFHeader renames the header that carries the CSRF token. Server only.
func WithCSRFHeader(name string) Option {
	return func(c *config) { c.csrfHeader = name }
}

// WithSessionTTL sets how long a session lives; a login answers ExpiresIn
// with it, in whole seconds rounded up. The Server answers 10002 once it has
// passed. Keep it above the SDK's refresh margin (60 s by default), or the SDK
// logs in again before every call; to end sessions mid-test, use
// Server.ExpireSessions instead.
func WithSessionTTL(d time.Duration) Option {
	return func(c *config) { c.sessionTTL = d }
}

// WithClockSkew sets the server's clock to the real time plus d. It shows in
// every response's Date header, and the Server checks login timestamps
// against it.
func WithClockSkew(d time.Duration) Option {
	return func(c *config) { c.clockSkew = d }
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
	return func(c *config) { c.now, c.clock = clk.Now, clk }
}

// WithTimestampWindow sets how far a login Timestamp may be from the
// server's clock (default DefaultTimestampWindow). Server only.
func WithTimestampWindow(d time.Duration) Option {
	return func(c *config) { c.timestampWindow = d }
}

// WithLoginRateLimit makes the Server answer 10004 to a login when more
// than n login attempts (successful or not, this one included) arrived
// within the last window. Off by default. Server only.
func WithLoginRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.loginLimit, c.loginWindow = n, window }
}

// WithOneSessionPerApp makes a login end every earlier session of its app,
// as a platform that allows one session per account does: replicas that log
// in on their own revoke each other's tokens (10001). IssueSession ends them
// too. Server only.
func WithOneSessionPerApp() Option {
	return func(c *config) { c.oneSession = true }
}

// WithNotFound sets the answer to a request no route matches. The Server's
// default is Code(404); the Mock's default fails the test, and with this
// option answers r instead.
func WithNotFound(r Reply) Option {
	return func(c *config) { c.notFound = &r }
}

// WithKeepAlives lets the Server keep connections open between requests.
// It is off by default, and every response closes its connection, because
// Go's http.Transport silently replays a GET, or any request with an
// Idempotency-Key header, once when a reused keep-alive connection is reset
// before the response: with keep-alives on, a ResetBeforeResponse after an
// earlier request usually never reaches the client, and the Server records
// one request more than the client's attempts. Server only.
func WithKeepAlives() Option {
	return func(c *config) { c.keepAlives = true }
}

// WithBaseURL changes the Mock's base URL (default DefaultBaseURL). It may
// carry a path prefix ("https://api.test/cloud"); routes, counts and recorded
// paths are then relative to it. Mock only.
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = u }
}

// WithAddr sets the loopback address the Server listens on (default
// "127.0.0.1:0", a free port), for a server a person points other programs
// at. The Server refuses an address that is not loopback. Server only.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}
