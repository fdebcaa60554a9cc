package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

func TestServerLogin(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		opts     []Option
		body     []byte
		wantCode int // 0: a session
		status   int
	}{
		{"signed", nil, LoginBody(DefaultAppID, DefaultSecret, now, "n1"), 0, 200},
		{"second app", []Option{WithApp("app2", "s2")}, LoginBody("app2", "s2", now, "n1"), 0, 200},
		{"wrong secret", nil, LoginBody(DefaultAppID, "nope", now, "n1"), 10005, 200},
		{"unknown app", nil, LoginBody("stranger", DefaultSecret, now, "n1"), 10003, 200},
		{"missing nonce", nil, []byte(`{"AppId":"devcloud-mock-app","Timestamp":1,"Sig":"ab"}`), 10000, 200},
		{"missing timestamp", nil, []byte(`{"AppId":"devcloud-mock-app","Nonce":"n","Sig":"ab"}`), 10000, 200},
		{"not JSON", nil, []byte(`AppId=x`), 400, 400},
		{"client clock 6 min slow", nil, LoginBody(DefaultAppID, DefaultSecret, now.Add(-6*time.Minute), "n1"), 10006, 200},
		{"client clock 4 min fast", nil, LoginBody(DefaultAppID, DefaultSecret, now.Add(4*time.Minute), "n1"), 0, 200},
		{"server clock 20 min ahead", []Option{WithClockSkew(20 * time.Minute)}, LoginBody(DefaultAppID, DefaultSecret, now, "n1"), 10006, 200},
		{"signed with server time", []Option{WithClockSkew(20 * time.Minute)}, LoginBody(DefaultAppID, DefaultSecret, now.Add(20*time.Minute), "n1"), 0, 200},
		{"timestamp as string", nil, []byte(`{"AppId":"devcloud-mock-app","Timestamp":"` + itoa(now.Unix()) + `","Nonce":"n1","Sig":"` + Sign(DefaultSecret, DefaultAppID, now.Unix(), "n1") + `"}`), 0, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := StartServer(t, tt.opts...)
			a := do(t, plainClient(t, 0), "POST", srv.URL+DefaultLoginPath, auth{}, tt.body)
			if a.status != tt.status || a.code() != tt.wantCode {
				t.Fatalf("got %v, want HTTP %d code %d", a, tt.status, tt.wantCode)
			}
			r := a.response()
			wantLogins := 0
			if tt.wantCode == 0 {
				wantLogins = 1
				if r["Token"] == "" || r["CSRFToken"] == "" || r["ExpiresIn"] != float64(3600) || r["RequestId"] == "" {
					t.Fatalf("login answer %v lacks a field", a)
				}
			}
			if got := srv.Logins(); got != wantLogins {
				t.Errorf("Logins() = %d, want %d", got, wantLogins)
			}
			if got := srv.LoginAttempts(); got != 1 {
				t.Errorf("LoginAttempts() = %d, want 1", got)
			}
		})
	}
}

