package client

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// redactedText replaces a secret in text the server sent back.
const redactedText = "[redacted]"

// minRedacted is the shortest value redacted: replacing every "1" or "on"
// of a message would garble it and hide nothing.
const minRedacted = 3

// redactor takes out of server-provided text the values a request carried
// that must never be shown: the session token and CSRF token, the secret, the
// login signature, the query values and what the request body carried. A platform or proxy that echoes the
// request in its error message or page would otherwise put them into
// Error(), logs and hooks.
type redactor struct {
	secrets []string // longest first, so a secret inside another goes with it
}

// newRedactor returns a redactor for values, in the forms they take on the
// wire and in a JSON body: as they are, query- and path-escaped, and
// JSON-escaped.
func newRedactor(values ...string) *redactor {
	return (&redactor{}).with(values...)
}

// with returns a redactor for r's secrets and values.
func (r *redactor) with(values ...string) *redactor {
	out := &redactor{secrets: slices.Clip(r.secrets)}
	for _, v := range values {
		if len(v) < minRedacted {
			continue
		}
		out.secrets = append(out.secrets, v, url.QueryEscape(v), url.PathEscape(v))
		if b, err := json.Marshal(v); err == nil {
			out.secrets = append(out.secrets, string(b[1:len(b)-1]))
		}
	}
	slices.SortFunc(out.secrets, func(a, b string) int { return len(b) - len(a) })
	out.secrets = slices.Compact(out.secrets)
	return out
}

// sessionSecrets is the redactor of one session's secrets, made once for
// all the errors of its calls.
type sessionSecrets struct {
	token, csrf string
	sig         *string // the login signature it was made with
	r           *redactor
}

// sessionRedactor returns the redactor of the secrets every call of sess
// carries: its tokens, the client's secret and the last login's signature.
// It is the last one's when they are the same.
func (c *Client) sessionRedactor(sess Session) *redactor {
	sig := c.loginSig.Load()
	if p := c.secrets.Load(); p != nil && p.token == sess.Token && p.csrf == sess.CSRFToken && p.sig == sig {
		return p.r
	}
	values := []string{sess.Token, sess.CSRFToken, c.secret}
	if sig != nil {
		values = append(values, *sig)
	}
	p := &sessionSecrets{token: sess.Token, csrf: sess.CSRFToken, sig: sig, r: newRedactor(values...)}
	c.secrets.Store(p)
	return p.r
}

// longest is the length of the longest secret.
func (r *redactor) longest() int {
	if len(r.secrets) == 0 {
		return 0
	}
	return len(r.secrets[0])
}

// text returns s with every secret replaced.
func (r *redactor) text(s string) string {
	for _, v := range r.secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redactedText)
		}
	}
	return s
}

// snippet returns the start of body, at most maxSnippet bytes, with every
// secret replaced. It redacts a window long enough that a secret cut by the
// window's end could only start after the snippet's end.
func (r *redactor) snippet(body []byte) string {
	body = trimSpace(body)
	want := maxSnippet + r.longest()
	n := min(len(body), want)
	for {
		s := r.text(string(body[:n]))
		if len(s) >= want || n == len(body) {
			return snippet([]byte(s))
		}
		n = min(len(body), 2*n)
	}
}

// error redacts what the server put into err, a fresh error of one attempt
// that nobody has seen yet: the message, raw code, request id and body
// snippets of an APIError or DecodeError, and the text of a TransportError's
// cause (a malformed response's bytes may be quoted there). body is the
// response body the error was decoded from.
func (r *redactor) error(err error, body []byte) error {
	if c := apierrors.CallOf(err); c != nil {
		c.RequestID = r.text(c.RequestID)
	}
	switch e := err.(type) {
	case *apierrors.APIError:
		e.Message, e.RawCode = r.text(e.Message), r.text(e.RawCode)
		if e.Body != "" {
			e.Body = r.snippet(body)
		}
	case *apierrors.DecodeError:
		if e.Snippet != "" {
			e.Snippet = r.snippet(body)
		}
	case *apierrors.TransportError:
		if e.Err != nil {
			if s := e.Err.Error(); r.text(s) != s {
				e.Err = &redactedError{msg: r.text(s), err: e.Err}
			}
		}
	}
	return err
}

