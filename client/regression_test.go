package client_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

func TestLoginPanicIsALoginErrorNotACrash(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/a", ok(`{}`))
	c, _ := client.New(f.URL, client.WithLogin(func(context.Context) (client.Session, error) {
		panic("boom in login")
	}))
	// Unrecovered, singleflight would re-panic in its own goroutine and end
	// the test binary.
	err := c.Do(context.Background(), "GET", "/a", nil, nil)
	var le *client.LoginFailedError
	if !stderrors.As(err, &le) || !strings.Contains(err.Error(), "panicked") || f.count("GET", "/a") != 0 {
		t.Errorf("err = %v, calls %d; want a LoginFailedError and no call", err, f.count("GET", "/a"))
	}
}

func TestEmptyTokenIsALoginErrorNotALoginPerCall(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/a", code(10001))
	var logins atomic.Int64
	c, err := client.New(f.URL, client.WithClock(mock.NewFakeClock()), client.WithLogin(func(context.Context) (client.Session, error) {
		logins.Add(1)
		return client.Session{}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		err = c.Do(context.Background(), "GET", "/a", nil, nil)
		var le *client.LoginFailedError
		if !stderrors.As(err, &le) {
			t.Fatalf("err = %v, want a LoginFailedError", err)
		}
	}
	if logins.Load() != 1 || f.count("GET", "/a") != 0 {
		t.Errorf("10 calls: %d logins, %d requests; want 1 and 0 (then the cool-down)", logins.Load(), f.count("GET", "/a"))
	}
}

// TestUnsendableTokenIsALoginErrorNotAFailurePerCall: a token or CSRF
// token with a control character cannot be sent as a header. It used to be
// stored, and then every call failed with a TransportError of 3 attempts
// that sent nothing, spent 10 retry-budget tokens and never logged in again.
func TestUnsendableTokenIsALoginErrorNotAFailurePerCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		sess client.Session
	}{
		{"CRLF in the token", client.Session{Token: "canaryTok\r\nX-Evil: 1", CSRFToken: "canaryCsrf"}},
		{"NUL in the CSRF token", client.Session{Token: "canaryTok", CSRFToken: "canary\x00Csrf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/a", ok(`{}`))
			var logins atomic.Int64
			c, err := client.New(f.URL, client.WithClock(mock.NewFakeClock()), client.WithLogin(func(context.Context) (client.Session, error) {
				logins.Add(1)
				return tc.sess, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			for range 10 {
				err = c.Do(context.Background(), "GET", "/a", nil, nil)
				var le *client.LoginFailedError
				if !stderrors.As(err, &le) {
					t.Fatalf("err = %v, want a LoginFailedError", err)
				}
				if strings.Contains(err.Error(), "canary") {
					t.Fatalf("err = %q shows the token", err)
				}
			}
			if logins.Load() != 1 || f.count("GET", "/a") != 0 || c.Stats().RetryTokens != 500 {
				t.Errorf("10 calls: %d logins, %d requests, budget %d; want 1, 0 (then the cool-down), 500",
					logins.Load(), f.count("GET", "/a"), c.Stats().RetryTokens)
			}
		})
	}
}

// TestSharedLoginErrorIsNotRewrittenByItsWaiters runs under -race in CI: the
// login's error is shared by every waiter and must not be written to.
func TestSharedLoginErrorIsNotRewrittenByItsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		gate := make(chan struct{})
		c, _ := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithLogin(func(context.Context) (client.Session, error) {
				<-gate
				return client.Session{}, &apierrors.APIError{Code: 10005, Message: "bad credentials"}
			}))
		defer c.Close()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = c.Do(context.Background(), "GET", []string{"/a", "/b"}[i%2], nil, nil) })
		}
		synctest.Wait() // all eight wait for the one login
		close(gate)
		wg.Wait()
		for _, err := range errs {
			var ae *apierrors.APIError
			if !stderrors.As(err, &ae) || ae.Code != 10005 || ae.Method != "" || ae.Path != "" {
				t.Errorf("err = %v: want the login's 10005, not labelled with a call", err)
			}
		}
	})
}

func TestHeadResponsesAreNotRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(40<<20))
		w.WriteHeader(200)
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL)
	if err := c.Do(context.Background(), "HEAD", "/obj", nil, nil); err != nil {
		t.Errorf("HEAD of a 40 MiB resource: %v", err)
	}
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(30<<20))
		w.WriteHeader(200)
	}))
	defer srv2.Close()
	c2, _ := client.New(srv2.URL)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := 0; i < 5; i++ {
		if err := c2.Do(context.Background(), "HEAD", "/obj", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&m1)
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 10<<20 {
		t.Errorf("5 HEAD calls with empty bodies allocated %d MiB", d>>20)
	}
}