func itoa(n int64) string { return strings.TrimSpace(string(must(json.Marshal(n)))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestServerLoginRejectsReplayedNonce(t *testing.T) {
	srv := StartServer(t)
	c := plainClient(t, 0)
	body := LoginBody(DefaultAppID, DefaultSecret, time.Now(), "same")
	first := do(t, c, "POST", srv.URL+DefaultLoginPath, auth{}, body)
	second := do(t, c, "POST", srv.URL+DefaultLoginPath, auth{}, body)
	if first.code() != 0 || second.code() != 10005 {
		t.Fatalf("first %v, second %v; want a session then 10005", first, second)
	}
	srv.AssertLogins(t, 1)
}

func TestServerLoginRateLimit(t *testing.T) {
	srv := StartServer(t, WithLoginRateLimit(2, time.Minute))
	c := plainClient(t, 0)
	var codes []int
	for i := range 4 {
		a, _ := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n"+itoa(int64(i)))
		codes = append(codes, a.code())
	}
	if want := []int{0, 0, 10004, 10004}; !equalInts(codes, want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
	if srv.Logins() != 2 || srv.LoginAttempts() != 4 {
		t.Fatalf("Logins %d, attempts %d; want 2 and 4", srv.Logins(), srv.LoginAttempts())
	}
}

func TestServerOnLoginScript(t *testing.T) {
	srv := StartServer(t)
	srv.OnLogin(Code(10004).Times(2), LoginOK())
	c := plainClient(t, 0)
	var codes []int
	for i := range 4 {
		a, _ := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n"+itoa(int64(i)))
		codes = append(codes, a.code())
	}
	// A LoginOK still checks: a wrong signature after the script is 10005.
	bad, _ := login(t, c, srv.URL, DefaultAppID, "wrong", time.Now(), "n9")
	codes = append(codes, bad.code())
	if want := []int{10004, 10004, 0, 0, 10005}; !equalInts(codes, want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
	srv.AssertLogins(t, 2)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestServerSessionChecks(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(srv *Server, s *auth)
		want   int
	}{
		{"valid session", func(*Server, *auth) {}, 0},
		{"no token", func(_ *Server, s *auth) { s.token = "" }, 10001},
		{"unknown token", func(_ *Server, s *auth) { s.token = "forged" }, 10001},
		{"wrong CSRF token", func(_ *Server, s *auth) { s.csrf = "forged" }, 10007},
		{"no CSRF token", func(_ *Server, s *auth) { s.csrf = "" }, 10007},
		{"expired sessions", func(srv *Server, _ *auth) { srv.ExpireSessions() }, 10002},
		{"invalidated sessions", func(srv *Server, _ *auth) { srv.InvalidateSessions() }, 10001},
		{"revoked session", func(srv *Server, s *auth) { srv.RevokeSession(s.token) }, 10001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := StartServer(t)
			srv.On("GET", "/v1/devices", OK(map[string]int{"Total": 1}))
			c := plainClient(t, 0)
			_, s := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n")
			tt.tamper(srv, &s)
			a := do(t, c, "GET", srv.URL+"/v1/devices", s, nil)
			if a.status != 200 || a.code() != tt.want {
				t.Fatalf("got %v, want HTTP 200 code %d", a, tt.want)
			}
			srv.AssertCalls(t, "GET", "/v1/devices", 1)
		})
	}
}

func TestServerSessionTTL(t *testing.T) {
	clk := NewFakeClock()
	now := clk.Now
	srv := StartServer(t, WithPlatformClock(clk), WithSessionTTL(90*time.Second))
	srv.On("GET", "/v1/devices", OK(nil))
	c := plainClient(t, 0)
	a, s := login(t, c, srv.URL, DefaultAppID, DefaultSecret, now(), "n")
	if got := a.response()["ExpiresIn"]; got != float64(90) {
		t.Fatalf("ExpiresIn = %v, want 90", got)
	}
	if code := do(t, c, "GET", srv.URL+"/v1/devices", s, nil).code(); code != 0 {
		t.Fatalf("fresh session answered %d", code)
	}
	clk.Advance(91 * time.Second)
	if code := do(t, c, "GET", srv.URL+"/v1/devices", s, nil).code(); code != 10002 {
		t.Fatalf("session past its TTL answered %d, want 10002", code)
	}
	if srv.Sessions() != 0 {
		t.Fatalf("Sessions() = %d, want 0", srv.Sessions())
	}
}

func TestServerCustomNames(t *testing.T) {
	srv := StartServer(t, WithLoginPath("/auth/token"), WithAuthHeader("X-Token"), WithCSRFHeader("X-Csrf"))
	srv.On("GET", "/v1/devices", OK(nil))
	c := plainClient(t, 0)
	a := do(t, c, "POST", srv.URL+"/auth/token", auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n"))
	r := a.response()
	tok, csrf := r["Token"].(string), r["CSRFToken"].(string)
	if got := do(t, c, "GET", srv.URL+"/v1/devices", auth{}, nil, "X-Token", tok, "X-Csrf", csrf).code(); got != 0 {
		t.Fatalf("custom headers answered %d", got)
	}
	if got := do(t, c, "GET", srv.URL+"/v1/devices", auth{tok, csrf}, nil).code(); got != 10001 {
		t.Fatalf("default headers answered %d, want 10001", got)
	}
	if got := do(t, c, "POST", srv.URL+DefaultLoginPath, auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n2")).code(); got != 10001 {
		t.Fatalf("old login path answered %d, want 10001 (an ordinary route)", got)
	}
	srv.AssertLogins(t, 1)
}

func TestServerScriptInOrderThenLastRepeats(t *testing.T) {
	srv := StartServer(t)
	tok, csrf := srv.IssueSession()
	s := auth{tok, csrf}
	srv.On("GET", "/v1/devices", Code(20005).Times(2), Code(504), OK(map[string]string{"Name": "d1"}))
	c := plainClient(t, 0)
	var got []string
	for range 6 {
		a := do(t, c, "GET", srv.URL+"/v1/devices?page=2", s, nil)
		got = append(got, itoa(int64(a.status))+"/"+itoa(int64(a.code())))
	}
	want := "200/20005 200/20005 504/504 200/0 200/0 200/0"
	if strings.Join(got, " ") != want {
		t.Fatalf("answers %q, want %q", strings.Join(got, " "), want)
	}
	srv.AssertCalls(t, "GET", "/v1/devices", 6)
	if left := srv.Unconsumed(); len(left) != 0 {
		t.Fatalf("Unconsumed() = %v", left)
	}
	// On replaces the script and starts it over.
	srv.On("GET", "/v1/devices", Code(20022), OK(nil))
	if a := do(t, c, "GET", srv.URL+"/v1/devices", s, nil); a.code() != 20022 {
		t.Fatalf("new script answered %v", a)
	}
}

func TestServerExhaustedFailsTheTest(t *testing.T) {
	ft := newFakeTB(t)
	srv := StartServer(ft)
	defer ft.runCleanups()
	tok, csrf := srv.IssueSession()
	srv.On("POST", "/v1/messages", OK(nil), Exhausted())
	c := plainClient(t, 0)
	first := do(t, c, "POST", srv.URL+"/v1/messages", auth{tok, csrf}, []byte(`{}`))
	second := do(t, c, "POST", srv.URL+"/v1/messages", auth{tok, csrf}, []byte(`{}`))
	if first.code() != 0 || second.status != 501 || second.code() != 501 {
		t.Fatalf("first %v, second %v; want OK then 501", first, second)
	}
	if errs := ft.errors(); len(errs) != 1 || !strings.Contains(errs[0], "POST /v1/messages called after its script was exhausted") {
		t.Fatalf("test failures %q", errs)
	}
	if r := srv.Requests()[1]; r.Reply != KindExhausted || r.Code != 501 {
		t.Fatalf("recorded %v", r)
	}
}

func TestServerUnscriptedRoute(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opts   []Option
		status int
		code   int
	}{
		{"default 404 envelope", nil, 404, 404},
		{"WithNotFound", []Option{WithNotFound(Code(20023))}, 200, 20023},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := StartServer(t, tt.opts...)
			srv.On("GET", "/v1/devices", OK(nil))
			tok, csrf := srv.IssueSession()
			a := do(t, plainClient(t, 0), "GET", srv.URL+"/v1/nowhere?k=s3", auth{tok, csrf}, nil)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got %v, want HTTP %d code %d", a, tt.status, tt.code)
			}
			if want := "mock: no route for GET /v1/nowhere (query ignored); scripted routes: GET /v1/devices"; tt.code == 404 && !strings.Contains(string(a.body), want) {
				t.Errorf("body %s lacks %q", a.body, want)
			}
		})
	}
}

