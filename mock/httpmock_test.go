package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/jarcoal/httpmock"
)

func TestMockLogin(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		body   []byte
		want   int
		logins int
	}{
		{"default app", nil, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n"), 0, 1},
		{"added app", []Option{WithApp("app2", "s2")}, LoginBody("app2", "s2", time.Now(), "n"), 0, 1},
		{"wrong secret", nil, LoginBody(DefaultAppID, "nope", time.Now(), "n"), 10005, 0},
		{"unknown app", nil, LoginBody("stranger", "s", time.Now(), "n"), 10003, 0},
		{"missing fields", nil, []byte(`{"AppId":"devcloud-mock-app"}`), 10000, 0},
		{"timestamps are not checked", nil, LoginBody(DefaultAppID, DefaultSecret, time.Now().Add(-time.Hour), "n"), 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := New(t, tt.opts...)
			a := do(t, m.HTTPClient(), "POST", m.BaseURL()+DefaultLoginPath, auth{}, tt.body)
			if a.code() != tt.want {
				t.Fatalf("got %v, want code %d", a, tt.want)
			}
			if tt.want == 0 {
				r := a.response()
				if r["Token"] == "" || r["CSRFToken"] == "" || r["ExpiresIn"] != float64(3600) {
					t.Fatalf("login answer %v", a)
				}
			}
			m.AssertLogins(t, tt.logins)
			if m.LoginAttempts() != 1 {
				t.Fatalf("LoginAttempts() = %d", m.LoginAttempts())
			}
		})
	}
}

func TestMockOnLogin(t *testing.T) {
	m := New(t, WithLoginPath("/auth"), WithSessionTTL(10*time.Minute))
	m.OnLogin(Code(10004), LoginOK().WithRequestID("login-1"))
	c := m.HTTPClient()
	first := do(t, c, "POST", m.BaseURL()+"/auth", auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n1"))
	second := do(t, c, "POST", m.BaseURL()+"/auth", auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n2"))
	if first.code() != 10004 || second.code() != 0 || second.response()["RequestId"] != "login-1" || second.response()["ExpiresIn"] != float64(600) {
		t.Fatalf("first %v, second %v", first, second)
	}
	m.AssertLogins(t, 1)
}

func TestMockScriptInOrderThenLastRepeats(t *testing.T) {
	m := New(t)
	m.On("GET", "/v1/devices", Code(20005).Times(2), Code(502), OK(map[string]string{"Name": "d1"}))
	var got []string
	for range 6 {
		a := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices?page=1", auth{}, nil)
		got = append(got, itoa(int64(a.status))+"/"+itoa(int64(a.code())))
	}
	if want := "200/20005 200/20005 502/502 200/0 200/0 200/0"; strings.Join(got, " ") != want {
		t.Fatalf("answers %q, want %q", strings.Join(got, " "), want)
	}
	m.AssertCalls(t, "GET", "/v1/devices", 6)
}

func TestMockExhaustedFailsTheTest(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	m.On("DELETE", "/v1/devices/d1", OK(nil), Exhausted())
	first := do(t, m.HTTPClient(), "DELETE", m.BaseURL()+"/v1/devices/d1", auth{}, nil)
	second := do(t, m.HTTPClient(), "DELETE", m.BaseURL()+"/v1/devices/d1", auth{}, nil)
	if first.code() != 0 || second.status != 501 || second.code() != 501 {
		t.Fatalf("first %v, second %v", first, second)
	}
	if msg := ft.joined(); !strings.Contains(msg, "DELETE /v1/devices/d1 called after its script was exhausted") {
		t.Fatalf("failure %q", msg)
	}
}

func TestMockUnmatchedRequestFailsTheTest(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	m.On("GET", "/v1/devices", OK(nil))
	callerLine := thisLine() + 1
	resp, err := m.HTTPClient().Get(m.BaseURL() + "/v1/device?secret=s3") // the caller's line
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "mock: no route for GET https://devcloud.test/v1/device") {
		t.Fatalf("answer %d %s; want a 404 naming the route", resp.StatusCode, body)
	}
	msg := ft.joined()
	if strings.Contains(msg+string(body), "s3") {
		t.Errorf("a query value leaked:\n%s\n%s", msg, body)
	}
	for _, want := range []string{fmt.Sprintf("httpmock_test.go:%d: ", callerLine), "no route for GET https://devcloud.test/v1/device (query ignored)",
		"scripted routes: GET /v1/devices, POST /v1/login", "GET  /v1/device  1  unmatched"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure lacks %q:\n%s", want, msg)
		}
	}
	if c := m.Requests(); len(c) != 1 || c[0].Reply != KindUnmatched {
		t.Fatalf("Requests() = %v", c)
	}
}