func TestALyingContentLengthDoesNotAllocateWhatNeverArrives(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, _ := w.(http.Hijacker).Hijack()
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 32000000\r\n\r\n{}")
		buf.Flush()
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL, client.WithClock(mock.NewFakeClock()))
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	err := c.Do(context.Background(), "GET", "/x", nil, nil)
	runtime.ReadMemStats(&m1)
	t.Logf("err: %v", err)
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 10<<20 {
		t.Errorf("one call against a 2-byte body allocated %d MiB", d>>20)
	}
}

func TestLoginBodySnippetNeverKeepsTheTokens(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/a", ok(`{}`))
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		write(w, reply{status: 200, body: `{"Response":{"Token":"SECRET-TOKEN","CSRFToken":"SECRET-CSRF","ExpiresIn":"3600"}}`})
		return true
	}
	var hooked []client.AttemptInfo
	c := newClient(t, f, mock.NewFakeClock(), client.WithAttemptHook(func(i client.AttemptInfo) { hooked = append(hooked, i) }))
	err := c.Do(context.Background(), "GET", "/a", nil, nil)
	var de *apierrors.DecodeError
	if stderrors.As(err, &de) && strings.Contains(de.Snippet, "SECRET-TOKEN") {
		t.Errorf("returned error carries the token: Snippet=%q", de.Snippet)
	}
	for _, h := range hooked {
		if stderrors.As(h.Err, &de) && strings.Contains(de.Snippet, "SECRET") {
			t.Errorf("AttemptInfo.Err (Login=%v) carries the token: %q", h.Login, de.Snippet)
			break
		}
	}
}

func TestLateSessionCodeKeepsTheFreshLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var slowSeen atomic.Int64
		var p *memPlatform
		p = newMemPlatform(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/slow" && slowSeen.Add(1) == 1 {
				<-release
				return respond(code(10001))(r) // the answer to the old token, arriving late
			}
			if r.Header.Get("Authorization") != fmt.Sprint("Bearer tok-", p.logins.Load()) {
				return respond(code(10001))(r) // one session at a time
			}
			return respond(ok(`{}`))(r)
		})
		clk := mock.NewFakeClock()
		c, _ := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}),
			client.WithCredentials("app", "sec"), client.WithClock(clk), client.WithRandom(half))
		defer c.Close()
		if _, err := c.Session(context.Background()); err != nil { // generation 1
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Do(context.Background(), "GET", "/slow", nil, nil) }()
		synctest.Wait()
		clk.Advance(3560 * time.Second) // 40 s left: due
		if err := c.Do(context.Background(), "GET", "/b", nil, nil); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()                 // refreshed: generation 2
		clk.Advance(3560 * time.Second) // generation 2 now due
		close(release)
		if err := <-done; err != nil {
			t.Errorf("stale-session call failed although a fresh login (#%d) succeeded: %v", c.Stats().Logins, err)
		}
		if c.Stats().Logins != 3 {
			t.Errorf("logins %d, want 3 (the first, the refresh, the one the late 10001 waited for)", c.Stats().Logins)
		}
	})
}

func TestReloginThatMeetsACooldownWaitsItOut(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/x", code(10001), ok(`{}`))
	var attempts atomic.Int64
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if attempts.Add(1) == 2 { // the relogin is throttled once
			write(w, code(10004))
			return true
		}
		return false
	}
	clk := mock.NewFakeClock()
	c := newClient(t, f, clk)
	if err := c.Do(context.Background(), "GET", "/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if attempts.Load() != 3 || f.count("GET", "/x") != 2 || fmt.Sprint(clk.Sleeps()) != "[1s]" {
		t.Errorf("login attempts %d, calls %d, sleeps %v; want 3, 2, [1s]", attempts.Load(), f.count("GET", "/x"), clk.Sleeps())
	}
}

func TestGetWithABodyIsAnInputError(t *testing.T) {
	c, _ := client.New("http://127.0.0.1:1")
	var ie *client.InputError
	if err := c.Do(context.Background(), "GET", "/x", map[string]int{"a": 1}, nil); !stderrors.As(err, &ie) || ie.Field != "in" {
		t.Errorf("err = %v", err)
	}
}
