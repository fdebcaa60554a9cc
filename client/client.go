package client

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/google/uuid"

	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// Client calls the device cloud platform. It is safe for concurrent use and
// meant to be shared: its session, its single-flight login and its retry
// budget are per client.
type Client struct {
	baseURL   string
	secret    string // the default login's, redacted from server text
	rc        *resty.Client
	hc        *http.Client // rc's, when the client made rc: requests skip resty's building (request.go)
	target    *target      // baseURL, parsed
	policy    *retry.Policy
	budget    *retrying.Budget
	breaker   *breaker   // nil without WithCircuitBreaker
	endpoints *endpoints // nil for one base URL (WithEndpoints)
	steps     []step     // what every request passes through (pipeline.go)
	sessions  *sessions
	loginPath string
	timeout   time.Duration
	maxBody   int64
	maxDown   int64       // WithMaxDownloadBytes; 0 for none
	chunks    chunkPool   // readBody's chunks of bodies of unknown length
	headers   http.Header // sent on every request, session headers excluded
	auth      string
	csrf      string
	idem      string
	logger    *slog.Logger
	obs       Observer
	clock     retry.Clock
	rnd       func() float64

	// sessHeaders holds the last session's header values.
	sessHeaders atomic.Pointer[sessionHeaders]
	polling     atomic.Bool // a Poll is running: the platform allows one long poll per IP
	pollLease   PollLease   // one Poll across processes (WithPollLease); nil: none
	// loginSig is the signature of the default login's last request,
	// redacted from every call's errors: a platform that echoes it (with
	// the request's timestamp and nonce) hands out a replayable login.
	loginSig atomic.Pointer[string]
	// secrets redacts the last session's secrets from errors (redact.go).
	secrets atomic.Pointer[sessionSecrets]
}

