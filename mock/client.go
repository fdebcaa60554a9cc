package mock

import (
	"net/http"

	"github.com/devcloud/devcloud-go/client"
)

// ClientOption returns the SDK option that sends a client's requests through
// the Mock. Each call wraps the Mock's transport in a new *http.Client, so
// SDK clients never share (and reconfigure) one http.Client.
func (m *Mock) ClientOption() client.Option {
	return client.WithHTTPClient(&http.Client{Transport: m.transport})
}

// NewClient returns an SDK client wired to the Mock: BaseURL, the Mock's
// transport, DefaultAppID's credentials and the Mock's login path. opts come
// last, so they override any of these.
func (m *Mock) NewClient(opts ...client.Option) (*client.Client, error) {
	base := []client.Option{m.ClientOption(), client.WithCredentials(DefaultAppID, DefaultSecret)}
	if m.cfg.loginPath != DefaultLoginPath {
		base = append(base, client.WithLoginPath(m.cfg.loginPath))
	}
	return client.New(m.BaseURL(), append(base, opts...)...)
}

// NewClient returns an SDK client for the Server: its URL, DefaultAppID's
// credentials, and the Server's login path and header names when they are
// not the defaults. opts come last, so they override any of these.
func (s *Server) NewClient(opts ...client.Option) (*client.Client, error) {
	base := []client.Option{client.WithCredentials(DefaultAppID, DefaultSecret)}
	if s.cfg.loginPath != DefaultLoginPath {
		base = append(base, client.WithLoginPath(s.cfg.loginPath))
	}
	if s.cfg.authHeader != DefaultAuthHeader || s.cfg.csrfHeader != DefaultCSRFHeader {
		base = append(base, client.WithHeaderNames(s.cfg.authHeader, s.cfg.csrfHeader))
	}
	return client.New(s.URL, append(base, opts...)...)
}