func TestServerScriptedSessionCodesEndTheSession(t *testing.T) {
	for _, tt := range []struct {
		code, next int
	}{{10001, 10001}, {10002, 10002}, {10007, 0}} {
		t.Run(itoa(int64(tt.code)), func(t *testing.T) {
			srv := StartServer(t)
			srv.On("GET", "/v1/devices", Code(apierrors.Code(tt.code)), OK(nil))
			c := plainClient(t, 0)
			_, s := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n")
			first := do(t, c, "GET", srv.URL+"/v1/devices", s, nil)
			second := do(t, c, "GET", srv.URL+"/v1/devices", s, nil)
			_, s2 := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n2")
			third := do(t, c, "GET", srv.URL+"/v1/devices", s2, nil)
			if first.code() != tt.code || second.code() != tt.next || third.code() != 0 {
				t.Fatalf("codes %d %d %d, want %d %d 0", first.code(), second.code(), third.code(), tt.code, tt.next)
			}
		})
	}
}

func TestServerReplies(t *testing.T) {
	tests := []struct {
		name        string
		reply       Reply
		status      int
		code        int
		contentType string // "-" for none
		body        string // substring; "" to skip
		header      [2]string
	}{
		{"OK merges payload", OK(map[string]int{"Total": 3}).WithRequestID("r1"), 200, 0, "application/json; charset=utf-8", `{"Response":{"Total":3,"RequestId":"r1"}}`, [2]string{"X-Request-Id", "r1"}},
		{"OK non-object", OK([]int{1, 2}).WithRequestID("r2"), 200, 0, "application/json; charset=utf-8", `{"Response":[1,2]}`, [2]string{"X-Request-Id", "r2"}},
		{"OK flat", OK(map[string]int{"Total": 3}).WithRequestID("r3").Flat(), 200, 0, "application/json; charset=utf-8", `{"Total":3,"RequestId":"r3"}`, [2]string{}},
		{"logic code in 200", Code(20005).WithRequestID("r4"), 200, 20005, "application/json; charset=utf-8", `{"Response":{"Error":{"Code":20005,"Message":"发送消息超时"},"RequestId":"r4"}}`, [2]string{}},
		{"HTTP code as status", Code(503).WithRetryAfter(1500 * time.Millisecond), 503, 503, "application/json; charset=utf-8", "", [2]string{"Retry-After", "2"}},
		{"HTTP code in 200", Code(500).WithStatus(200), 200, 500, "application/json; charset=utf-8", "", [2]string{}},
		{"unknown code", Code(77777).WithRequestID("r5").Flat(), 200, 77777, "application/json; charset=utf-8", `{"Error":{"Code":77777,"Message":"error 77777"},"RequestId":"r5"}`, [2]string{}},
		{"code as string", Code(20022).CodeAsString().WithMessage("busy"), 200, 20022, "application/json; charset=utf-8", `"Code":"20022","Message":"busy"`, [2]string{}},
		{"bare status", Status(503), 503, 0, "-", "", [2]string{"Content-Length", "0"}},
		{"gateway page", HTML(502, ""), 502, 0, "text/html", "<h1>502 Bad Gateway</h1>", [2]string{}},
		{"raw without content type", Raw(200, "", `{"Response":{}}`), 200, 0, "-", `{"Response":{}}`, [2]string{}},
		{"JSON as text/plain", Raw(200, "text/plain", `{"Response":{}}`), 200, 0, "text/plain", "", [2]string{}},
		{"extra header", OK(nil).WithHeader("X-Trace", "t1"), 200, 0, "application/json; charset=utf-8", "", [2]string{"X-Trace", "t1"}},
		{"delay", OK(nil).WithDelay(20 * time.Millisecond), 200, 0, "application/json; charset=utf-8", "", [2]string{}},
	}
	srv := StartServer(t)
	tok, csrf := srv.IssueSession()
	c := plainClient(t, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.On("GET", "/r", tt.reply)
			a := do(t, c, "GET", srv.URL+"/r", auth{tok, csrf}, nil)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got %v, want HTTP %d code %d", a, tt.status, tt.code)
			}
			ct, has := a.header["Content-Type"]
			if tt.contentType == "-" && has || tt.contentType != "-" && (len(ct) != 1 || ct[0] != tt.contentType) {
				t.Errorf("Content-Type %q (present %v), want %q", ct, has, tt.contentType)
			}
			if !strings.Contains(string(a.body), tt.body) {
				t.Errorf("body %s lacks %s", a.body, tt.body)
			}
			if tt.header[0] != "" && a.header.Get(tt.header[0]) != tt.header[1] {
				t.Errorf("header %s = %q, want %q", tt.header[0], a.header.Get(tt.header[0]), tt.header[1])
			}
			if a.header.Get("Date") == "" {
				t.Errorf("no Date header")
			}
		})
	}
}

