package mock

import (
	"net/http"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/retry"
)

// ClientConfig is what a client needs to reach a flavour, for an app that
// builds its clients with its own constructor instead of NewClient:
//
//	cfg := m.ClientConfig()
//	svc, err := app.NewDeviceService(cfg.BaseURL, cfg.ClientOptions()...)
//
// or, field by field, for a constructor that takes its own settings:
//
//	svc, err := app.New(app.Config{
//		URL: cfg.BaseURL, AppID: cfg.AppID, Secret: cfg.Secret,
//		HTTPClient: cfg.HTTPClient(),
//	})
//
// Requests of such a client are recorded and counted as NewClient's are.
type ClientConfig struct {
	// BaseURL is where the flavour answers: the Server's URL, the Mock's
	// BaseURL.
	BaseURL string
	// AppID and Secret are the credentials of DefaultAppID.
	AppID, Secret string
	// LoginPath is the login route's path (WithLoginPath).
	LoginPath string
	// AuthHeader and CSRFHeader name the session headers (WithAuthHeader,
	// WithCSRFHeader).
	AuthHeader, CSRFHeader string
	// Transport carries the requests: the Mock itself for the Mock; nil
	// for the Server, which any transport reaches over loopback.
	Transport http.RoundTripper
	// Clock is the clock given to WithPlatformClock, so the client and the
	// platform keep one time; nil when the platform runs on the real clock.
	Clock retry.Clock
}

// HTTPClient returns a new *http.Client on Transport (the default
// transport when Transport is nil).
func (c ClientConfig) HTTPClient() *http.Client {
	return &http.Client{Transport: c.Transport}
}

// ClientOptions returns the SDK options that point a client at the
// flavour: credentials, then the transport, the login path, the header
// names and the clock when they are not the SDK's defaults. Pass them to
// client.New(c.BaseURL, ...) or to an app's constructor that passes
// options on; options given after them override them.
func (c ClientConfig) ClientOptions() []client.Option {
	opts := []client.Option{client.WithCredentials(c.AppID, c.Secret)}
	if c.Transport != nil {
		opts = append(opts, client.WithHTTPClient(c.HTTPClient()))
	}
	if c.LoginPath != DefaultLoginPath {
		opts = append(opts, client.WithLoginPath(c.LoginPath))
	}
	if c.AuthHeader != DefaultAuthHeader || c.CSRFHeader != DefaultCSRFHeader {
		opts = append(opts, client.WithHeaderNames(c.AuthHeader, c.CSRFHeader))
	}
	if c.Clock != nil {
		opts = append(opts, client.WithClock(c.Clock))
	}
	return opts
}

// clientConfig is the part of ClientConfig both flavours share.
func (p *platform) clientConfig(baseURL string, rt http.RoundTripper) ClientConfig {
	return ClientConfig{
		BaseURL:    baseURL,
		AppID:      DefaultAppID,
		Secret:     DefaultSecret,
		LoginPath:  p.cfg.loginPath,
		AuthHeader: p.cfg.authHeader,
		CSRFHeader: p.cfg.csrfHeader,
		Transport:  rt,
		Clock:      p.cfg.clock,
	}
}

// ClientConfig returns what a client of the app's own making needs to
// reach the Mock: its BaseURL, DefaultAppID's credentials, the Mock as the
// transport, and the platform's clock.
func (m *Mock) ClientConfig() ClientConfig { return m.clientConfig(m.BaseURL(), m) }

// ClientConfig returns what a client of the app's own making needs to
// reach the Server: its URL, DefaultAppID's credentials, the login path
// and header names, and the platform's clock.
func (s *Server) ClientConfig() ClientConfig { return s.clientConfig(s.URL, nil) }

// ClientOption returns the SDK option that sends a client's requests through
// the Mock. Each call wraps the Mock in a new *http.Client, so SDK clients
// never share (and reconfigure) one http.Client.
func (m *Mock) ClientOption() client.Option {
	return client.WithHTTPClient(&http.Client{Transport: m})
}

// NewClient returns an SDK client wired to the Mock:
// client.New(BaseURL, ClientConfig().ClientOptions()...), then opts, which
// override any of these.
func (m *Mock) NewClient(opts ...client.Option) (*client.Client, error) {
	cfg := m.ClientConfig()
	return client.New(cfg.BaseURL, append(cfg.ClientOptions(), opts...)...)
}

// NewClient returns an SDK client for the Server:
// client.New(URL, ClientConfig().ClientOptions()...), then opts, which
// override any of these.
func (s *Server) NewClient(opts ...client.Option) (*client.Client, error) {
	cfg := s.ClientConfig()
	return client.New(cfg.BaseURL, append(cfg.ClientOptions(), opts...)...)
}