func TestMockWithNotFoundAnswersInstead(t *testing.T) {
	m := New(t, WithNotFound(Code(404)))
	a := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/nowhere", auth{}, nil)
	if a.status != 404 || a.code() != 404 {
		t.Fatalf("got %v", a)
	}
	m.AssertCalls(t, "GET", "/v1/nowhere", 1)
}

func TestMockReplies(t *testing.T) {
	tests := []struct {
		name        string
		reply       Reply
		status      int
		code        int
		contentType string
		body        string
	}{
		{"OK", OK(map[string]int{"Total": 3}).WithRequestID("r1"), 200, 0, "application/json; charset=utf-8", `{"Response":{"Total":3,"RequestId":"r1"}}`},
		{"OK raw JSON", OK(json.RawMessage(`{ "A" : 1 }`)).WithRequestID("r2"), 200, 0, "application/json; charset=utf-8", `{"Response":{"A":1,"RequestId":"r2"}}`},
		{"OK keeps payload RequestId", OK(map[string]string{"RequestId": "mine"}), 200, 0, "application/json; charset=utf-8", `{"Response":{"RequestId":"mine"}}`},
		{"OK nil", OK(nil).WithRequestID("r3"), 200, 0, "application/json; charset=utf-8", `{"Response":{"RequestId":"r3"}}`},
		{"Error", Code(10002).WithRequestID("r4"), 200, 10002, "application/json; charset=utf-8", `{"Response":{"Error":{"Code":10002,"Message":"`},
		{"HTTP code", Code(504), 504, 504, "application/json; charset=utf-8", ``},
		{"HTML", HTML(502, "<html>bad gateway</html>"), 502, 0, "text/html", `<html>bad gateway</html>`},
		{"Status", Status(204), 204, 0, "", ``},
		{"Raw", Raw(200, "text/plain", `{"Response":{"Error":{"Code":"20005"}}}`), 200, 20005, "text/plain", `"20005"`},
	}
	m := New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.On("GET", "/r", tt.reply)
			a := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/r", auth{}, nil)
			if a.status != tt.status || a.code() != tt.code || a.header.Get("Content-Type") != tt.contentType || !strings.Contains(string(a.body), tt.body) {
				t.Fatalf("got %v (Content-Type %q), want HTTP %d code %d %q %s", a, a.header.Get("Content-Type"), tt.status, tt.code, tt.contentType, tt.body)
			}
			if a.contentLength != int64(len(a.body)) || a.header.Get("Date") == "" {
				t.Fatalf("Content-Length %d for %d bytes, Date %q", a.contentLength, len(a.body), a.header.Get("Date"))
			}
		})
	}
}

