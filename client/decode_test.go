package client_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

type decodedDevice struct {
	DeviceId string
	Online   bool
}

type decodedResult struct {
	RequestId string
	Devices   []decodedDevice
	Count     int
}

// sentinelResult is the value out holds before each call, so a test can tell
// whether DecodeResponse wrote it.
func sentinelResult() any {
	return &decodedResult{RequestId: "sentinel", Devices: []decodedDevice{{DeviceId: "keep"}}, Count: -1}
}

func sentinelRaw() any {
	raw := json.RawMessage(`"sentinel"`)
	return &raw
}

func rawJSON(s string) *json.RawMessage {
	r := json.RawMessage(s)
	return &r
}

func TestDecodeResponse(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
	long := strings.Repeat("x", 1000)
	// 255 ASCII bytes then "é" (2 bytes) straddles the 256-byte limit.
	straddle := strings.Repeat("a", 255) + "é" + strings.Repeat("b", 10)

	tests := []struct {
		name   string
		status int
		reqID  string // X-Request-Id header
		body   string
		out    func() any // nil: sentinel
		// wantOut is *out after a successful call; nil means untouched.
		wantOut    any
		wantAPI    *apierrors.APIError
		wantDecode *apierrors.DecodeError
		// wantCause is the type of DecodeError.Err, e.g. (*json.SyntaxError)(nil).
		wantCause any
	}{
		// Success.
		{
			name:    "envelope success fills out with Response",
			status:  200,
			body:    `{"Response":{"RequestId":"r1","Devices":[{"DeviceId":"d1","Online":true}],"Count":1}}`,
			wantOut: &decodedResult{RequestId: "r1", Devices: []decodedDevice{{DeviceId: "d1", Online: true}}, Count: 1},
		},
		{
			name:    "flat success fills out with the whole body",
			status:  200,
			body:    `{"RequestId":"r1","Devices":[],"Count":0}`,
			wantOut: &decodedResult{RequestId: "r1", Devices: []decodedDevice{}},
		},
		{
			name:    "out is replaced, not merged",
			status:  200,
			body:    `{"Response":{"Count":2}}`,
			wantOut: &decodedResult{Count: 2},
		},
		{
			name:    "201 is a success",
			status:  201,
			body:    `{"Response":{"Count":3}}`,
			wantOut: &decodedResult{Count: 3},
		},
		{
			name:    "surrounding whitespace is ignored",
			status:  200,
			body:    "\r\n\t {\"Response\":{\"Count\":4}} \n",
			wantOut: &decodedResult{Count: 4},
		},
		{
			name:    "member names match case-insensitively",
			status:  200,
			body:    `{"response":{"requestid":"r1","count":5}}`,
			wantOut: &decodedResult{RequestId: "r1", Count: 5},
		},
		{
			name:    "last of repeated Response members wins",
			status:  200,
			body:    `{"Response":{"Error":{"Code":20005}},"Response":{"Count":6}}`,
			wantOut: &decodedResult{Count: 6},
		},
		{
			name:    "Response that is not an object leaves out the whole body",
			status:  200,
			body:    `{"Response":[1,2],"RequestId":"r1"}`,
			out:     sentinelRaw,
			wantOut: rawJSON(`{"Response":[1,2],"RequestId":"r1"}`),
		},
		{
			name:    "Response null leaves out the whole body",
			status:  200,
			body:    ` {"Response":null} `,
			out:     sentinelRaw,
			wantOut: rawJSON(`{"Response":null}`),
		},
		{
			name:    "RawMessage out receives the Response object verbatim",
			status:  200,
			body:    `{"Response": {"A" : 1, "RequestId":"r1"}, "Other":true}`,
			out:     sentinelRaw,
			wantOut: rawJSON(`{"A" : 1, "RequestId":"r1"}`),
		},
		{
			name:    "top-level array goes to out whole",
			status:  200,
			body:    `[{"DeviceId":"d1"}]`,
			out:     func() any { return &[]decodedDevice{{DeviceId: "keep"}} },
			wantOut: &[]decodedDevice{{DeviceId: "d1"}},
		},
		{
			name:   "204 with empty body leaves out untouched",
			status: 204,
			body:   "",
		},
		{
			name:   "whitespace-only body leaves out untouched",
			status: 200,
			body:   " \n\t ",
		},
		{
			name:   "null body leaves out untouched",
			status: 200,
			body:   "null",
		},
		{
			name:    "Error null is no error",
			status:  200,
			body:    `{"Response":{"Error":null,"Count":7}}`,
			wantOut: &decodedResult{Count: 7},
		},
		{
			name:    "code 0 is no error",
			status:  200,
			body:    `{"Response":{"Error":{"Code":0,"Message":"ok"},"Count":8}}`,
			wantOut: &decodedResult{Count: 8},
		},
		{
			name:    "code \"0\" is no error",
			status:  200,
			body:    `{"Error":{"Code":"0","Message":""},"Count":9}`,
			wantOut: &decodedResult{Count: 9},
		},
		{
			name:    "empty Error object is no error",
			status:  200,
			body:    `{"Response":{"Error":{},"Count":10}}`,
			wantOut: &decodedResult{Count: 10},
		},
		{
			name:    "Error of another kind is no error report",
			status:  200,
			body:    `{"Error":false,"Count":11}`,
			wantOut: &decodedResult{Count: 11},
		},

		// Failures reported in the body.
		{
			name:    "Response-wrapped error at HTTP 200",
			status:  200,
			reqID:   "hdr",
			body:    `{"Response":{"Error":{"Code":20005,"Message":"发送消息超时"},"RequestId":"r1"}}`,
			wantAPI: &apierrors.APIError{Code: 20005, Message: "发送消息超时", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r1"}},
		},
		{
			name:    "flat error with top-level RequestId",
			status:  200,
			body:    `{"Error":{"Code":10001,"Message":"未登录"},"RequestId":"r2"}`,
			wantAPI: &apierrors.APIError{Code: 10001, Message: "未登录", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r2"}},
		},
		{
			name:    "numeric string code",
			status:  200,
			body:    `{"Response":{"Error":{"Code":"20022","Message":"m"},"RequestId":"r3"}}`,
			wantAPI: &apierrors.APIError{Code: 20022, Message: "m", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r3"}},
		},
		{
			name:    "non-numeric string code kept in RawCode",
			status:  400,
			body:    `{"Response":{"Error":{"Code":"InvalidParameter","Message":"bad"},"RequestId":"r4"}}`,
			wantAPI: &apierrors.APIError{RawCode: "InvalidParameter", Message: "bad", HTTPStatus: 400, Call: apierrors.Call{RequestID: "r4"}},
		},
		{
			name:    "integral float code",
			status:  200,
			body:    `{"Error":{"Code":2.0005e4}}`,
			wantAPI: &apierrors.APIError{Code: 20005, HTTPStatus: 200},
		},
		{
			name:    "huge number code kept in RawCode",
			status:  200,
			body:    `{"Error":{"Code":123456789012345678901234567890,"Message":"m"}}`,
			wantAPI: &apierrors.APIError{RawCode: "123456789012345678901234567890", Message: "m", HTTPStatus: 200},
		},
		{
			name:    "missing code with message at 200 is code 0",
			status:  200,
			body:    `{"Response":{"Error":{"Message":"something broke"},"RequestId":"r5"}}`,
			wantAPI: &apierrors.APIError{Message: "something broke", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r5"}},
		},
		{
			name:    "null code with message at 503 takes the status",
			status:  503,
			body:    `{"Error":{"Code":null,"Message":"overloaded"}}`,
			wantAPI: &apierrors.APIError{Code: 503, Message: "overloaded", HTTPStatus: 503},
		},
		{
			name:    "Error given as a string is its message",
			status:  502,
			reqID:   "hdr",
			body:    `{"error":"upstream timed out"}`,
			wantAPI: &apierrors.APIError{Code: 502, Message: "upstream timed out", HTTPStatus: 502, Call: apierrors.Call{RequestID: "hdr"}},
		},
		{
			name:    "lowercase member names",
			status:  200,
			body:    `{"response":{"error":{"code":10002,"message":"expired"},"requestId":"r6"}}`,
			wantAPI: &apierrors.APIError{Code: 10002, Message: "expired", HTTPStatus: 200, Call: apierrors.Call{RequestID: "r6"}},
		},
		{
			name:    "escaped member name",
			status:  200,
			body:    `{"\u0045rror":{"C\u006fde":10007,"Message":"csrf \"bad\""}}`,
			wantAPI: &apierrors.APIError{Code: 10007, Message: `csrf "bad"`, HTTPStatus: 200},
		},
		{
			name:    "platform code wins over HTTP status",
			status:  500,
			body:    `{"Response":{"Error":{"Code":20014,"Message":"db"},"RequestId":"r7"}}`,
			wantAPI: &apierrors.APIError{Code: 20014, Message: "db", HTTPStatus: 500, Call: apierrors.Call{RequestID: "r7"}},
		},
		{
			name:    "error in a 3xx body",
			status:  302,
			body:    `{"Error":{"Code":10001,"Message":"m"}}`,
			wantAPI: &apierrors.APIError{Code: 10001, Message: "m", HTTPStatus: 302},
		},
		{
			name:    "request id from header when the body has none",
			status:  200,
			reqID:   "hdr-1",
			body:    `{"Response":{"Error":{"Code":20005,"Message":"m"}}}`,
			wantAPI: &apierrors.APIError{Code: 20005, Message: "m", HTTPStatus: 200, Call: apierrors.Call{RequestID: "hdr-1"}},
		},
		{
			name:    "request id from top level when Response has none",
			status:  200,
			reqID:   "hdr",
			body:    `{"Response":{"Error":{"Code":20005,"Message":"m"}},"RequestId":"top"}`,
			wantAPI: &apierrors.APIError{Code: 20005, Message: "m", HTTPStatus: 200, Call: apierrors.Call{RequestID: "top"}},
		},
		{
			name:    "Response's error wins over a top-level one",
			status:  200,
			body:    `{"Error":{"Code":20003},"Response":{"Error":{"Code":20022},"RequestId":"in"},"RequestId":"out"}`,
			wantAPI: &apierrors.APIError{Code: 20022, HTTPStatus: 200, Call: apierrors.Call{RequestID: "in"}},
		},
		{
			name:    "top-level error counts when Response's says code 0",
			status:  200,
			body:    `{"Error":{"Code":20003},"Response":{"Error":{"Code":0},"RequestId":"in"},"RequestId":"out"}`,
			wantAPI: &apierrors.APIError{Code: 20003, HTTPStatus: 200, Call: apierrors.Call{RequestID: "out"}},
		},
		{
			name:    "error envelope served as text/plain",
			status:  200,
			body:    `{"Response":{"Error":{"Code":20001,"Message":"no"}}}`,
			wantAPI: &apierrors.APIError{Code: 20001, Message: "no", HTTPStatus: 200},
		},

		// HTTP-level failures.
		{
			name:    "gateway HTML 502",
			status:  502,
			reqID:   "gw-1",
			body:    html,
			wantAPI: &apierrors.APIError{Code: 502, HTTPStatus: 502, Body: html, Call: apierrors.Call{RequestID: "gw-1"}},
		},
		{
			name:    "429 with empty body",
			status:  429,
			reqID:   "rl",
			wantAPI: &apierrors.APIError{Code: 429, HTTPStatus: 429, Call: apierrors.Call{RequestID: "rl"}},
		},
		{
			name:    "418 with plain text",
			status:  418,
			body:    "I'm a teapot\n",
			wantAPI: &apierrors.APIError{Code: 418, HTTPStatus: 418, Body: "I'm a teapot"},
		},
		{
			name:    "599 with JSON and no Error takes the body's request id",
			status:  599,
			reqID:   "hdr",
			body:    `{"Response":{"RequestId":"r8"}}`,
			wantAPI: &apierrors.APIError{Code: 599, HTTPStatus: 599, Body: `{"Response":{"RequestId":"r8"}}`, Call: apierrors.Call{RequestID: "r8"}},
		},
		{
			name:    "404 whose Error has code 0",
			status:  404,
			body:    `{"Error":{"Code":0}}`,
			wantAPI: &apierrors.APIError{Code: 404, HTTPStatus: 404, Body: `{"Error":{"Code":0}}`},
		},
		{
			name:    "truncated error envelope at 502 is an HTTP failure",
			status:  502,
			body:    `{"Response":{"Error":{"Code":20005,`,
			wantAPI: &apierrors.APIError{Code: 502, HTTPStatus: 502, Body: `{"Response":{"Error":{"Code":20005,`},
		},
		{
			name:    "301 redirect",
			status:  301,
			body:    `<a href="/elsewhere">Moved</a>`,
			wantAPI: &apierrors.APIError{Code: 301, HTTPStatus: 301, Body: `<a href="/elsewhere">Moved</a>`},
		},
		{
			name:    "1xx status",
			status:  100,
			wantAPI: &apierrors.APIError{Code: 100, HTTPStatus: 100},
		},
		{
			name:    "long body is cut to 256 bytes",
			status:  500,
			body:    long,
			wantAPI: &apierrors.APIError{Code: 500, HTTPStatus: 500, Body: long[:256]},
		},
		{
			name:    "body snippet is cut on a rune boundary",
			status:  500,
			body:    straddle,
			wantAPI: &apierrors.APIError{Code: 500, HTTPStatus: 500, Body: straddle[:255]},
		},
		{
			name:    "error wins over an invalid out",
			status:  200,
			body:    `{"Error":{"Code":20005}}`,
			out:     func() any { return decodedResult{} },
			wantAPI: &apierrors.APIError{Code: 20005, HTTPStatus: 200},
		},

		// Malformed success bodies.
		{
			name:       "HTML page at 200",
			status:     200,
			reqID:      "portal",
			body:       html,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "HTML page", BodyLen: len(html), Snippet: html, Call: apierrors.Call{RequestID: "portal"}},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "plain text at 200",
			status:     200,
			body:       "OK",
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "not JSON", BodyLen: 2, Snippet: "OK"},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "truncated JSON",
			status:     200,
			reqID:      "r",
			body:       `{"Response":{"Devices":[{"DeviceId":"d1"`,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "truncated JSON", BodyLen: 40, Snippet: `{"Response":{"Devices":[{"DeviceId":"d1"`, Call: apierrors.Call{RequestID: "r"}},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "truncated error envelope at 200 is not an API error",
			status:     200,
			body:       `{"Response":{"Error":{"Code":20005}}`,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "truncated JSON", BodyLen: 36, Snippet: `{"Response":{"Error":{"Code":20005}}`},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "JSON followed by garbage",
			status:     200,
			body:       `{"Response":{}} trailing`,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "not JSON", BodyLen: 24, Snippet: `{"Response":{}} trailing`},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "long malformed body is cut to 256 bytes",
			status:     200,
			body:       "<" + long,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "HTML page", BodyLen: 1001, Snippet: ("<" + long)[:256]},
			wantCause:  (*json.SyntaxError)(nil),
		},
		{
			name:       "JSON that does not fit out",
			status:     200,
			reqID:      "hdr",
			body:       `{"Response":{"RequestId":"r9","Devices":"not a list"}}`,
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "does not fit the result type", BodyLen: 54, Snippet: `{"Response":{"RequestId":"r9","Devices":"not a list"}}`, Call: apierrors.Call{RequestID: "r9"}},
			wantCause:  (*json.UnmarshalTypeError)(nil),
		},
		{
			name:       "out that is not a pointer",
			status:     200,
			body:       `{"Response":{}}`,
			out:        func() any { return decodedResult{} },
			wantDecode: &apierrors.DecodeError{HTTPStatus: 200, Reason: "result must be a non-nil pointer", BodyLen: 15, Snippet: `{"Response":{}}`},
			wantCause:  (*json.InvalidUnmarshalError)(nil),
		},
		{
			name:       "out that is a nil pointer",
			status:     204,
			out:        func() any { return (*decodedResult)(nil) },
			wantDecode: &apierrors.DecodeError{HTTPStatus: 204, Reason: "result must be a non-nil pointer"},
			wantCause:  (*json.InvalidUnmarshalError)(nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newOut := tt.out
			if newOut == nil {
				newOut = sentinelResult
			}
			out := newOut()
			// Content-Type is not trusted: every body here comes as text/plain.
			header := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
			if tt.reqID != "" {
				header.Set("X-Request-Id", tt.reqID)
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			err := client.DecodeResponse(tt.status, header, body, out)

			switch {
			case tt.wantAPI != nil:
				var ae *apierrors.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("err = %#v, want *APIError", err)
				}
				if !reflect.DeepEqual(ae, tt.wantAPI) {
					t.Errorf("APIError =\n%#v\nwant\n%#v", ae, tt.wantAPI)
				}
				if tt.wantAPI.Code != 0 && !errors.Is(err, tt.wantAPI.Code) {
					t.Errorf("errors.Is(err, Code(%d)) = false", tt.wantAPI.Code)
				}
			case tt.wantDecode != nil:
				var de *apierrors.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("err = %#v, want *DecodeError", err)
				}
				got := *de
				got.Err = nil
				if !reflect.DeepEqual(&got, tt.wantDecode) {
					t.Errorf("DecodeError =\n%#v\nwant\n%#v", &got, tt.wantDecode)
				}
				if cause := reflect.TypeOf(tt.wantCause); reflect.TypeOf(de.Err) != cause {
					t.Errorf("DecodeError.Err = %#v, want a %v", de.Err, cause)
				}
				if len(de.Snippet) > 256 || !utf8.ValidString(de.Snippet) {
					t.Errorf("Snippet %q: %d bytes", de.Snippet, len(de.Snippet))
				}
			default:
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			}

			want := tt.wantOut
			if err != nil || want == nil {
				want = newOut() // untouched
			}
			if !reflect.DeepEqual(out, want) {
				t.Errorf("out = %#v, want %#v", out, want)
			}
		})
	}
}