func TestServerFaults(t *testing.T) {
	srv := StartServer(t)
	tok, csrf := srv.IssueSession()
	s := auth{tok, csrf}
	tests := []struct {
		name    string
		reply   Reply
		timeout time.Duration
		check   func(t *testing.T, a *answer, err error, took time.Duration)
	}{
		{"reset before response", ResetBeforeResponse(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a != nil || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("got %v, %v; want ECONNRESET from Do", a, err)
			}
		}},
		{"network error resets", NetworkError(errors.New("any")), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a != nil || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("got %v, %v; want ECONNRESET from Do", a, err)
			}
		}},
		{"reset mid body", ResetMidBody(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a == nil || a.status != 200 || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("got %v, %v; want a 200 whose body read fails with ECONNRESET", a, err)
			}
			if int64(len(a.body)) != a.contentLength/2 {
				t.Fatalf("read %d bytes of %d, want half", len(a.body), a.contentLength)
			}
		}},
		{"truncated JSON", TruncatedJSON(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if err != nil || a.status != 200 || int64(len(a.body)) != a.contentLength {
				t.Fatalf("got %v, %v; want a complete 200", a, err)
			}
			var v any
			if jerr := json.Unmarshal(a.body, &v); jerr == nil || !strings.Contains(jerr.Error(), "unexpected end of JSON input") {
				t.Fatalf("json error %v, want unexpected end", jerr)
			}
		}},
		// The slow replies take an hour where the client must give up
		// first, and the client gives up on cue once the server has the
		// request (a deadline that passes then), so no machine is too
		// loaded for the client to leave before or after that; where the
		// reply must come, the client waits as long as it takes and the
		// elapsed time only has a floor, which a timer cannot undercut.
		{"slow headers past the client deadline", SlowHeaders(time.Hour), onArrival, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a != nil || !isTimeout(err) {
				t.Fatalf("got %v, %v; want a client timeout from Do", a, err)
			}
		}},
		{"slow headers within the timeout", SlowHeaders(30 * time.Millisecond), 0, func(t *testing.T, a *answer, err error, took time.Duration) {
			if err != nil || a.status != 200 || took < 30*time.Millisecond {
				t.Fatalf("got %v, %v after %v", a, err, took)
			}
		}},
		{"slow body: the headers, then the body trickles", SlowBody(time.Hour), afterHeaders, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a == nil || a.status != 200 || a.contentLength <= 0 || int64(len(a.body)) >= a.contentLength || !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, %v; want a 200 whose body was still coming when the client left", a, err)
			}
		}},
		{"slow body within the timeout", SlowBody(50 * time.Millisecond), 0, func(t *testing.T, a *answer, err error, took time.Duration) {
			if err != nil || took < 50*time.Millisecond || a.code() != 0 || a.response()["RequestId"] == nil {
				t.Fatalf("got %v, %v after %v", a, err, took)
			}
		}},
		{"oversized", Oversized(1 << 20), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if err != nil || len(a.body) != 1<<20 || a.contentLength != 1<<20 || !json.Valid(a.body) {
				t.Fatalf("got %d bytes (Content-Length %d), valid JSON %v, err %v", len(a.body), a.contentLength, json.Valid(a.body), err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, arrival := tt.reply, NewGate()
			if tt.timeout == onArrival {
				arrival.Open() // only to tell when the request is in
				rep = rep.WithGate(arrival)
			}
			srv.On("GET", "/f", rep)
			start := time.Now()
			var (
				a   *answer
				err error
			)
			switch tt.timeout {
			case afterHeaders:
				a, err = tryLeavingAfterHeaders(plainClient(t, 0), srv.URL+"/f", s)
			case onArrival:
				a, err = tryUntilArrival(plainClient(t, 0), srv.URL+"/f", s, arrival.Arrived())
			default:
				a, err = try(plainClient(t, max(tt.timeout, 0)), "GET", srv.URL+"/f", s, nil)
			}
			tt.check(t, a, err, time.Since(start))
		})
	}
	// Every fault was recorded with its kind before it was done.
	var kinds []string
	for _, r := range srv.Requests() {
		kinds = append(kinds, r.Reply.String())
	}
	want := "reset-before-response network-error reset-mid-body truncated-json slow-headers slow-headers slow-body slow-body oversized"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("recorded %q, want %q", got, want)
	}
}

