package errors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// canary stands for a token, secret or signature; it must never reach Error().
const canary = "CANARY-5ecret-t0ken"

func TestAPIErrorErrorFormatsOneLine(t *testing.T) {
	tests := []struct {
		name string
		err  *apierrors.APIError
		want string
	}{
		{
			"logic code with everything",
			&apierrors.APIError{Code: 20005, Message: "push timed out", HTTPStatus: 200, Call: apierrors.Call{RequestID: "req-1", Attempts: 3, Method: "POST", Path: "/v1/messages"}},
			`devcloud: POST /v1/messages: code 20005 发送消息超时 (sending the message timed out), HTTP 200: "push timed out" (request id "req-1", 3 attempts)`,
		},
		{
			"singular attempt",
			&apierrors.APIError{Code: 10001, Message: "please log in", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r", Attempts: 1, Method: "GET", Path: "/v1/devices"}},
			`devcloud: GET /v1/devices: code 10001 未登录 (not logged in, or the session is gone), HTTP 200: "please log in" (request id "r", 1 attempt)`,
		},
		{
			"HTTP-level failure does not repeat the status",
			&apierrors.APIError{Code: 502, HTTPStatus: 502, Body: "<html>bad gateway</html>", Call: apierrors.Call{Attempts: 1, Method: "GET", Path: "/v1/x"}},
			`devcloud: GET /v1/x: code 502 网关错误，服务不可用 (bad gateway: the service is unavailable) (1 attempt)`,
		},
		{
			"unknown logic code",
			&apierrors.APIError{Code: 99999, Message: "odd", HTTPStatus: 200, Call: apierrors.Call{Attempts: 2}},
			`devcloud: code 99999, HTTP 200: "odd" (2 attempts)`,
		},
		{
			"unknown HTTP status with Retry-After",
			&apierrors.APIError{Code: 429, HTTPStatus: 429, RetryAfter: 2 * time.Second, Call: apierrors.Call{Attempts: 1, Method: "GET", Path: "/v1/x"}},
			`devcloud: GET /v1/x: code 429 (1 attempt) retry after 2s`,
		},
		{
			"non-numeric code",
			&apierrors.APIError{RawCode: "E_BAD", Message: "m", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r2"}},
			`devcloud: code "E_BAD", HTTP 200: "m" (request id "r2")`,
		},
		{
			"cause after the tail",
			&apierrors.APIError{Code: 20022, HTTPStatus: 200, Err: context.Canceled, Call: apierrors.Call{Attempts: 2}},
			`devcloud: code 20022 消息服务异常 (the message service failed), HTTP 200 (2 attempts): context canceled`,
		},
		{
			"server message with a newline is quoted",
			&apierrors.APIError{Code: 400, HTTPStatus: 400, Message: "line 1\nline 2"},
			`devcloud: code 400 请求不合法，包体格式错误 (bad request: the request body is malformed): "line 1\nline 2"`,
		},
		{
			"multi-line cause is flattened",
			&apierrors.APIError{Code: 503, HTTPStatus: 503, Err: errors.Join(errors.New("budget exhausted"), context.DeadlineExceeded)},
			`devcloud: code 503 服务不可用 (the service is unavailable): budget exhausted; context deadline exceeded`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.err.Error()
			if got != tt.want {
				t.Errorf("Error() =\n  %s\nwant\n  %s", got, tt.want)
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("Error() spans several lines: %q", got)
			}
		})
	}
}

func TestAPIErrorMatchesItsCodeOnly(t *testing.T) {
	base := &apierrors.APIError{Code: apierrors.SendMessageTimeout, HTTPStatus: 200, Call: apierrors.Call{Attempts: 3}}
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"own code", base, apierrors.Code(20005), true},
		{"own named constant", base, apierrors.SendMessageTimeout, true},
		{"another code", base, apierrors.Code(20022), false},
		{"HTTP status is not the code", base, apierrors.Code(200), false},
		{"wrapped once", fmt.Errorf("send: %w", base), apierrors.Code(20005), true},
		{"wrapped twice", fmt.Errorf("job 7: %w", fmt.Errorf("send: %w", base)), apierrors.SendMessageTimeout, true},
		{"wrapped, another code", fmt.Errorf("send: %w", base), apierrors.NotLoggedIn, false},
		{"unknown code still matches", &apierrors.APIError{Code: 99999}, apierrors.Code(99999), true},
		{"HTTP 429 matches", &apierrors.APIError{Code: 429, HTTPStatus: 429}, apierrors.Code(429), true},
		{"non-numeric code matches no Code", &apierrors.APIError{RawCode: "E_BAD"}, apierrors.Code(0), false},
		{"cause matches beside the code", &apierrors.APIError{Code: 20005, Err: context.Canceled}, context.Canceled, true},
		{"code matches beside the cause", &apierrors.APIError{Code: 20005, Err: context.Canceled}, apierrors.Code(20005), true},
		{"no cause", base, context.Canceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestAPIErrorAsAndUnwrap(t *testing.T) {
	orig := &apierrors.APIError{Code: 10001, Err: context.DeadlineExceeded, Call: apierrors.Call{RequestID: "req-9", Attempts: 2}}
	err := fmt.Errorf("listing devices: %w", orig)

	var ae *apierrors.APIError
	if !errors.As(err, &ae) {
		t.Fatal("errors.As(*APIError) = false, want true")
	}
	if ae != orig || ae.Code != 10001 || ae.RequestID != "req-9" || ae.Attempts != 2 {
		t.Errorf("errors.As gave %+v, want the original error", ae)
	}
	if got := ae.Unwrap(); got != context.DeadlineExceeded {
		t.Errorf("Unwrap() = %v, want context.DeadlineExceeded", got)
	}
	if got := (&apierrors.APIError{Code: 1}).Unwrap(); got != nil {
		t.Errorf("Unwrap() without a cause = %v, want nil", got)
	}
	var c apierrors.Code
	if errors.As(err, &c) {
		t.Errorf("errors.As(Code) = true (%d), want false: the code is a field, not a wrapped error", c)
	}
}

func TestErrorsNeverShowQueryValuesOrBodies(t *testing.T) {
	urlErr := &url.Error{
		Op:  "Post",
		URL: "https://api.example.com/v1/devices?sig=" + canary + "#" + canary,
		Err: errors.New("dial tcp 127.0.0.1:443: connect: connection refused"),
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			"APIError path query and body",
			&apierrors.APIError{Code: 400, HTTPStatus: 400, Body: `{"token":"` + canary + `"}`, Call: apierrors.Call{Method: "GET", Path: "/v1/devices?token=" + canary, Attempts: 1}},
			`devcloud: GET /v1/devices: code 400 请求不合法，包体格式错误 (bad request: the request body is malformed) (1 attempt)`,
		},
		{
			"APIError path fragment",
			&apierrors.APIError{Code: 404, HTTPStatus: 404, Call: apierrors.Call{Method: "GET", Path: "/v1/a#" + canary}},
			`devcloud: GET /v1/a: code 404 请求失败 (the request failed: not found)`,
		},
		{
			"APIError cause wrapping a url.Error",
			&apierrors.APIError{Code: 503, HTTPStatus: 503, Err: fmt.Errorf("retry budget exhausted: %w", urlErr), Call: apierrors.Call{Attempts: 3}},
			`devcloud: code 503 服务不可用 (the service is unavailable) (3 attempts): retry budget exhausted: dial tcp 127.0.0.1:443: connect: connection refused`,
		},
		{
			"DecodeError snippet and query",
			&apierrors.DecodeError{HTTPStatus: 200, Reason: "not JSON", BodyLen: 40, Snippet: "token=" + canary, Err: errors.New("invalid character 'o'"), Call: apierrors.Call{RequestID: "r", Attempts: 1, Method: "GET", Path: "/v1/x?k=" + canary}},
			`devcloud: GET /v1/x: cannot decode response body (not JSON): HTTP 200, 40 bytes (request id "r", 1 attempt)`,
		},
		{
			"TransportError url.Error",
			&apierrors.TransportError{Err: urlErr, Call: apierrors.Call{Method: "POST", Path: "/v1/devices?sig=" + canary, Attempts: 2}},
			`devcloud: POST /v1/devices: transport: dial tcp 127.0.0.1:443: connect: connection refused (2 attempts)`,
		},
		{
			"TransportError wrapped url.Error keeps the wrapping text",
			&apierrors.TransportError{Err: fmt.Errorf("attempt 1: %w", urlErr), Call: apierrors.Call{Method: "POST", Path: "/v1/devices", Attempts: 1}},
			`devcloud: POST /v1/devices: transport: attempt 1: dial tcp 127.0.0.1:443: connect: connection refused (1 attempt)`,
		},
		{
			"TransportError url.Error inside a joined error",
			&apierrors.TransportError{Err: errors.Join(errors.New("gave up"), urlErr), Call: apierrors.Call{Method: "GET", Path: "/v1/x"}},
			`devcloud: GET /v1/x: transport: gave up; dial tcp 127.0.0.1:443: connect: connection refused`,
		},
		{
			"TransportError URL quoted by someone else",
			&apierrors.TransportError{Err: fmt.Errorf("fetching %q: %w", urlErr.URL, urlErr), Call: apierrors.Call{Method: "GET", Path: "/v1/x"}},
			`devcloud: GET /v1/x: transport: fetching "https://api.example.com/v1/devices": dial tcp 127.0.0.1:443: connect: connection refused`,
		},
		{
			"TransportError without a cause",
			&apierrors.TransportError{Call: apierrors.Call{Method: "GET", Path: "/v1/x?k=" + canary}},
			`devcloud: GET /v1/x: transport: no response`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.err.Error()
			if got != tt.want {
				t.Errorf("Error() =\n  %s\nwant\n  %s", got, tt.want)
			}
			if strings.Contains(got, canary) {
				t.Errorf("Error() leaks the canary: %s", got)
			}
			if strings.Contains(got, "?") || strings.ContainsAny(got, "\r\n") {
				t.Errorf("Error() shows a query or spans lines: %q", got)
			}
		})
	}
}

