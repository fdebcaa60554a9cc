package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// TestCallerMistakesAreInputErrorsBeforeSending makes each mistake SPEC §2
// lists and checks that it is an InputError naming the argument, that
// nothing was sent (no login either) and that Error() quotes no raw control
// byte.
func TestCallerMistakesAreInputErrorsBeforeSending(t *testing.T) {
	var out struct{ N int }
	var nilOut *struct{ N int }
	tests := []struct {
		name   string
		method string
		path   string
		out    any
		opts   []client.CallOption
		field  string
	}{
		{"out not a pointer", "POST", "/v1/x", out, nil, "out"},
		{"out a nil pointer", "POST", "/v1/x", nilOut, nil, "out"},
		{"method not a token", "G(T", "/v1/x", nil, nil, "method"},
		{"method with CRLF", "GET\r\nX-Evil: 1", "/v1/x", nil, nil, "method"},
		{"NUL in path", "GET", "/v1/x\x00y", nil, nil, "path"},
		{"DEL in path", "GET", "/v1/x\x7f", nil, nil, "path"},
		{"CRLF in path", "GET", "/v1/x\r\nHost: evil", nil, nil, "path"},
		{"tab in path", "GET", "/v1/\tx", nil, nil, "path"},
		{".. above the base path", "GET", "/../admin", nil, nil, "path"},
		{".. climbing past the first segment", "GET", "/v1/../../admin", nil, nil, "path"},
		{"encoded .. above the base path", "GET", "/%2E%2e/admin", nil, nil, "path"},
		{"half-encoded ..", "GET", "/v1/.%2e/%2e./admin", nil, nil, "path"},
		{".. with an encoded slash", "GET", "/..%2fadmin", nil, nil, "path"},
		{".. with encoded slashes past the first segment", "GET", "/v1/..%2F..%2fadmin", nil, nil, "path"},
		{".. with a backslash", "GET", "/..\\admin", nil, nil, "path"},
		{".. with an encoded backslash", "GET", "/..%5cadmin", nil, nil, "path"},
		{"doubly encoded ..", "GET", "/%252e%252e/admin", nil, nil, "path"},
		{"malformed %-escape", "GET", "/v1/%zz", nil, nil, "path"},
		{"cut %-escape", "GET", "/v1/a%", nil, nil, "path"},
		{"header name not a token", "GET", "/v1/x", nil, []client.CallOption{client.Header("X Bad", "v")}, "header"},
		{"CRLF in a header value", "GET", "/v1/x", nil, []client.CallOption{client.Header("X-Note", "a\r\nX-Evil: 1")}, "header"},
		{"NUL in a header value", "GET", "/v1/x", nil, []client.CallOption{client.Header("X-Note", "a\x00")}, "header"},
		{"CRLF in the idempotency key", "POST", "/v1/x", nil, []client.CallOption{client.IdempotencyKey("k\r\nX-Evil: 1")}, "idempotencyKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c := newClient(t, f, mock.NewFakeClock())
			err := c.Do(context.Background(), tt.method, tt.path, nil, tt.out, tt.opts...)
			var ie *client.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("err = %T %v, want an InputError on %s", err, err, tt.field)
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("Error() = %q holds a control character", err.Error())
			}
			if n := len(f.recorded()); n != 0 {
				t.Errorf("%d requests sent, want 0", n)
			}
			if c.Stats().RetryTokens != 500 {
				t.Errorf("retry budget = %d, want 500 untouched", c.Stats().RetryTokens)
			}
		})
	}
}

// TestPathsThatStayUnderTheBaseAreSent checks the other side of the ..
// rule: dot segments that stay under the base URL's path are the caller's
// business.
func TestPathsThatStayUnderTheBaseAreSent(t *testing.T) {
	for _, path := range []string{"/v1/a/../b", "/v1/./b", "/v1/..b/c", "/v1/b?next=/../../x", "/v1/..%2fb", "/v1/a%20b", "/v1/b?q=%zz"} {
		f := newFakeAPI(t)
		c := newClient(t, f, mock.NewFakeClock())
		err := c.Do(context.Background(), "GET", path, nil, nil)
		var ie *client.InputError
		if errors.As(err, &ie) {
			t.Errorf("%s: %v, want it sent", path, err)
		}
	}
}

// TestClientOptionsRefuseBadHeaders checks the headers given to New.
func TestClientOptionsRefuseBadHeaders(t *testing.T) {
	tests := []struct {
		name  string
		opt   client.Option
		field string
	}{
		{"header name not a token", client.WithHeader("X Tenant", "t"), "header"},
		{"CRLF in a header value", client.WithHeader("X-Tenant", "t\r\nX-Evil: 1"), "header"},
		{"CRLF in the user agent", client.WithUserAgent("sdk\r\nX-Evil: 1"), "userAgent"},
		{"session header name not a token", client.WithHeaderNames("Auth orization", "X-CSRF"), "headerNames"},
		{"idempotency header name not a token", client.WithIdempotencyHeader("Idem:Key"), "idempotencyHeader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New("http://127.0.0.1:1", tt.opt)
			var ie *client.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("err = %T %v, want an InputError on %s", err, err, tt.field)
			}
		})
	}
}

// TestBodyThatDoesNotFitIsNotRetried: a 2xx answer that parses but does not
// fit out comes back the same every time, so it costs one request and no
// budget; a truncated one is damage on the way and is retried for a GET.
func TestBodyThatDoesNotFitIsNotRetried(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/mismatch", ok(`{"N":"not a number"}`))
	f.on("GET", "/v1/truncated", reply{status: 200, body: `{"Response":{"N":`})
	c := newClient(t, f, mock.NewFakeClock())
	var out struct{ N int }
	err := c.Do(context.Background(), "GET", "/v1/mismatch", nil, &out)
	var de *apierrors.DecodeError
	if !errors.As(err, &de) || de.Attempts != 1 || f.count("GET", "/v1/mismatch") != 1 || c.Stats().RetryTokens != 500 {
		t.Errorf("does not fit: err %v, requests %d, budget %d; want a DecodeError after 1 request, budget 500", err, f.count("GET", "/v1/mismatch"), c.Stats().RetryTokens)
	}
	err = c.Do(context.Background(), "GET", "/v1/truncated", nil, &out)
	if !errors.As(err, &de) || de.Attempts != 3 || f.count("GET", "/v1/truncated") != 3 {
		t.Errorf("truncated: err %v, requests %d; want a DecodeError after 3 requests", err, f.count("GET", "/v1/truncated"))
	}
}
