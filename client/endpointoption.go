package client

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Defaults of the endpoint options.
const (
	// DefaultEndpointCoolOff is how long an endpoint that failed is set
	// aside (WithEndpointCoolOff), before jitter.
	DefaultEndpointCoolOff = 30 * time.Second
	// EndpointResolveInterval is how often, at most, the resolver of
	// WithEndpointResolver is asked when no 20013 asks for it sooner.
	EndpointResolveInterval = 5 * time.Minute
)

// WithEndpoints adds fallbacks after the base URL given to New: other
// gateways of the same platform, reached with the same paths and sessions
// (the client's one session store serves them all).
//
// Every attempt goes to the first healthy endpoint in order. One that fails
// — a transport error, HTTP 502, 503 or 504 without a platform code, or
// 20013 (the server address could not be found) — is set aside for a
// jittered cool-off (WithEndpointCoolOff), and the call's next attempt goes
// to the next healthy endpoint at once, without a backoff sleep; it is still
// an attempt of the retry policy and pays the retry budget, and a call that
// may have reached the failed endpoint is sent again only when the policy
// would resend it anyway (an idempotent call, or one with IdempotencyKey).
// When every endpoint is set aside, the normal backoff applies. After its
// cool-off an endpoint is tried again by one call; its success makes it the
// preferred endpoint again.
//
// With WithCircuitBreaker each endpoint has its own breaker, and a call
// fails with ErrCircuitOpen only when all of them are open. A URL that New
// would not take as its base URL is an *InputError.
func WithEndpoints(urls ...string) Option {
	return func(c *config) error {
		if len(urls) == 0 {
			return &InputError{Field: "endpoints", Reason: "no URL"}
		}
		list := make([]string, 0, len(urls))
		for _, raw := range urls {
			base, err := parseBase("endpoints", raw)
			if err != nil {
				return err
			}
			list = append(list, base)
		}
		c.endpoints = append(c.endpoints, list...)
		return nil
	}
}

// WithEndpointResolver lets resolve supply the client's endpoints (see
// WithEndpoints) instead of a fixed list: base URLs in the order they are
// preferred. It is asked at the client's first call, again after an answer
// 20013 (the server address could not be found), and otherwise at most
// every EndpointResolveInterval, with the context of the call that needs
// it; one call asks while the others carry on with the list they have.
// Until its first answer, and whenever it fails or returns no usable URL,
// the client keeps its last list (at first the base URL of New and those of
// WithEndpoints). URLs it returns that New would not take are left out.
func WithEndpointResolver(resolve func(ctx context.Context) ([]string, error)) Option {
	return func(c *config) error {
		if resolve == nil {
			return &InputError{Field: "endpointResolver", Reason: "nil function"}
		}
		c.resolver = resolve
		return nil
	}
}

// WithEndpointCoolOff sets how long an endpoint that failed is set aside
// before one call tries it again (default 30 s). Each cool-off is jittered
// down by up to a fifth, so clients that saw the same failure do not all
// come back at once, and never lasts longer than d.
func WithEndpointCoolOff(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &InputError{Field: "endpointCoolOff", Reason: "must be positive"}
		}
		c.coolOff = d
		return nil
	}
}

// EndpointInfo is a change in an endpoint's health, for
// Observer.EndpointChange.
type EndpointInfo struct {
	// URL is the endpoint's base URL.
	URL string
	// SetAside is true when the endpoint has just been set aside, for
	// CoolOff, after the attempt that failed with Err; false when it has
	// answered again and is back in use.
	SetAside bool
	// CoolOff is how long it is set aside.
	CoolOff time.Duration
	// Err is the failure that set it aside.
	Err error
}

// parseBase checks a base URL as New does and returns it without its
// trailing slash.
func parseBase(field, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", &InputError{Field: field, Reason: "not a URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", &InputError{Field: field, Reason: "want http(s)://host[/prefix]"}
	}
	// A "?" or "#" with nothing after it leaves RawQuery and Fragment
	// empty, yet a path appended to the URL would land in them.
	if strings.ContainsAny(raw, "?#") || u.User != nil {
		return "", &InputError{Field: field, Reason: "must not carry a query, fragment or user info"}
	}
	return strings.TrimRight(u.String(), "/"), nil
}
