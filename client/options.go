package client

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/retry"
)

// Option configures a Client in New.
type Option func(*config) error

type config struct {
	appID, secret  string
	login          LoginFunc
	policy         *retry.Policy
	httpClient     *http.Client
	resty          *resty.Client
	timeout        time.Duration
	loginTimeout   time.Duration
	loginPath      string
	refreshMargin  time.Duration
	maxBody        int64
	authHeader     string
	csrfHeader     string
	idemHeader     string
	logger         *slog.Logger
	hook           func(AttemptInfo)
	observers      []Observer
	clock          retry.Clock
	rnd            func() float64
	store          SessionStore
	userAgent      string
	defaultHeaders http.Header
	breaker        *BreakerConfig
	limiter        RateLimiter
	endpoints      []string                                // WithEndpoints, after the base URL
	resolver       func(context.Context) ([]string, error) // WithEndpointResolver
	coolOff        time.Duration                           // WithEndpointCoolOff
	maxDownload    int64
	throttle       *ThrottleConfig
	pollLease      PollLease
}

// Defaults of New.
const (
	// DefaultLoginTimeout bounds one shared login.
	DefaultLoginTimeout = 30 * time.Second
	// DefaultRefreshMargin is how long before expiry a session is refreshed.
	DefaultRefreshMargin = 60 * time.Second
	// DefaultMaxResponseBytes is the largest response body read.
	DefaultMaxResponseBytes = 32 << 20
)

// WithCredentials logs in with the platform's default signed login using
// appID and secret: POST /v1/login (WithLoginPath) with
// {"AppId","Timestamp","Nonce","Sig"}, Sig being the lowercase hex
// HMAC-SHA256, keyed by secret, of AppId, Timestamp and Nonce joined by
// newlines (README.md, "The wire format this SDK assumes").
func WithCredentials(appID, secret string) Option {
	return func(c *config) error {
		if appID == "" {
			return &InputError{Field: "appID", Reason: "empty"}
		}
		if secret == "" {
			return &InputError{Field: "secret", Reason: "empty"}
		}
		c.appID, c.secret = appID, secret
		return nil
	}
}

// WithLogin replaces the default login with the application's own function.
// It takes precedence over WithCredentials.
func WithLogin(login LoginFunc) Option {
	return func(c *config) error {
		if login == nil {
			return &InputError{Field: "login", Reason: "nil function"}
		}
		c.login = login
		return nil
	}
}

// WithPolicy sets the retry policy. The client keeps a copy, so later
// changes to p do not affect it. The default is retry.DefaultPolicy().
func WithPolicy(p *retry.Policy) Option {
	return func(c *config) error {
		if p == nil {
			return &InputError{Field: "policy", Reason: "nil policy"}
		}
		c.policy = p.Clone()
		return nil
	}
}

// WithHTTPClient sends requests through hc's Transport and Jar. The client
// works on a copy of hc, which it gives its own redirect policy: a redirect
// is followed only to the same origin (scheme, host, port), with the same
// method, never for a login, at most 10 times and without a Referer;
// otherwise the call fails with a RedirectError. hc itself is not modified,
// so http.DefaultClient may be passed. hc.Timeout is kept; WithTimeout
// bounds each attempt separately.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &InputError{Field: "httpClient", Reason: "nil client"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithRestyClient sends requests through rc. The SDK sets four of its
// settings: retry count 0 (the SDK drives retries), a silent logger (resty's
// messages may carry URLs with query values; use WithLogger), the
// redirect policy described at WithHTTPClient, and a wrapper around its
// transport that keeps net/http from resending by itself a call the
// platform may have acted on. The others are kept, and every request goes
// through rc's Execute, so its hooks and middleware (OnBeforeRequest,
// SetHeader, SetAuthToken, …) run for the SDK's requests too. Without
// WithRestyClient the SDK's own resty client has none, and the SDK builds
// each request itself and sends it with that client's *http.Client, which
// costs a call a dozen allocations less.
func WithRestyClient(rc *resty.Client) Option {
	return func(c *config) error {
		if rc == nil {
			return &InputError{Field: "restyClient", Reason: "nil client"}
		}
		c.resty = rc
		return nil
	}
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole body; a timed-out attempt is retried like any transport failure.
//
// There is no per-attempt bound by default, as in the AWS and Azure SDKs:
// the caller's context bounds the whole call, retries included, and a
// per-attempt context would cost every call a timer.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &InputError{Field: "timeout", Reason: "must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithLoginTimeout bounds one shared login (default 30 s).
func WithLoginTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &InputError{Field: "loginTimeout", Reason: "must be positive"}
		}
		c.loginTimeout = d
		return nil
	}
}

