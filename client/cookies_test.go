package client_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/devcloud/devcloud-go/client"
)

// TestOwnClientKeepsNoCookies wants the client's own HTTP client to send no
// cookie a response set (the platform's sessions are bearer tokens; a jar
// would replay a gateway's cookie into every later call, a relogin's
// included), and a client the caller passes to keep its own jar.
func TestOwnClientKeepsNoCookies(t *testing.T) {
	var (
		mu      sync.Mutex
		cookies []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.Header.Get("Cookie"))
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "affinity", Value: "gw-1", Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Response":{"RequestId":"r"}}`))
	}))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []client.Option
		want string // the second request's Cookie
	}{
		{"own client", nil, ""},
		{"caller's client with a jar", []client.Option{client.WithHTTPClient(&http.Client{Jar: jar})}, "affinity=gw-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			cookies = nil
			mu.Unlock()
			c, err := client.New(srv.URL, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			for range 2 {
				if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(cookies) != 2 || cookies[0] != "" || cookies[1] != tc.want {
				t.Fatalf("Cookie headers sent: %q, want [\"\" %q]", cookies, tc.want)
			}
		})
	}
}