// redactedError shows a cause's text with the secrets taken out, and still
// unwraps to it so errors.Is and errors.As see through.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact takes the secrets of req and sess out of err, a fresh error of one
// attempt, before any hook, log or caller sees it. A login's DecodeError
// keeps no snippet at all: a login body that does not fit still carries the
// new session's tokens, which nothing else knows to redact.
func (c *Client) redact(k *call, sess Session, err error, body []byte) error {
	if k.login {
		if de, ok := err.(*apierrors.DecodeError); ok {
			de.Snippet = ""
		}
	}
	// The session's secrets are redacted by a redactor made once per
	// session; a call that carried values of its own (a query, a body,
	// its own session header) adds them.
	values := slices.Clip(k.hidden)
	values = append(values, queryValues(k.path, k.opts.query)...)
	if !k.login { // the login's secret, its signature, is hidden already
		values = append(values, bodyValues(k.body)...)
	}
	for _, kv := range k.opts.headers {
		if strings.EqualFold(kv[0], c.auth) || strings.EqualFold(kv[0], c.csrf) {
			values = append(values, kv[1], strings.TrimPrefix(kv[1], "Bearer "))
		}
	}
	r := c.sessionRedactor(sess)
	if len(values) > 0 {
		r = r.with(values...)
	}
	return r.error(err, body)
}

// maxBodyScan bounds the request bodies whose values are redacted one by
// one; a larger body is redacted whole only.
const maxBodyScan = 1 << 20

// minNumber is the shortest number of a JSON body redacted: a PIN or a card
// number, not a page size.
const minNumber = 4

// bodyValues returns what of a request body its errors must never show: a
// platform that echoes the request in its message would otherwise put
// whatever the body carried (a password, a PIN, a WeChat code) into
// Error(), logs and spans. That is the body as sent, and every string value
// and number of at least minNumber digits of a JSON body, at any depth (keys
// excluded), or every value of a form body.
func bodyValues(body []byte) []string {
	if len(body) < minRedacted {
		return nil
	}
	out := []string{string(body)}
	if len(body) > maxBodyScan {
		return out
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, vs := range form {
				out = append(out, vs...)
			}
		}
		return out
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			if len(v) >= minNumber {
				out = append(out, string(v))
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// queryValues returns the values of path's query and of q, the values a
// call's errors must never show.
func queryValues(path string, q url.Values) []string {
	var out []string
	if i := strings.IndexByte(path, '?'); i >= 0 {
		raw := path[i+1:]
		if j := strings.IndexByte(raw, '#'); j >= 0 {
			raw = raw[:j]
		}
		for _, kv := range strings.Split(raw, "&") {
			if _, v, ok := strings.Cut(kv, "="); ok && v != "" {
				out = append(out, v)
				if u, err := url.QueryUnescape(v); err == nil && u != v {
					out = append(out, u)
				}
			}
		}
	}
	for _, vs := range q {
		out = append(out, vs...)
	}
	return out
}

// redactedURL returns k's absolute URL at base with every query value replaced by
// REDACTED: the keys say what was asked, the values may be secrets.
func redactedURL(base string, k *call) string {
	if len(k.opts.query) == 0 && len(k.name) == len(k.path) {
		return base + k.name // no query: nothing to redact
	}
	var b strings.Builder
	b.WriteString(base)
	b.WriteString(k.name)
	sep := byte('?')
	add := func(key string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(key)
		b.WriteString("=REDACTED")
	}
	if _, q, ok := strings.Cut(k.path, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		for part := range strings.SplitSeq(q, "&") {
			if key, _, _ := strings.Cut(part, "="); key != "" {
				add(key)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(k.opts.query)) {
		for range k.opts.query[key] {
			add(url.QueryEscape(key))
		}
	}
	return b.String()
}