func TestTransportErrorUnwrapsToItsCause(t *testing.T) {
	urlErr := &url.Error{Op: "Get", URL: "https://h/x?sig=" + canary, Err: context.DeadlineExceeded}
	err := fmt.Errorf("call: %w", &apierrors.TransportError{Err: urlErr, Call: apierrors.Call{Method: "GET", Path: "/x", Attempts: 1}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is(err, context.DeadlineExceeded) = false, want true")
	}
	var ue *url.Error
	if !errors.As(err, &ue) || ue != urlErr {
		t.Errorf("errors.As(*url.Error) gave %v, want the original", ue)
	}
	var te *apierrors.TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Errorf("errors.As(*TransportError) gave %+v", te)
	}
	if _, ok := apierrors.CodeOf(err); ok {
		t.Error("CodeOf(transport error) reports a code, want none")
	}
}

func TestDecodeErrorUnwrapsToTheJSONError(t *testing.T) {
	var v map[string]any
	jsonErr := json.Unmarshal([]byte("<html>"), &v)
	err := fmt.Errorf("get: %w", &apierrors.DecodeError{HTTPStatus: 200, Reason: "not JSON", BodyLen: 6, Snippet: "<html>", Err: jsonErr})
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("errors.As(*json.SyntaxError) = false for %v", err)
	}
	var de *apierrors.DecodeError
	if !errors.As(err, &de) || de.Snippet != "<html>" || de.BodyLen != 6 {
		t.Errorf("errors.As(*DecodeError) gave %+v", de)
	}
	if got, want := de.Error(), "devcloud: cannot decode response body (not JSON): HTTP 200, 6 bytes"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestLongFieldsAreClippedOnARuneBoundary(t *testing.T) {
	tests := []struct {
		name      string
		message   string
		wantShown string // the quoted message as Error shows it
	}{
		// maxMessage is 256 bytes: 85 three-byte runes fit, the 86th would not.
		{"300 Chinese characters", strings.Repeat("超", 300), strings.Repeat("超", 85) + "…"},
		{"one ASCII byte first", "a" + strings.Repeat("超", 300), "a" + strings.Repeat("超", 85) + "…"},
		{"two ASCII bytes first", "ab" + strings.Repeat("超", 300), "ab" + strings.Repeat("超", 84) + "…"},
		{"four-byte runes", strings.Repeat("😀", 100), strings.Repeat("😀", 64) + "…"},
		{"exactly the limit is kept whole", strings.Repeat("x", 256), strings.Repeat("x", 256)},
		{"one past the limit", strings.Repeat("x", 257), strings.Repeat("x", 256) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&apierrors.APIError{Code: 20005, Message: tt.message}).Error()
			if !utf8.ValidString(got) {
				t.Fatalf("Error() is not valid UTF-8: %q", got)
			}
			want := `devcloud: code 20005 发送消息超时 (sending the message timed out): "` + tt.wantShown + `"`
			if got != want {
				t.Errorf("Error() =\n  %q\nwant\n  %q", got, want)
			}
		})
	}
}