// New returns a client for the platform at baseURL (scheme and host, and an
// optional path prefix; no query, fragment or user info, not even an empty
// "?" or "#", which would take the paths of calls in). Without
// WithCredentials or WithLogin it sends no session headers. Without
// WithHTTPClient or WithRestyClient it sends through a transport of its own,
// made for many concurrent calls: it keeps up to DefaultMaxIdleConnsPerHost
// idle connections to the platform, speaks HTTP/2 where TLS negotiates it and
// takes its proxy from the environment; and it keeps no cookies (a client you
// pass keeps its jar, if it has one).
func New(baseURL string, opts ...Option) (*Client, error) {
	base, err := parseBase("baseURL", baseURL)
	if err != nil {
		return nil, err
	}
	cfg := config{
		policy:        retry.DefaultPolicy(),
		loginTimeout:  DefaultLoginTimeout,
		loginPath:     DefaultLoginPath,
		refreshMargin: DefaultRefreshMargin,
		maxBody:       DefaultMaxResponseBytes,
		authHeader:    "Authorization",
		csrfHeader:    "X-Csrf-Token",
		idemHeader:    "Idempotency-Key",
		clock:         retry.SystemClock(),
		userAgent:     "devcloud-go",
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}

	rc := cfg.resty
	switch {
	case rc != nil:
	case cfg.httpClient != nil:
		// A copy: resty sets the redirect policy (and a Transport when
		// there is none) on the client it is given, and the caller's may be
		// http.DefaultClient, shared by the whole process.
		hc := *cfg.httpClient
		rc = resty.NewWithClient(&hc)
	default:
		rc = resty.New().SetTransport(newTransport())
		// resty.New gives its client a cookie jar. The platform's
		// sessions are bearer tokens: a jar would only replay what a
		// gateway set into every later call, the sessions after a relogin
		// included, and take its global lock on every request.
		rc.GetClient().Jar = nil
	}
	rc.SetRetryCount(0)
	rc.SetLogger(quietLogger{})
	rc.SetRedirectPolicy(safeRedirects())
	wire := &sendOnce{rt: rc.GetClient().Transport, auth: cfg.authHeader}
	if so, ok := wire.rt.(*sendOnce); ok {
		wire.rt = so.rt // another client's wrapper: this client's own instead
	}
	rc.SetTransport(wire)
	var hc *http.Client
	if cfg.resty == nil {
		hc = rc.GetClient()
	}

	c := &Client{
		baseURL:   base,
		secret:    cfg.secret,
		rc:        rc,
		hc:        hc,
		target:    newTarget(base),
		policy:    cfg.policy,
		budget:    retrying.NewBudget(cfg.policy.Budget),
		loginPath: cfg.loginPath,
		timeout:   cfg.timeout,
		maxBody:   cfg.maxBody,
		maxDown:   cfg.maxDownload,
		headers:   make(http.Header),
		auth:      cfg.authHeader,
		csrf:      cfg.csrfHeader,
		idem:      cfg.idemHeader,
		logger:    cfg.logger,
		obs:       observers(withHook(cfg.observers, cfg.hook)),
		clock:     cfg.clock,
		rnd:       cfg.rnd,
		pollLease: cfg.pollLease,
	}
	c.endpoints = newEndpoints(&cfg, c)
	switch {
	case cfg.breaker != nil && c.endpoints != nil:
		c.breaker = c.endpoints.jointBreaker()
	case cfg.breaker != nil:
		c.breaker = newBreaker(*cfg.breaker)
	}
	if c.breaker != nil {
		if f := c.obs.BreakerChange; f != nil {
			c.breaker.watch(f)
			f(BreakerClosed, BreakerClosed)
		}
	}
	for k, v := range cfg.defaultHeaders {
		c.headers[k] = v
	}
	c.headers.Set("Accept", "application/json")
	if cfg.userAgent != "" {
		c.headers.Set("User-Agent", cfg.userAgent)
	}
	store := cfg.store
	if store == nil {
		// The client's own store: its lease and cool-down run on the
		// client's clock.
		store = newMemoryStore(cfg.clock.Now)
	}
	rnd := cfg.rnd
	if rnd == nil {
		rnd = rand.Float64
	}
	c.sessions = &sessions{
		store: store,
		owner: uuid.NewString(),
		clock: cfg.clock,
		plan:  refreshPlan{margin: cfg.refreshMargin, jitter: refreshJitter * rnd()},
		login: loginCall{timeout: cfg.loginTimeout},
		cool:  cooldown{backoff: cfg.policy.LoginCooldown, rnd: cfg.rnd},
		gate:  c.breaker,
		life:  newLifetime(),
		obs:   &c.obs,
	}
	c.sessions.lease, _ = store.(LoginLease)
	wire.dead = &c.sessions.deadAuth
	c.steps = c.assemble(&cfg)
	switch {
	case cfg.login != nil:
		c.sessions.login.fn = cfg.login
	case cfg.appID != "":
		c.sessions.login.fn = c.defaultLogin(cfg.appID, cfg.secret)
	}
	return c, nil
}

// hasLogin reports whether the client logs in: WithCredentials or
// WithLogin.
func (c *Client) hasLogin() bool { return c.sessions.login.fn != nil }

// Session returns the current session, logging in if there is none yet.
func (c *Client) Session(ctx context.Context) (Session, error) {
	if !c.hasLogin() {
		return Session{}, &InputError{Field: "credentials", Reason: "the client has no login (WithCredentials or WithLogin)"}
	}
	s, _, err := c.sessions.get(ctx, 0)
	return s, err
}

// Close stops the client's background work: it cancels a running login
// (a refresh ahead of expiry included), waits for it to end and closes idle
// connections. Calls that need a login afterwards fail with ErrClosed;
// calls with a valid session still work. A login function that ignores its
// context is not waited for: its answer is dropped when it returns.
func (c *Client) Close() error {
	c.sessions.close()
	c.rc.GetClient().CloseIdleConnections()
	return nil
}

// quietLogger keeps resty silent: its messages may carry URLs with query
// values. The SDK logs through WithLogger instead.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