func TestMockFaults(t *testing.T) {
	custom := errors.New("proxy said no")
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
		{"connection refused", ConnectionRefused(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			var op *net.OpError
			if a != nil || !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &op) || op.Op != "dial" {
				t.Fatalf("got %v, %v; want a dial ECONNREFUSED", a, err)
			}
		}},
		{"network error", NetworkError(custom), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a != nil || !errors.Is(err, custom) {
				t.Fatalf("got %v, %v; want the custom error", a, err)
			}
		}},
		{"reset mid body", ResetMidBody(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if a == nil || a.status != 200 || !errors.Is(err, syscall.ECONNRESET) || int64(len(a.body)) != a.contentLength/2 {
				t.Fatalf("got %v, %v; want half a 200 body then ECONNRESET", a, err)
			}
		}},
		{"truncated JSON", TruncatedJSON(), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			var v any
			if err != nil || int64(len(a.body)) != a.contentLength || json.Unmarshal(a.body, &v) == nil {
				t.Fatalf("got %v, %v; want a complete 200 with broken JSON", a, err)
			}
		}},
		// The Mock runs in a synctest bubble: its waits and the client's
		// timer are on the bubble's clock, so the times are exact.
		{"slow headers past the client timeout", SlowHeaders(2 * time.Second), 30 * time.Millisecond, func(t *testing.T, a *answer, err error, took time.Duration) {
			if a != nil || !isTimeout(err) || took != 30*time.Millisecond {
				t.Fatalf("got %v, %v after %v; want a client timeout from Do after 30ms", a, err, took)
			}
		}},
		{"slow body past the client timeout", SlowBody(2 * time.Second), 50 * time.Millisecond, func(t *testing.T, a *answer, err error, took time.Duration) {
			if a == nil || a.status != 200 || !isTimeout(err) || took != 50*time.Millisecond {
				t.Fatalf("got %v, %v after %v; want a 200 whose body read times out after 50ms", a, err, took)
			}
		}},
		{"slow body within the timeout", SlowBody(30 * time.Millisecond), time.Second, func(t *testing.T, a *answer, err error, took time.Duration) {
			if err != nil || !json.Valid(a.body) || took != 30*time.Millisecond {
				t.Fatalf("got %v, %v after %v; want the whole body after 30ms", a, err, took)
			}
		}},
		{"oversized", Oversized(3 << 20), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if err != nil || len(a.body) != 3<<20 || a.contentLength != 3<<20 || !json.Valid(a.body) {
				t.Fatalf("got %d bytes, Content-Length %d, err %v", len(a.body), a.contentLength, err)
			}
		}},
		{"tiny oversized is still JSON", Oversized(1), 0, func(t *testing.T, a *answer, err error, _ time.Duration) {
			if err != nil || !json.Valid(a.body) || int64(len(a.body)) != a.contentLength {
				t.Fatalf("got %v, %v", a, err)
			}
		}},
		{"delay", OK(nil).WithDelay(20 * time.Millisecond), 0, func(t *testing.T, a *answer, err error, took time.Duration) {
			if err != nil || took != 20*time.Millisecond {
				t.Fatalf("got %v, %v after %v", a, err, took)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				m := New(t)
				m.On("GET", "/f", tt.reply)
				c := m.HTTPClient()
				c = &http.Client{Transport: c.Transport, Timeout: tt.timeout}
				start := time.Now()
				a, err := try(c, "GET", m.BaseURL()+"/f", auth{}, nil)
				tt.check(t, a, err, time.Since(start))
				if r := m.Requests(); len(r) != 1 || r[0].Reply != tt.reply.Kind() {
					t.Fatalf("recorded %v", r)
				}
			})
		})
	}
}

func TestMockRecordsCalls(t *testing.T) {
	m := New(t)
	m.On("POST", "/v1/messages", Code(20022), OK(nil))
	c := m.HTTPClient()
	_, s := login(t, c, m.BaseURL(), DefaultAppID, DefaultSecret, time.Now(), "n")
	for range 2 {
		do(t, c, "POST", m.BaseURL()+"/v1/messages?to=d1", s, []byte(`{"Text":"hi"}`), "Idempotency-Key", "k1")
	}
	calls := m.Requests()
	if len(calls) != 3 {
		t.Fatalf("Requests() = %v", calls)
	}
	for i, want := range []struct {
		attempt int
		kind    Kind
		code    int
	}{{1, KindError, 20022}, {2, KindOK, 0}} {
		r := calls[i+1]
		if r.Seq != i+2 || r.Attempt != want.attempt || r.Reply != want.kind || r.Code != want.code ||
			string(r.Body) != `{"Text":"hi"}` || r.IdempotencyKey != "k1" || r.Token != s.token ||
			r.Header.Get("X-CSRF-Token") != s.csrf || r.Query.Get("to") != "d1" || r.Path != "/v1/messages" {
			t.Errorf("call %d recorded as %+v", i+2, r)
		}
	}
	if m.Count("post", "v1/messages?x=1") != 2 {
		t.Errorf("Count does not normalise method, slash and query")
	}
}

