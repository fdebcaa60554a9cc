package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is one request the fake platform received, recorded before it was
// answered, so it is there by the time the client sees the answer.
type Request struct {
	// Seq is the arrival order, from 1.
	Seq int
	// Time is the arrival time by the flavour's clock, before skew.
	Time time.Time
	// Method and Path are the request's; Path has no query, and is
	// relative to the Mock's base URL when that has a path.
	Method, Path string
	// Pattern is the pattern of the route that answered, as ServeMux
	// spells it: "GET /v1/devices/{id}". It is empty when no route matched
	// (and for a request answered by a responder of Mock.Transport).
	Pattern string
	// Query is the parsed query string.
	Query url.Values
	// Header is a copy of the request headers.
	Header http.Header
	// Body is the request body as received, its first 32 MiB for a
	// larger one.
	Body []byte
	// BodySize is the length of the whole body received: a streamed
	// upload is read to its end and counted, its bytes past the first
	// 32 MiB not kept.
	BodySize int64
	// IdempotencyKey is the Idempotency-Key header.
	IdempotencyKey string
	// Attempt counts the requests with the same method, path and
	// IdempotencyKey so far, this one included; it is 0 without a key.
	Attempt int
	// Token is the session token the request carried, if any.
	Token string
	// Login reports a request to the login route.
	Login bool
	// Reply is what the request was answered.
	Reply Kind
	// Code is the Error code answered, 0 when the answer had no Error.
	Code int
	// Status is the HTTP status answered, 0 when none was sent.
	Status int

	pathValues map[string]string
}

// PathValue returns the value of the wildcard name in the route's pattern,
// as http.Request.PathValue does: for a request of "/v1/devices/cam-7"
// answered by "GET /v1/devices/{id}", PathValue("id") is "cam-7". It is ""
// when the pattern has no such wildcard.
func (r Request) PathValue(name string) string { return r.pathValues[name] }

// JSON decodes the request body into v.
func (r Request) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// String is "#seq METHOD path -> reply", for failure messages.
func (r Request) String() string {
	s := fmt.Sprintf("#%d %s %s -> %s", r.Seq, r.Method, r.Path, r.Reply)
	if r.Code != 0 {
		s += fmt.Sprintf(" %d", r.Code)
	} else if r.Status != 0 && r.Reply != KindOK {
		s += fmt.Sprintf(" (HTTP %d)", r.Status)
	}
	return s
}

func (r Request) clone() Request {
	r.Query = url.Values(http.Header(r.Query).Clone())
	r.Header = r.Header.Clone()
	r.Body = bytes.Clone(r.Body)
	r.pathValues = maps.Clone(r.pathValues)
	return r
}

// newRequest copies what is worth keeping of an incoming request.
func newRequest(req *http.Request, body []byte, cfg *config, at time.Time) Request {
	path := cleanPath(req.URL.Path)
	return Request{
		Time:           at,
		Method:         req.Method,
		Path:           path,
		Query:          req.URL.Query(),
		Header:         req.Header.Clone(),
		Body:           body,
		IdempotencyKey: req.Header.Get("Idempotency-Key"),
		Token:          bearer(req.Header.Get(cfg.authHeader)),
		Login:          req.Method == http.MethodPost && path == cfg.loginPath,
	}
}

// bearer strips an optional "Bearer " scheme.
func bearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}
