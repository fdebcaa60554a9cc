package client

import (
	"context"
	"net/http"
	"strings"
)

// sessionHeaders are the header values of one session, made once and
// shared by every request that carries it: building "Bearer "+token and two
// one-element slices cost every call three allocations. resty clones the
// header map, values included, before sending, and the slices have no room
// to append into, so no request writes into them.
type sessionHeaders struct {
	token, csrf string
	auth, csrfv []string
}

// headersOf returns the header values of sess, from the last session's if
// they are the same.
func (c *Client) headersOf(sess Session) *sessionHeaders {
	if p := c.sessHeaders.Load(); p != nil && p.token == sess.Token && p.csrf == sess.CSRFToken {
		return p
	}
	p := &sessionHeaders{token: sess.Token, csrf: sess.CSRFToken}
	if sess.Token != "" {
		p.auth = []string{"Bearer " + sess.Token}
	}
	if sess.CSRFToken != "" {
		p.csrfv = []string{sess.CSRFToken}
	}
	c.sessHeaders.Store(p)
	return p
}

// headerStep sets the request's headers: the client's own, the session's,
// the idempotency key and the call's.
type headerStep struct{ c *Client }

func (s headerStep) run(ctx context.Context, a *exchange) result {
	c, k, h := s.c, a.k, a.header
	for key, v := range c.headers {
		// Clipped, so a per-call Add copies instead of writing into the
		// client's shared slice.
		h[key] = v[:len(v):len(v)]
	}
	sh := c.headersOf(k.sess)
	if sh.auth != nil {
		h[c.auth] = sh.auth
	}
	if sh.csrfv != nil {
		h[c.csrf] = sh.csrfv
	}
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
	return a.next(ctx)
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