// WithLoginPath sets the default login's path (default /v1/login).
func WithLoginPath(path string) Option {
	return func(c *config) error {
		if err := checkPath(path); err != nil {
			return err
		}
		c.loginPath = path
		return nil
	}
}

// WithRefreshMargin sets how long before its expiry a session is refreshed
// (default 60 s; at most half the session's lifetime).
func WithRefreshMargin(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &InputError{Field: "refreshMargin", Reason: "must not be negative"}
		}
		c.refreshMargin = d
		return nil
	}
}

// WithMaxResponseBytes caps the response bodies read (default 32 MiB). A
// larger body fails the call with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return &InputError{Field: "maxResponseBytes", Reason: "must be positive"}
		}
		c.maxBody = n
		return nil
	}
}

// WithHeaderNames renames the session headers (defaults "Authorization",
// sent as "Bearer <token>", and "X-CSRF-Token").
func WithHeaderNames(authorization, csrf string) Option {
	return func(c *config) error {
		if !isToken(authorization) || !isToken(csrf) {
			return &InputError{Field: "headerNames", Reason: "header name is not an HTTP token"}
		}
		c.authHeader, c.csrfHeader = http.CanonicalHeaderKey(authorization), http.CanonicalHeaderKey(csrf)
		return nil
	}
}

// WithIdempotencyHeader renames the idempotency key header (default
// "Idempotency-Key").
func WithIdempotencyHeader(name string) Option {
	return func(c *config) error {
		if !isToken(name) {
			return &InputError{Field: "idempotencyHeader", Reason: "header name is not an HTTP token"}
		}
		c.idemHeader = http.CanonicalHeaderKey(name)
		return nil
	}
}

// WithHeader adds a header sent on every request (e.g. a tenant id).
func WithHeader(key, value string) Option {
	return func(c *config) error {
		if err := checkHeader("header", key, value); err != nil {
			return err
		}
		if c.defaultHeaders == nil {
			c.defaultHeaders = make(http.Header)
		}
		c.defaultHeaders.Add(key, value)
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if hasControl(ua, true) {
			return &InputError{Field: "userAgent", Reason: "has a control character"}
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs each attempt at debug level and each final failure at
// warn level. Log lines carry method, path (no query), attempt, code,
// delay and request id — never headers, tokens or bodies.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithAttemptHook calls h after every attempt, successful or not, before
// any backoff sleep. It is an Observer with only AttemptEnd set.
func WithAttemptHook(h func(AttemptInfo)) Option {
	return func(c *config) error { c.hook = h; return nil }
}

// WithObserver adds o to the client's observers, which see every call,
// attempt, backoff wait and login (see Observer). Each WithObserver adds
// one; they are called in the order given.
func WithObserver(o Observer) Option {
	return func(c *config) error {
		c.observers = append(c.observers, o)
		return nil
	}
}

// WithClock replaces the real clock, for tests: sleeps then return at once
// and can be counted.
func WithClock(clk retry.Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return &InputError{Field: "clock", Reason: "nil clock"}
		}
		c.clock = clk
		return nil
	}
}

// WithRandom replaces the jitter's randomness, a function returning values
// in [0, 1), for tests that assert exact delays.
func WithRandom(rnd func() float64) Option {
	return func(c *config) error { c.rnd = rnd; return nil }
}

// WithSessionStore keeps the session in s instead of in memory.
func WithSessionStore(s SessionStore) Option {
	return func(c *config) error {
		if s == nil {
			return &InputError{Field: "sessionStore", Reason: "nil store"}
		}
		c.store = s
		return nil
	}
}
