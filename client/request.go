package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// How a request reaches the wire. A resty client the caller gave
// (WithRestyClient) may carry hooks and middleware of its own, so each
// request goes through its Execute as resty builds it. A client the SDK
// made itself (the default, or around WithHTTPClient's) has none: there the
// SDK builds the *http.Request and sends it with resty's *http.Client — the
// same transport and redirect policy — skipping resty's request
// building, which costs a call a dozen allocations (six maps in R, the
// header map cloned, the URL parsed twice) and nothing else. The request is
// the one resty would have built: the same method, URL and query, the same
// headers, a body that is a *bytes.Reader net/http can rewind, an empty
// body (Content-Length: 0) for a bodyless method that may carry one, the
// Host of a caller's "Host" header.

// target is a base URL the client sends to, parsed once.
type target struct {
	base string  // as the exchange names it
	u    url.URL // parsed
	host string  // the request's Host: u.Host without an empty port
	fast bool    // u has no escaped path: a plain path is set on a copy
	// bare is the request a bodyless call's starts as a copy of: what
	// http.NewRequest sets that does not depend on the call.
	bare *http.Request
}

// newTarget parses base, a URL New has checked.
func newTarget(base string) *target {
	u, err := url.Parse(base)
	if err != nil {
		return &target{base: base}
	}
	// An empty port goes, as http.NewRequest drops it, from the URL too.
	host := strings.TrimSuffix(u.Host, ":")
	u.Host = host
	bare := &http.Request{Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: host}
	return &target{base: base, u: *u, host: host, fast: u.RawPath == "", bare: bare}
}

// newRequest builds the request of the exchange a for ctx, with the headers
// the steps set.
func (c *Client) newRequest(ctx context.Context, a *exchange) (*http.Request, error) {
	k := a.k
	var body io.Reader
	switch {
	case k.body != nil:
		body = bytes.NewReader(k.body)
	case carriesBody(k.method):
		body = http.NoBody
	}
	t := c.target
	if t == nil || t.base != a.base || !t.fast || !plainPath(k.path) {
		// An endpoint's URL, or a path with escapes or a query: parsed
		// as a whole.
		req, err := http.NewRequestWithContext(ctx, k.method, a.base+k.path, body)
		if err != nil {
			return nil, err
		}
		return c.finishRequest(req, a), nil
	}
	// The common call: the base URL parsed once, a path that needs no
	// unescaping set on a copy of it.
	if body == nil && ctx != nil && standardMethod(k.method) {
		// Without a body, the request is all set but its context, method,
		// URL and headers: it starts as a copy of the bare one, not as
		// http.NewRequest's, which would parse a URL and make a header
		// map, both replaced.
		req := t.bare.WithContext(ctx)
		req.Method = k.method
		// The first request's URL lives in the call, on the heap
		// already. Any later one has its own: a request given up on (its
		// deadline passed) may still be read by the transport.
		u := &k.url
		if k.urlTaken {
			u = new(url.URL)
		}
		k.urlTaken = true
		*u = t.u
		u.Path = t.u.Path + k.path
		req.URL = u
		return c.finishRequest(req, a), nil
	}
	// The request's URL is the empty one net/http parses from "",
	// overwritten.
	req, err := http.NewRequestWithContext(ctx, k.method, "", body)
	if err != nil {
		return nil, err
	}
	*req.URL = t.u
	req.URL.Path = t.u.Path + k.path
	req.Host = t.host
	return c.finishRequest(req, a), nil
}

// finishRequest adds the call's query and headers to req.
func (c *Client) finishRequest(req *http.Request, a *exchange) *http.Request {
	if q := a.k.opts.query; len(q) > 0 {
		if req.URL.RawQuery == "" {
			req.URL.RawQuery = q.Encode()
		} else {
			req.URL.RawQuery += "&" + q.Encode()
		}
	}
	req.Header = a.header
	if h := a.header.Get("Host"); h != "" {
		req.Host = h
	}
	return req
}

// standardMethod reports whether method is one of net/http's, which
// http.NewRequest would accept.
func standardMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// carriesBody reports whether a request of method may carry a body: resty
// sends an empty one for those, and net/http then says Content-Length: 0.
func carriesBody(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// plainPath reports whether path is one url.Parse would keep as it is, with
// no RawPath: letters, digits and the path's unescaped punctuation only.
func plainPath(path string) bool {
	for i := 0; i < len(path); i++ {
		switch b := path[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("-._~/$&+,:;=@", b) >= 0:
		default:
			return false
		}
	}
	return true
}
