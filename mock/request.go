package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"text/tabwriter"
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
	// Body is the request body as received.
	Body []byte
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

type attemptKey struct{ method, path, key string }

// recorder keeps the requests of one flavour and the login counts.
type recorder struct {
	mu            sync.Mutex
	reqs          []Request
	attempts      map[attemptKey]int
	logins        int
	loginAttempts int
}

func newRecorder() *recorder { return &recorder{attempts: make(map[attemptKey]int)} }

// add numbers r and keeps it.
func (rc *recorder) add(r Request) Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r.Seq = len(rc.reqs) + 1
	if r.IdempotencyKey != "" {
		k := attemptKey{r.Method, r.Path, r.IdempotencyKey}
		rc.attempts[k]++
		r.Attempt = rc.attempts[k]
	}
	if r.Login {
		rc.loginAttempts++
		if r.Reply == KindLogin {
			rc.logins++
		}
	}
	rc.reqs = append(rc.reqs, r)
	return r
}

func (rc *recorder) all() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Request, len(rc.reqs))
	for i, r := range rc.reqs {
		out[i] = r.clone()
	}
	return out
}

// count is how many requests of method went to path, or were answered by
// the route of that pattern ("/v1/devices/{id}").
func (rc *recorder) count(method, path string) int {
	method, path = routeMethod(method), cleanPath(path)
	pattern := method + " " + path
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, r := range rc.reqs {
		if r.Method == method && r.Path == path || r.Pattern == pattern {
			n++
		}
	}
	return n
}

func (rc *recorder) loginCounts() (logins, attempts int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.logins, rc.loginAttempts
}

func (rc *recorder) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = nil
	clear(rc.attempts)
	rc.logins, rc.loginAttempts = 0, 0
}

// calls introduces the table of what was called, for failure messages.
func (rc *recorder) calls() string {
	return "calls (method, path, count, replies):\n" + rc.table()
}

// table is what was called: one line per method and path with its count and
// the replies given, in first-call order.
func (rc *recorder) table() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		return "  (no requests)\n"
	}
	type routeKey struct{ method, path string }
	type row struct {
		k       routeKey
		n       int
		replies []string
	}
	var rows []*row
	index := map[routeKey]*row{}
	for _, r := range rc.reqs {
		k := routeKey{r.Method, r.Path}
		w := index[k]
		if w == nil {
			w = &row{k: k}
			index[k] = w
			rows = append(rows, w)
		}
		w.n++
		reply := r.Reply.String()
		if r.Code != 0 {
			reply = fmt.Sprint(r.Code)
		}
		w.replies = append(w.replies, reply)
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, w := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", w.k.method, w.k.path, w.n, runs(w.replies))
	}
	tw.Flush()
	return b.String()
}

// runs joins replies, collapsing repeats: "20005 ×3 ok".
func runs(replies []string) string {
	var parts []string
	for i := 0; i < len(replies); {
		j := i
		for j < len(replies) && replies[j] == replies[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", replies[i], j-i))
		} else {
			parts = append(parts, replies[i])
		}
		i = j
	}
	return strings.Join(parts, " ")
}

// assertCalls is AssertCalls of both flavours.
func (rc *recorder) assertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	if got := rc.count(method, path); got != n {
		t.Errorf("mock: %s %s called %d times, want %d; %s", routeMethod(method), cleanPath(path), got, n, rc.calls())
		return false
	}
	return true
}

// assertLogins is AssertLogins of both flavours.
func (rc *recorder) assertLogins(t TB, n int) bool {
	t.Helper()
	if got, attempts := rc.loginCounts(); got != n {
		t.Errorf("mock: %d successful logins (%d attempts), want %d; %s", got, attempts, n, rc.calls())
		return false
	}
	return true
}