func TestMockAssertionsPrintWhatWasCalled(t *testing.T) {
	m := New(t)
	m.On("GET", "/v1/devices", Code(20005), OK(nil))
	do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices", auth{}, nil)
	ft := newFakeTB(t)
	if m.AssertCalls(ft, "GET", "/v1/devices", 2) || m.AssertLogins(ft, 1) {
		t.Fatal("assertions passed")
	}
	for _, want := range []string{"GET /v1/devices called 1 times, want 2", "0 successful logins (0 attempts), want 1", "GET  /v1/devices  1  20005"} {
		if !strings.Contains(ft.joined(), want) {
			t.Errorf("message lacks %q:\n%s", want, ft.joined())
		}
	}
	if !m.AssertCalls(t, "GET", "/v1/devices", 1) || !m.AssertLogins(t, 0) {
		t.Fatal("true assertions failed")
	}
}

func TestMockExpectAllConsumed(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	m.ExpectAllConsumed()
	m.ExpectAllConsumed() // once is enough
	m.On("GET", "/v1/devices", Code(20005).Times(2), OK(nil), Exhausted())
	m.On("GET", "/v1/users", OK(nil))
	do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices", auth{}, nil)
	do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/users", auth{}, nil)
	ft.runCleanups()
	errs := ft.errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "GET /v1/devices: 1 of 3 scripted replies used (error 20005 ×2, ok, exhausted)") ||
		strings.Contains(errs[0], "/v1/users:") || strings.Contains(errs[0], "/v1/login:") {
		t.Fatalf("failures %q", errs)
	}
}

func TestMockDateFollowsClockSkew(t *testing.T) {
	clk := NewFakeClock() // stands still: the Date header is exact
	base := clk.Now()
	m := New(t, WithClockSkew(-20*time.Minute), WithPlatformClock(clk))
	m.On("GET", "/v1/time", OK(nil))
	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		m.SetClockSkew(skew)
		a := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/time", auth{}, nil)
		date, err := http.ParseTime(a.header.Get("Date"))
		if err != nil {
			t.Fatal(err)
		}
		if want := base.Add(skew).Truncate(time.Second); !date.Equal(want) {
			t.Fatalf("Date %v, want %v (the clock%+v)", date, want, skew)
		}
	}
}

// Two Mocks in parallel tests, same route, different scripts: neither sees
// the other, and the process-wide transport is never replaced.
func TestMockIsolation(t *testing.T) {
	before := http.DefaultTransport
	for _, code := range []int{20005, 20022} {
		t.Run(itoa(int64(code)), func(t *testing.T) {
			t.Parallel()
			m := New(t)
			m.ExpectAllConsumed()
			m.On("GET", "/v1/devices", Code(apierrors.Code(code)).Times(20), Exhausted())
			for range 20 {
				if a := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices", auth{}, nil); a.code() != code {
					t.Errorf("got %v, want %d", a, code)
				}
			}
			m.AssertCalls(t, "GET", "/v1/devices", 20)
		})
	}
	if http.DefaultTransport != before {
		t.Fatal("http.DefaultTransport was replaced")
	}
}

func TestMockConcurrent(t *testing.T) {
	m := New(t)
	m.On("POST", "/v1/messages", Code(20005).Times(50), OK(nil))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := try(m.HTTPClient(), "POST", m.BaseURL()+"/v1/messages", auth{}, []byte(itoa(int64(i))))
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
	if failed.Load() != 50 || m.Count("POST", "/v1/messages") != 200 {
		t.Fatalf("%d failures in %d calls, want 50 in 200", failed.Load(), m.Count("POST", "/v1/messages"))
	}
}