// afterHeaders, as a fault row's timeout, makes the client leave as soon
// as the response's headers are in; onArrival, through a deadline that
// passes as soon as the server has recorded the request.
const (
	afterHeaders = -1
	onArrival    = -2
)

// tryUntilArrival sends a GET whose deadline passes once arrived closes,
// and reads what it got.
func tryUntilArrival(c *http.Client, url string, s auth, arrived <-chan struct{}) (*answer, error) {
	ctx := newCueDeadline(time.Now().Add(time.Hour))
	left := make(chan struct{})
	defer close(left)
	go func() {
		select {
		case <-arrived:
			ctx.pass()
		case <-left:
		}
	}()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	s.set(req.Header)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, contentLength: resp.ContentLength}, err
}

// tryLeavingAfterHeaders sends a GET, cancels it once the headers are in
// and reads what the body had by then.
func tryLeavingAfterHeaders(c *http.Client, url string, s auth) (*answer, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	s.set(req.Header)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	cancel()
	b, err := io.ReadAll(resp.Body)
	return &answer{status: resp.StatusCode, header: resp.Header, body: b, contentLength: resp.ContentLength}, err
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// Without keep-alives (the default) a reset reaches the client; with them,
// Go's transport replays the GET on a fresh connection by itself.
func TestServerKeepAlivesAndResets(t *testing.T) {
	for _, tt := range []struct {
		name       string
		opts       []Option
		secondErr  bool
		serverSeen int
	}{
		{"default: every connection fresh", nil, true, 2},
		{"WithKeepAlives: transport replays", []Option{WithKeepAlives()}, false, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := StartServer(t, tt.opts...)
			tok, csrf := srv.IssueSession()
			srv.On("GET", "/v1/devices", OK(nil), ResetBeforeResponse(), OK(nil))
			c := plainClient(t, 0)
			if _, err := try(c, "GET", srv.URL+"/v1/devices", auth{tok, csrf}, nil); err != nil {
				t.Fatal(err)
			}
			_, err := try(c, "GET", srv.URL+"/v1/devices", auth{tok, csrf}, nil)
			if (err != nil) != tt.secondErr {
				t.Fatalf("second call error %v, want error %v", err, tt.secondErr)
			}
			srv.AssertCalls(t, "GET", "/v1/devices", tt.serverSeen)
		})
	}
}

