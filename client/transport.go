package client

import (
	"net"
	"net/http"
	"time"
)

// The pool of the transport New makes when the application brings no HTTP
// client of its own. net/http keeps 2 idle connections per host by default
// and resty 3 (GOMAXPROCS+1): an application whose goroutines share one
// Client then opens a new connection for most calls once more than a few
// run at once. The SDK keeps up to DefaultMaxIdleConnsPerHost.
const (
	// DefaultMaxIdleConnsPerHost is how many idle connections to the
	// platform the default transport keeps for reuse: enough for 256
	// concurrent calls on one Client to reuse their connections.
	DefaultMaxIdleConnsPerHost = 256
	// DefaultIdleConnTimeout is how long an idle connection is kept.
	DefaultIdleConnTimeout = 90 * time.Second
)

// newTransport returns the transport of a Client made without
// WithHTTPClient or WithRestyClient: proxy from the environment
// (HTTPS_PROXY, NO_PROXY), HTTP/2 when TLS negotiates it, bounded dial and
// TLS handshake times, and an idle pool sized for concurrent calls. There is
// no response-header timeout: a long poll may legitimately hold the answer;
// the caller's context and WithTimeout bound a call.
func newTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          2 * DefaultMaxIdleConnsPerHost,
		MaxIdleConnsPerHost:   DefaultMaxIdleConnsPerHost,
		IdleConnTimeout:       DefaultIdleConnTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
