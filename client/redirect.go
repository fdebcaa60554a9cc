package client

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-resty/resty/v2"
)

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 10

// loginRequestKey marks the context of a login request, which follows no
// redirect.
type loginRequestKey struct{}

// RedirectError is a redirect the client refused to follow: to another
// origin (scheme, host or port), of a login request, one that would change
// the method (301, 302 or 303 answering a POST), or a loop. Nothing was sent
// to the redirect's target, and the call is not retried: the platform would
// answer the same.
type RedirectError struct {
	// Status is the redirect's HTTP status.
	Status int
	// Target is where it pointed: scheme and host, and the path when it
	// stays on the platform's origin; never the query.
	Target string
	// Reason says why it was refused.
	Reason string
}

// Error names the refused redirect.
func (e *RedirectError) Error() string {
	return "redirect " + strconv.Itoa(e.Status) + " to " + e.Target + " refused: " + e.Reason
}

// safeRedirects is the client's redirect policy. A redirect is followed only
// to the same origin, with the same method, for a call's request (never a
// login's), at most maxRedirects times and never back to a URL already
// visited; the Referer net/http would add (it carries the query) is dropped.
func safeRedirects() resty.RedirectPolicy {
	return resty.RedirectPolicyFunc(func(req *http.Request, via []*http.Request) error {
		first, prev := via[0], via[len(via)-1]
		refuse := func(reason string) error {
			target := req.URL.Scheme + "://" + req.URL.Host
			if sameOrigin(req.URL, first.URL) {
				target += req.URL.EscapedPath()
			}
			status := 0
			if req.Response != nil {
				status = req.Response.StatusCode
			}
			return &RedirectError{Status: status, Target: target, Reason: reason}
		}
		switch {
		case first.Context().Value(loginRequestKey{}) != nil:
			return refuse("a login request follows no redirect")
		case !sameOrigin(req.URL, first.URL):
			return refuse("another origin")
		case req.Method != prev.Method:
			return refuse("it would turn " + prev.Method + " into " + req.Method)
		case len(via) >= maxRedirects:
			return refuse("more than " + strconv.Itoa(maxRedirects) + " redirects")
		}
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return refuse("a redirect loop")
			}
		}
		req.Header.Del("Referer")
		return nil
	})
}

// sameOrigin compares scheme, host and port, with default ports spelt out.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}