func TestServerDateFollowsClockSkew(t *testing.T) {
	clk := NewFakeClock() // stands still: the Date header is exact
	base := clk.Now()
	srv := StartServer(t, WithClockSkew(20*time.Minute), WithPlatformClock(clk))
	c := plainClient(t, 0)
	check := func(skew time.Duration) {
		t.Helper()
		a := do(t, c, "GET", srv.URL+"/v1/devices", auth{}, nil)
		date, err := http.ParseTime(a.header.Get("Date"))
		if err != nil {
			t.Fatal(err)
		}
		if want := base.Add(skew).Truncate(time.Second); !date.Equal(want) {
			t.Fatalf("Date %v, want %v (the clock%+v)", date, want, skew)
		}
	}
	check(20 * time.Minute)
	srv.SetClockSkew(-20 * time.Minute)
	check(-20 * time.Minute)
	if got, want := srv.Now(), base.Add(-20*time.Minute); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
}

func TestServerRecordsRequests(t *testing.T) {
	srv := StartServer(t)
	srv.On("POST", "/v1/messages", Code(20005), OK(nil))
	c := plainClient(t, 0)
	_, s := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n")
	for range 2 {
		do(t, c, "POST", srv.URL+"/v1/messages?to=d1", s, []byte(`{"Text":"hi"}`), "Idempotency-Key", "k1")
	}
	do(t, c, "POST", srv.URL+"/v1/messages", s, []byte(`{"Text":"other"}`), "Idempotency-Key", "k2")

	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("recorded %d requests: %v", len(reqs), reqs)
	}
	if r := reqs[0]; !r.Login || r.Reply != KindLogin || r.Seq != 1 || r.Status != 200 {
		t.Errorf("login recorded as %+v", r)
	}
	want := []struct {
		key     string
		attempt int
		kind    Kind
		code    int
		body    string
	}{
		{"k1", 1, KindError, 20005, `{"Text":"hi"}`},
		{"k1", 2, KindOK, 0, `{"Text":"hi"}`},
		{"k2", 1, KindOK, 0, `{"Text":"other"}`},
	}
	for i, w := range want {
		r := reqs[i+1]
		if r.Seq != i+2 || r.Method != "POST" || r.Path != "/v1/messages" || r.IdempotencyKey != w.key ||
			r.Attempt != w.attempt || r.Reply != w.kind || r.Code != w.code || string(r.Body) != w.body ||
			r.Token != s.token || r.Header.Get("X-CSRF-Token") != s.csrf {
			t.Errorf("request %d recorded as %+v, want %+v", i+2, r, w)
		}
	}
	if reqs[1].Query.Get("to") != "d1" {
		t.Errorf("query %v", reqs[1].Query)
	}
	// Requests returns copies.
	reqs[1].Body[0] = 'X'
	reqs[1].Header.Set("X-CSRF-Token", "changed")
	if again := srv.Requests()[1]; again.Body[0] != '{' || again.Header.Get("X-CSRF-Token") != s.csrf {
		t.Errorf("Requests shares memory with the record")
	}
	srv.Reset()
	if len(srv.Requests()) != 0 || srv.Logins() != 0 || srv.Count("POST", "/v1/messages") != 0 {
		t.Errorf("Reset kept records")
	}
	if a := do(t, c, "POST", srv.URL+"/v1/messages", s, nil); a.status != 404 {
		t.Errorf("after Reset the route answered %v, want the 404 of an unscripted route", a)
	}
}

