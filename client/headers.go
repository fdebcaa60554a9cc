package client

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// sessionHeaders are the headers of one session's requests, made once and
// shared by every request that carries it: the client's own headers and
// the session's, which a request's header map starts as a copy of (one
// copy of a small map costs less than setting its entries one by one).
// Every value slice has no room to append into, so a request that adds to
// one copies it, and no request writes into them; resty clones the map,
// values included, before sending.
type sessionHeaders struct {
	token, csrf string
	template    http.Header
}

// headersOf returns the headers of sess, the last session's if they are
// the same.
func (c *Client) headersOf(sess Session) *sessionHeaders {
	if p := c.sessHeaders.Load(); p != nil && p.token == sess.Token && p.csrf == sess.CSRFToken {
		return p
	}
	p := &sessionHeaders{token: sess.Token, csrf: sess.CSRFToken, template: make(http.Header, len(c.headers)+2)}
	for key, v := range c.headers {
		p.template[key] = slices.Clip(v)
	}
	if sess.Token != "" {
		p.template[c.auth] = []string{"Bearer " + sess.Token}
	}
	if sess.CSRFToken != "" {
		p.template[c.csrf] = []string{sess.CSRFToken}
	}
	c.sessHeaders.Store(p)
	return p
}

// headerStep sets the request's headers: the client's own, the session's,
// the idempotency key and the call's.
type headerStep struct{ c *Client }

func (s headerStep) run(ctx context.Context, a *exchange) result {
	s.c.setHeaders(a)
	return a.next(ctx)
}

// setHeaders fills in the headers of a. It is headerStep's work, apart so
// that its frame is off the stack while the rest of the exchange runs: a
// call's steps nest, and a goroutine's stack must hold them all.
func (c *Client) setHeaders(a *exchange) {
	k := a.k
	sh := c.headersOf(k.sess)
	if a.header == nil {
		a.header = maps.Clone(sh.template)
	} else {
		// An observer's AttemptStart added its own (trace context).
		for key, v := range sh.template {
			a.header[key] = v
		}
	}
	h := a.header
	if k.idemKey != "" {
		h[c.idem] = []string{k.idemKey}
	}
	for i, kv := range k.opts.headers {
		if !namedBefore(k.opts.headers[:i], kv[0]) {
			// The call's header replaces what the client would send
			// under that name, its session's included: a server seeing
			// two Authorization values may take either.
			c.unset(h, kv[0])
		}
		h.Add(kv[0], kv[1])
	}
	if k.body != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	if k.upload != nil || k.download != nil || k.opts.contentType != "" {
		streamHeaders(h, k)
	}
}

// unset removes name from h, also under the spelling the client's own
// header names were given in (WithHeaderNames, WithIdempotencyHeader).
func (c *Client) unset(h http.Header, name string) {
	h.Del(name)
	for _, own := range [...]string{c.auth, c.csrf, c.idem} {
		if strings.EqualFold(own, name) {
			delete(h, own)
		}
	}
}

// namedBefore reports whether one of kvs has the header name name.
func namedBefore(kvs [][2]string, name string) bool {
	for _, kv := range kvs {
		if strings.EqualFold(kv[0], name) {
			return true
		}
	}
	return false
}