func TestRefusedURLRefuses(t *testing.T) {
	_, err := try(plainClient(t, 0), "GET", RefusedURL()+"/v1/devices", auth{}, nil)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want ECONNREFUSED", err)
	}
}

func TestReplyPanicsOnMistakes(t *testing.T) {
	m := New(t)
	for name, f := range map[string]func(){
		"unmarshalable payload":   func() { OK(make(chan int)) },
		"Times(0)":                func() { OK(nil).Times(0) },
		"no replies":              func() { m.On("GET", "/x") },
		"Exhausted in the middle": func() { m.On("GET", "/x", Exhausted(), OK(nil)) },
		"LoginOK off the login":   func() { m.On("GET", "/x", LoginOK()) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestMockBaseURLWithPrefix(t *testing.T) {
	m := New(t, WithBaseURL("https://api.test/cloud/"))
	m.On("GET", "/v1/devices", OK(nil))
	if m.BaseURL() != "https://api.test/cloud" {
		t.Fatalf("BaseURL() = %q", m.BaseURL())
	}
	do(t, m.HTTPClient(), "POST", m.BaseURL()+DefaultLoginPath, auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "n"))
	do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices", auth{}, nil)
	m.AssertCalls(t, "GET", "/v1/devices", 1)
	m.AssertLogins(t, 1)
}

func TestMockSessionCodeEndsTheSessionForEveryLaterRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(m *Mock)
		want int
	}{
		{"scripted 10001", func(m *Mock) {}, codeNotLoggedIn},
		{"scripted 10002", func(m *Mock) {}, codeLoginTimeout},
		{"InvalidateSessions", func(m *Mock) { m.InvalidateSessions() }, codeNotLoggedIn},
		{"ExpireSessions", func(m *Mock) { m.ExpireSessions() }, codeLoginTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(t)
			c := m.HTTPClient()
			_, old := login(t, c, m.BaseURL(), DefaultAppID, DefaultSecret, time.Now(), "n1")
			script := []Reply{OK(nil)}
			if strings.HasPrefix(tc.name, "scripted") {
				script = []Reply{Code(apierrors.Code(tc.want)), OK(nil)}
			}
			m.On("GET", "/v1/devices", script...)
			tc.end(m)
			for i := range 3 { // the first may take the scripted code; all three get it
				if got := do(t, c, "GET", m.BaseURL()+"/v1/devices", old, nil).code(); got != tc.want {
					t.Fatalf("request %d with the ended session answered %d, want %d", i+1, got, tc.want)
				}
			}
			_, fresh := login(t, c, m.BaseURL(), DefaultAppID, DefaultSecret, time.Now(), "n2")
			if got := do(t, c, "GET", m.BaseURL()+"/v1/devices", fresh, nil).code(); got != 0 {
				t.Fatalf("a new session answered %d, want the script's OK", got)
			}
			if got := do(t, c, "GET", m.BaseURL()+"/v1/devices", auth{token: "never-issued"}, nil).code(); got != 0 {
				t.Fatalf("an unknown token answered %d; the Mock does not check tokens", got)
			}
			m.AssertCalls(t, "GET", "/v1/devices", 5)
		})
	}
}

// thisLine returns the line it is called on.
func thisLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