func TestServerAssertionsPrintWhatWasCalled(t *testing.T) {
	srv := StartServer(t)
	tok, csrf := srv.IssueSession()
	srv.On("GET", "/v1/devices", Code(20005), OK(nil))
	c := plainClient(t, 0)
	do(t, c, "GET", srv.URL+"/v1/devices", auth{tok, csrf}, nil)
	do(t, c, "GET", srv.URL+"/v1/devices", auth{tok, csrf}, nil)
	ft := newFakeTB(t)
	if srv.AssertCalls(ft, "GET", "/v1/devices", 3) || srv.AssertLogins(ft, 1) {
		t.Fatal("assertions passed")
	}
	msg := ft.joined()
	for _, want := range []string{"GET /v1/devices called 2 times, want 3", "0 successful logins (0 attempts), want 1", "GET  /v1/devices  2  20005 ok"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

// 200 goroutines share one session; the sessions end; every holder gets
// 10001 until one login, after which all succeed: the storm a client must
// collapse into exactly one login.
func TestServerSessionStorm(t *testing.T) {
	srv := StartServer(t)
	srv.On("GET", "/v1/devices", OK(nil))
	c := plainClient(t, 0)
	c.Transport.(*http.Transport).MaxConnsPerHost = 50
	_, first := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n0")
	srv.InvalidateSessions()

	const n = 200
	var (
		mu      sync.Mutex
		current = first
		gen     int
		got     atomic.Int64
		wg      sync.WaitGroup
	)
	relogin := func(seen int) auth {
		mu.Lock()
		defer mu.Unlock()
		if gen == seen {
			a := do(t, c, "POST", srv.URL+DefaultLoginPath, auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "storm"))
			r := a.response()
			current = auth{r["Token"].(string), r["CSRFToken"].(string)}
			gen++
		}
		return current
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			s, seen := current, gen
			mu.Unlock()
			a, err := try(c, "GET", srv.URL+"/v1/devices", s, nil)
			if err != nil {
				t.Error(err)
				return
			}
			got.Add(1)
			if a.code() == 10001 {
				s = relogin(seen)
				if a, err = try(c, "GET", srv.URL+"/v1/devices", s, nil); err != nil || a.code() != 0 {
					t.Errorf("replay: %v %v", a, err)
				}
			}
		}()
	}
	wg.Wait()
	srv.AssertLogins(t, 2) // the first login and exactly one relogin
	var storm int
	for _, r := range srv.Requests() {
		if r.Code == 10001 {
			storm++
		}
	}
	if total := srv.Count("GET", "/v1/devices"); total != n+storm || storm < 1 {
		t.Fatalf("%d calls with %d 10001s; want %d + the 10001s", total, storm, n)
	}
}

