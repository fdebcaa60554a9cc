package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// churnPlatform is a healthy platform whose logins never fail, with one
// session per account: it revokes the working session after 50 accepted
// requests (as when another process logs in), then the fresh one on its
// first use (that process logged in twice); the session after works.
type churnPlatform struct {
	mu       sync.Mutex
	issued   int
	valid    map[string]bool
	accepted int
	firstUse map[string]bool
}

func (p *churnPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == client.DefaultLoginPath {
		p.issued++
		tok := fmt.Sprintf("tok-%d", p.issued)
		p.valid = map[string]bool{tok: true} // one session per account
		json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{"Token": tok, "CSRFToken": "c-" + tok, "ExpiresIn": 3600}})
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !p.valid[tok]:
	case tok == "tok-2" && !p.firstUse[tok]:
		p.firstUse[tok] = true
		delete(p.valid, tok) // the fresh session, revoked once
	default:
		p.accepted++
		if p.accepted == 50 {
			delete(p.valid, "tok-1") // the working session, revoked
		}
		fmt.Fprint(w, `{"Response":{}}`)
		return
	}
	fmt.Fprint(w, `{"Response":{"Error":{"Code":10001,"Message":"not logged in"}}}`)
}

// TestRevokedFreshSessionCostsNoCall: the platform revokes a working
// session, then the fresh one once. The second refusal is "revoked again",
// not "refuses every session": no cool-down, the call logs in once more and
// replays. 0 calls fail, with 1 and 20 goroutines (10–189 of ~193 failed
// with a LoginCooldownError when the fresh session's refusal cooled the
// whole client down), and the platform sees 3 logins.
func TestRevokedFreshSessionCostsNoCall(t *testing.T) {
	for _, workers := range []int{1, 20} {
		t.Run(fmt.Sprint(workers, " goroutines"), func(t *testing.T) {
			p := &churnPlatform{firstUse: map[string]bool{}}
			srv := httptest.NewServer(p)
			defer srv.Close()
			c, err := client.New(srv.URL, client.WithCredentials("app", "secret"), client.WithClock(mock.NewFakeClock()), client.WithRandom(half))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var failed []error
			for range workers {
				wg.Go(func() {
					for range 200 / workers {
						if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
							mu.Lock()
							failed = append(failed, err)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			t.Logf("200 calls, %d goroutines, working session then the fresh one revoked: %d failed, %d logins", workers, len(failed), p.issued)
			for i, err := range failed {
				if i < 3 {
					t.Log(err)
				}
			}
			if len(failed) != 0 || p.issued != 3 {
				t.Errorf("failed %d, logins %d; want 0, 3", len(failed), p.issued)
			}
		})
	}
}

// TestPlatformThatStopsAcceptingSessionsCostsBoundedLogins: sessions worked,
// then the platform refuses every one it issues. The first refused fresh
// session is forgiven as revoked again; the second in a row is not, and the
// cool-down holds: 100 calls cost 3 logins in all, not one per call.
func TestPlatformThatStopsAcceptingSessionsCostsBoundedLogins(t *testing.T) {
	var mu sync.Mutex
	logins, accepted := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == client.DefaultLoginPath {
			logins++
			fmt.Fprintf(w, `{"Response":{"Token":"tok-%d","ExpiresIn":3600}}`, logins)
			return
		}
		if r.Header.Get("Authorization") == "Bearer tok-1" && accepted < 50 {
			accepted++
			fmt.Fprint(w, `{"Response":{}}`)
			return
		}
		fmt.Fprint(w, `{"Response":{"Error":{"Code":10001}}}`)
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithCredentials("app", "secret"), client.WithClock(mock.NewFakeClock()), client.WithRandom(half))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	failed := 0
	for range 100 {
		if c.Do(context.Background(), "GET", "/v1/devices", nil, nil) != nil {
			failed++
		}
	}
	t.Logf("100 calls, the platform refusing every session after the 50th: %d failed, %d logins", failed, logins)
	if failed != 50 || logins != 3 {
		t.Errorf("failed %d, logins %d; want 50, 3", failed, logins)
	}
}