func TestMockRecordsWhatTransportRespondersAnswer(t *testing.T) {
	m := New(t)
	m.Transport().RegisterResponder("GET", m.BaseURL()+"/v1/own", httpmock.NewStringResponder(202, `{"Response":{}}`))
	m.Transport().RegisterResponder("GET", m.BaseURL()+"/v1/broken", httpmock.NewErrorResponder(errors.New("boom")))
	m.On("GET", "/v1/devices", OK(nil))
	for _, c := range []*http.Client{m.HTTPClient(), m.ClientConfig().HTTPClient(), {Transport: m}} {
		if got := do(t, c, "GET", m.BaseURL()+"/v1/own", auth{}, []byte("hello")); got.status != 202 {
			t.Fatalf("own responder: %v", got)
		}
		if _, err := try(c, "GET", m.BaseURL()+"/v1/broken", auth{}, nil); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("error responder: %v", err)
		}
		do(t, c, "GET", m.BaseURL()+"/v1/devices", auth{}, nil)
	}
	m.AssertCalls(t, "GET", "/v1/own", 3)
	m.AssertCalls(t, "GET", "/v1/broken", 3)
	m.AssertCalls(t, "GET", "/v1/devices", 3)
	reqs := m.Requests()
	if len(reqs) != 9 {
		t.Fatalf("%d requests recorded, want 9", len(reqs))
	}
	own, broken, scripted := reqs[0], reqs[1], reqs[2]
	if own.Reply != KindResponder || own.Status != 202 || string(own.Body) != "hello" || own.Seq != 1 {
		t.Errorf("own responder's request: %+v", own)
	}
	if broken.Reply != KindNetworkError || broken.Status != 0 {
		t.Errorf("error responder's request: %+v", broken)
	}
	if scripted.Reply != KindOK || scripted.Pattern != "GET /v1/devices" {
		t.Errorf("scripted request: %+v", scripted)
	}

	// The transport used directly still reaches the routes, which record
	// what they answer.
	do(t, &http.Client{Transport: m.Transport()}, "GET", m.BaseURL()+"/v1/devices", auth{}, []byte("direct"))
	m.AssertCalls(t, "GET", "/v1/devices", 4)
	if last := m.Requests()[9]; string(last.Body) != "direct" {
		t.Errorf("direct request's body %q", last.Body)
	}
}

func TestMockAnswersOnlyUnderItsBaseURL(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft, WithBaseURL("https://api.test/cloud/"))
	m.On("GET", "/v1/devices", OK(nil))
	for _, tt := range []struct {
		url    string
		status int
	}{
		{"https://api.test/cloud/v1/devices", 200},
		{"https://api.test/v1/devices", 404},
		{"https://other.test/cloud/v1/devices", 404},
		{"http://api.test/cloud/v1/devices", 404},
	} {
		if got := do(t, m.HTTPClient(), "GET", tt.url, auth{}, nil); got.status != tt.status {
			t.Errorf("%s: %v, want HTTP %d", tt.url, got, tt.status)
		}
	}
	var paths []string
	for _, r := range m.Requests() {
		paths = append(paths, r.Path)
	}
	if want := "/v1/devices /v1/devices /cloud/v1/devices /cloud/v1/devices"; strings.Join(paths, " ") != want {
		t.Errorf("recorded paths %q, want %q: relative to the base URL only below it", paths, want)
	}
	if n := len(ft.errors()); n != 3 {
		t.Errorf("%d failures, want 3 (one per request outside the base URL)", n)
	}
}

// httpmock runs the unmatched reply on a goroutine of its own when the
// request's context can end; the failure still names the test's line.
func TestMockUnmatchedWithACancelableContextNamesTheTestLine(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", m.BaseURL()+"/v1/nowhere", nil)
	_, _, line, _ := runtime.Caller(0)
	resp, err := m.HTTPClient().Do(req) // the line after Caller's
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := fmt.Sprintf("httpmock_test.go:%d: mock: no route for GET", line+1)
	if errs := ft.errors(); len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("failures %q, want one with %q", errs, want)
	}
}

// A scripted route answers on the caller's goroutine, so a script used up
// names the test's line too.
func TestMockExhaustedNamesTheTestLine(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	m.On("GET", "/v1/once", OK(nil), Exhausted())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, "GET", m.BaseURL()+"/v1/once", nil)
		_, _, line, _ := runtime.Caller(0)
		resp, err := m.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if errs := ft.errors(); len(errs) == 1 {
			want := fmt.Sprintf("httpmock_test.go:%d: mock: GET /v1/once called after its script was exhausted", line+1)
			if !strings.Contains(errs[0], want) {
				t.Errorf("failure %q, want %q", errs[0], want)
			}
		}
	}
	if n := len(ft.errors()); n != 1 {
		t.Errorf("%d failures, want 1", n)
	}
}