// 200 goroutines on one script: exactly the scripted number of failures,
// arrival numbers unique.
func TestServerConcurrentScript(t *testing.T) {
	srv := StartServer(t)
	tok, csrf := srv.IssueSession()
	srv.On("POST", "/v1/messages", Code(20005).Times(50), OK(nil))
	c := plainClient(t, 0)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := try(c, "POST", srv.URL+"/v1/messages", auth{tok, csrf}, []byte(itoa(int64(i))))
			if err != nil {
				t.Error(err)
				return
			}
			if a.code() == 20005 {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 50 {
		t.Fatalf("%d calls got 20005, want 50", failed.Load())
	}
	seen := map[int]bool{}
	bodies := map[string]bool{}
	for _, r := range srv.Requests() {
		seen[r.Seq] = true
		bodies[string(r.Body)] = true
	}
	if len(seen) != 200 || len(bodies) != 200 {
		t.Fatalf("%d distinct Seq, %d distinct bodies; want 200", len(seen), len(bodies))
	}
}

func TestServerCloseEndsSlowReplies(t *testing.T) {
	srv := NewServer()
	tok, csrf := srv.IssueSession()
	// An hour each: were Close to wait for them, the test would time out.
	// Open gates only tell the test that each request has arrived.
	replies := map[string]Reply{
		"/slow":    SlowHeaders(time.Hour),
		"/trickle": SlowBody(time.Hour),
		"/delay":   OK(nil).WithDelay(time.Hour),
		"/gated":   OK(nil),
	}
	c := plainClient(t, 0)
	var wg sync.WaitGroup
	errs := make(chan error, len(replies))
	for p, rep := range replies {
		arrived := NewGate()
		if p != "/gated" {
			arrived.Open()
		}
		srv.On("GET", p, rep.WithGate(arrived))
		wg.Go(func() {
			_, err := try(c, "GET", srv.URL+p, auth{tok, csrf}, nil)
			errs <- err
		})
		<-arrived.Arrived()
	}
	srv.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil {
			t.Errorf("a slow reply was answered, want every one dropped by Close")
		}
	}
	srv.Close() // twice is fine
}

func TestServerListensOnLoopback(t *testing.T) {
	srv := StartServer(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", srv.URL)
	}
}

func TestLoginBodySignature(t *testing.T) {
	at := time.Unix(1700000000, 0)
	var v map[string]any
	if err := json.NewDecoder(bytes.NewReader(LoginBody("app", "secret", at, "abc"))).Decode(&v); err != nil {
		t.Fatal(err)
	}
	// Computed independently: printf 'app\n1700000000\nabc' | openssl dgst -sha256 -hmac secret
	const want = "52377b74c58591555ece0c97a315737541a902c8bfa7caef6523e4f60eb3cb78"
	if v["Sig"] != Sign("secret", "app", 1700000000, "abc") || v["Timestamp"] != float64(1700000000) {
		t.Fatalf("body %v", v)
	}
	if got := Sign("secret", "app", 1700000000, "abc"); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
