package client_test

import (
	"context"
	stderrors "errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// elsewhere is a loopback server that records what reaches it.
type elsewhere struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.seen = append(e.seen, r)
		e.mu.Unlock()
		write(w, ok(`{"Id":"forged"}`))
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.seen)
}

func TestRedirectsThatLeaveTheCallAreRefusedAndNothingIsSentThere(t *testing.T) {
	other := newElsewhere(t)
	otherHost := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	for _, tc := range []struct {
		name     string
		method   string
		status   int
		location func(api string) string
		reason   string
	}{
		{"307 to another host", "POST", 307, func(string) string { return otherHost + "/steal?k=v" }, "another origin"},
		{"302 to another port", "GET", 302, func(string) string { return other.URL + "/steal" }, "another origin"},
		{"308 to another scheme", "PUT", 308, func(api string) string { return strings.Replace(api, "http://", "https://", 1) + "/x" }, "another origin"},
		{"303 turning a POST into a GET", "POST", 303, func(api string) string { return api + "/moved" }, "turn POST into GET"},
		{"301 turning a DELETE into a GET", "DELETE", 301, func(api string) string { return api + "/moved" }, "turn DELETE into GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			var moved int
			var mu sync.Mutex
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case client.DefaultLoginPath:
					f.Config.Handler.ServeHTTP(w, r)
				case "/moved":
					mu.Lock()
					moved++
					mu.Unlock()
					write(w, ok(`{}`))
				default:
					http.Redirect(w, r, tc.location("http://"+r.Host), tc.status)
				}
			}))
			defer api.Close()
			c, _ := client.New(api.URL, client.WithCredentials("app", "sec"), client.WithClock(mock.NewFakeClock()))
			var in any
			if tc.method != "GET" && tc.method != "DELETE" {
				in = map[string]string{"Secret": "body"}
			}
			var out gadget
			err := c.Do(context.Background(), tc.method, "/a?q=secret-query", in, &out)
			var re *client.RedirectError
			if !stderrors.As(err, &re) || re.Status != tc.status || !strings.Contains(re.Reason, tc.reason) {
				t.Fatalf("err = %v, want a RedirectError %d (%s)", err, tc.status, tc.reason)
			}
			if strings.Contains(err.Error(), "secret-query") || strings.Contains(err.Error(), "k=v") {
				t.Errorf("error shows a query value: %v", err)
			}
			if got := other.count(); got != 0 || moved != 0 || out.ID != "" {
				t.Errorf("requests to the target %d + %d, out %+v; want none", got, moved, out)
			}
			if n := len(f.recorded()); n != 1 { // the login only
				t.Errorf("platform requests %d, want 1 (login)", n)
			}
		})
	}
}

func TestRedirectLoopIsPermanentNotRetried(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		if r.URL.Path == "/a" {
			http.Redirect(w, r, "/b", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/a", http.StatusFound)
	}))
	defer api.Close()
	clk := mock.NewFakeClock()
	c, _ := client.New(api.URL, client.WithClock(clk))
	err := c.Do(context.Background(), "GET", "/a", nil, nil)
	var re *client.RedirectError
	if !stderrors.As(err, &re) || !strings.Contains(re.Reason, "loop") {
		t.Fatalf("err = %v, want a RedirectError for the loop", err)
	}
	if hits != 2 || len(clk.Sleeps()) != 0 {
		t.Errorf("requests %d sleeps %v, want 2 (/a, /b) and none", hits, clk.Sleeps())
	}
}

func TestLoginFollowsNoRedirect(t *testing.T) {
	other := newElsewhere(t)
	var mu sync.Mutex
	var loginBodies, moved int
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case client.DefaultLoginPath:
			loginBodies++
			http.Redirect(w, r, "/v1/login2", http.StatusTemporaryRedirect)
		case "/v1/login2":
			moved++
			write(w, ok(`{"Token":"t","ExpiresIn":3600}`))
		default:
			http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
		}
	}))
	defer api.Close()
	c, _ := client.New(api.URL, client.WithCredentials("app", "sec"), client.WithClock(mock.NewFakeClock()))
	err := c.Do(context.Background(), "GET", "/x", nil, nil)
	var re *client.RedirectError
	var le *client.LoginFailedError
	if !stderrors.As(err, &le) || !stderrors.As(err, &re) || re.Status != 307 {
		t.Fatalf("err = %v, want a LoginFailedError with a RedirectError", err)
	}
	if loginBodies != 1 || moved != 0 || other.count() != 0 {
		t.Errorf("login requests %d, redirected %d, elsewhere %d; want 1, 0, 0", loginBodies, moved, other.count())
	}
}

func TestSameOriginRedirectIsFollowedWithoutReferer(t *testing.T) {
	f := newFakeAPI(t)
	var mu sync.Mutex
	var got http.Header
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case client.DefaultLoginPath:
			f.Config.Handler.ServeHTTP(w, r)
		case "/new":
			mu.Lock()
			got = r.Header.Clone()
			mu.Unlock()
			write(w, ok(`{"Id":"d1"}`))
		default:
			http.Redirect(w, r, "/new", http.StatusFound)
		}
	}))
	defer api.Close()
	c, _ := client.New(api.URL, client.WithCredentials("app", "sec"), client.WithClock(mock.NewFakeClock()))
	var out gadget
	if err := c.Do(context.Background(), "GET", "/old?q=secret", nil, &out, client.Query(nil)); err != nil {
		t.Fatal(err)
	}
	if out.ID != "d1" || got.Get("Referer") != "" || got.Get("Authorization") != "Bearer tok-1" {
		t.Errorf("out %+v, Referer %q, Authorization %q; want d1, none, the session", out, got.Get("Referer"), got.Get("Authorization"))
	}
}

func TestWithHTTPClientLeavesTheCallersClientAlone(t *testing.T) {
	before := *http.DefaultClient
	c, err := client.New("http://127.0.0.1:1", client.WithHTTPClient(http.DefaultClient))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	after := *http.DefaultClient
	if after.Transport != before.Transport || (after.CheckRedirect == nil) != (before.CheckRedirect == nil) || after.Jar != before.Jar || after.Timeout != before.Timeout {
		t.Errorf("http.DefaultClient changed: %+v, was %+v", after, before)
	}
}
