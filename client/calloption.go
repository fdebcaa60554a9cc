package client

import "net/url"

// CallOption adjusts one call of Do.
type CallOption func(*callConfig)

type callConfig struct {
	noRetry        bool
	idempotent     *bool
	idempotencyKey string
	headers        [][2]string
	query          url.Values
	contentType    string                  // ContentType
	progress       func(done, total int64) // Progress
}

// NoRetry makes one attempt only: no retries, no relogin replay.
func NoRetry() CallOption { return func(c *callConfig) { c.noRetry = true } }

// Idempotent declares whether the call may safely be repeated, overriding the
// method's default (GET, HEAD, OPTIONS, PUT and DELETE are; POST and PATCH are
// not). Idempotent calls are retried on HTTP 500 and after a connection that
// may have reached the server.
func Idempotent(yes bool) CallOption { return func(c *callConfig) { c.idempotent = &yes } }

// IdempotencyKey sets the call's Idempotency-Key instead of a generated one.
// Every attempt of the call carries the same key. It also says the platform
// honours the key, so a non-idempotent call is retried after a connection
// that may have reached the server (a reset, a timeout); with only the
// generated key it is not, as a platform that ignores keys would act twice.
func IdempotencyKey(key string) CallOption {
	return func(c *callConfig) { c.idempotencyKey = key }
}

// Header sets a request header on every attempt of the call. It replaces
// whatever the client would send under that name — a WithHeader default,
// the session's Authorization or X-CSRF-Token, the Idempotency-Key — so the
// platform never sees two values; several Header options with the same
// name send all their values. A session header set this way is redacted
// from errors like the session's own, and a session code answered to it is
// the call's error: it condemns neither the client's session nor logs in.
func Header(key, value string) CallOption {
	return func(c *callConfig) { c.headers = append(c.headers, [2]string{key, value}) }
}

// Query adds query parameters. Their values never appear in errors or logs.
func Query(v url.Values) CallOption {
	return func(c *callConfig) {
		if c.query == nil {
			c.query = make(url.Values, len(v))
		}
		for k, vs := range v {
			c.query[k] = append(c.query[k], vs...)
		}
	}
}