func TestDecodeResponseNilOutOnlyChecksErrors(t *testing.T) {
	if err := client.DecodeResponse(200, nil, []byte(`{"Response":{"Count":1}}`), nil); err != nil {
		t.Errorf("success: err = %v, want nil", err)
	}
	err := client.DecodeResponse(200, nil, []byte(`{"Response":{"Error":{"Code":10001}}}`), nil)
	if !errors.Is(err, apierrors.Code(10001)) {
		t.Errorf("failure: err = %v, want code 10001", err)
	}
	var de *apierrors.DecodeError
	if err := client.DecodeResponse(200, nil, []byte(`<html>`), nil); !errors.As(err, &de) || de.Reason != "HTML page" {
		t.Errorf("HTML: err = %v, want a DecodeError", err)
	}
}

func TestDecodeResponseNilHeaderAndBody(t *testing.T) {
	if err := client.DecodeResponse(200, nil, nil, sentinelResult()); err != nil {
		t.Errorf("200: err = %v, want nil", err)
	}
	var ae *apierrors.APIError
	err := client.DecodeResponse(500, nil, nil, nil)
	if !errors.As(err, &ae) || ae.Code != 500 || ae.Body != "" || ae.RequestID != "" {
		t.Errorf("500: err = %#v, want a bare APIError 500", err)
	}
}

func TestDecodeResponseIntoInterface(t *testing.T) {
	var out any
	if err := client.DecodeResponse(200, nil, []byte(`{"Response":{"A":[1,"x"]}}`), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"A": []any{1.0, "x"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("out = %#v, want %#v", out, want)
	}
}

func TestDecodeResponseDoesNotAliasBody(t *testing.T) {
	body := []byte(`{"Response":{"A":1}}`)
	var out json.RawMessage
	if err := client.DecodeResponse(200, nil, body, &out); err != nil {
		t.Fatal(err)
	}
	body[len(body)-3] = '2'
	if string(out) != `{"A":1}` {
		t.Errorf("out = %s after the body changed, want {\"A\":1}", out)
	}
}