func TestLongRequestIDAndRawCodeAreClipped(t *testing.T) {
	err := &apierrors.APIError{RawCode: strings.Repeat("E", 100), Call: apierrors.Call{RequestID: strings.Repeat("r", 200)}}
	want := `devcloud: code "` + strings.Repeat("E", 64) + `…" (request id "` + strings.Repeat("r", 128) + `…")`
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n  %s\nwant\n  %s", got, want)
	}
}

func TestCodeErrorAndString(t *testing.T) {
	tests := []struct {
		c                   apierrors.Code
		wantError, wantName string
		inCatalog           bool
	}{
		{20005, "devcloud code 20005: 发送消息超时 (sending the message timed out)", "SendMessageTimeout", true},
		{20006, "devcloud code 20006: 查询不到值. (the query found no value)", "ValueNotFound", true},
		{504, "devcloud code 504: 后端服务不可用或者处理超时 (the backend service is unavailable or timed out)", "GatewayTimeout", true},
		{99999, "devcloud code 99999", "Code(99999)", false},
		{429, "devcloud code 429", "Code(429)", false},
		{0, "devcloud code 0", "Code(0)", false},
	}
	for _, tt := range tests {
		if got := tt.c.Error(); got != tt.wantError {
			t.Errorf("Code(%d).Error() = %q, want %q", int(tt.c), got, tt.wantError)
		}
		if got := tt.c.String(); got != tt.wantName {
			t.Errorf("Code(%d).String() = %q, want %q", int(tt.c), got, tt.wantName)
		}
		if info, ok := tt.c.Info(); ok != tt.inCatalog || (ok && info.Name != tt.wantName) {
			t.Errorf("Code(%d).Info() = %q, %v; want %q, %v", int(tt.c), info.Name, ok, tt.wantName, tt.inCatalog)
		}
	}
}
