package client_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/retry"
)

// soakPlatform is a healthy platform (its logins never fail) with one
// session per account, that kills the current session once a second and
// at 0.1 % of requests, resets 5 % of connections and answers 5 % of
// requests 503.
type soakPlatform struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	token    string
	issued   int
	kills    int
	requests int
}

func (p *soakPlatform) kill() {
	p.mu.Lock()
	if p.token != "" {
		p.token = ""
		p.kills++
	}
	p.mu.Unlock()
}

func (p *soakPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests++
	if r.URL.Path == client.DefaultLoginPath {
		p.issued++
		p.token = fmt.Sprintf("tok-%d", p.issued)
		tok := p.token
		p.mu.Unlock()
		fmt.Fprintf(w, `{"Response":{"Token":%q,"CSRFToken":"c","ExpiresIn":3600}}`, tok)
		return
	}
	roll := p.rnd.Float64()
	valid := p.token != "" && r.Header.Get("Authorization") == "Bearer "+p.token
	if valid && roll < 0.001 {
		p.token = ""
		p.kills++
	}
	p.mu.Unlock()
	switch {
	case roll < 0.05:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close() // reset: the request was read, no answer
				return
			}
		}
	case roll < 0.10:
		w.WriteHeader(503)
		return
	case !valid:
		fmt.Fprint(w, `{"Response":{"Error":{"Code":10001,"Message":"not logged in"}}}`)
		return
	}
	fmt.Fprint(w, `{"Response":{"Devices":[]}}`)
}

// TestSoakHealthyPlatformUnderChurnLosesNoCall runs 64 goroutines against
// soakPlatform through real HTTP for DEVCLOUD_SOAK (default 3 s; CI runs
// 60 s; -short skips it), each call under a 5 s deadline, with a policy of
// 8 attempts so that faults alone end a call about once in 10^8. Targets:
// 0 calls lost that fit their deadline (any failure that is not the
// deadline's), logins ≤ kills + 2, the heap flat, and the goroutines back
// to what they were once the client is closed.
func TestSoakHealthyPlatformUnderChurnLosesNoCall(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	length := 3 * time.Second
	if v := os.Getenv("DEVCLOUD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("DEVCLOUD_SOAK=%q: want a positive duration such as 60s", v)
		}
		length = d
	}
	baseline := runtime.NumGoroutine()
	p := &soakPlatform{rnd: rand.New(rand.NewPCG(1, 2))}
	srv := httptest.NewServer(p)
	policy := retry.DefaultPolicy()
	policy.MaxAttempts = 8
	c, err := client.New(srv.URL, client.WithCredentials("app", "secret"), client.WithPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var killer sync.WaitGroup
	killer.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				p.kill()
			}
		}
	})
	var calls, lost, late atomic.Int64
	var sample sync.Map
	var heapMid uint64
	deadline := time.Now().Add(length)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := c.Do(ctx, "GET", "/v1/devices", nil, nil)
				cancel()
				calls.Add(1)
				switch {
				case err == nil:
				case errors.Is(err, context.DeadlineExceeded):
					late.Add(1)
				default:
					if lost.Add(1) <= 5 {
						sample.Store(err.Error(), true)
					}
				}
			}
		})
	}
	<-time.After(length / 2) // the soak's own length, not a wait for a result
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapMid = ms.HeapInuse
	wg.Wait()
	close(stop)
	killer.Wait()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapEnd := ms.HeapInuse

	p.mu.Lock()
	kills, logins, requests := p.kills, p.issued, p.requests
	p.mu.Unlock()
	t.Logf("%v, 64 goroutines: %d calls, %d requests, %d lost, %d past their deadline; %d session kills, %d logins; heap %d KiB at half-time, %d KiB at the end",
		length, calls.Load(), requests, lost.Load(), late.Load(), kills, logins, heapMid>>10, heapEnd>>10)
	sample.Range(func(k, _ any) bool { t.Log("lost: ", k); return true })
	if lost.Load() != 0 {
		t.Errorf("%d calls lost that fit their deadline, want 0", lost.Load())
	}
	if logins > kills+2 {
		t.Errorf("%d logins for %d kills, want at most kills + 2", logins, kills)
	}
	if heapEnd > 2*heapMid+4<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", heapMid>>10, heapEnd>>10)
	}

	c.Close()
	srv.Close()
	var now int
	settle := time.NewTicker(10 * time.Millisecond) // until the transports' goroutines have ended
	for try := 0; try < 500; try++ {
		if now = runtime.NumGoroutine(); now <= baseline {
			break
		}
		<-settle.C
	}
	settle.Stop()
	if now > baseline {
		var b strings.Builder
		buf := make([]byte, 1<<20)
		b.Write(buf[:runtime.Stack(buf, true)])
		t.Errorf("%d goroutines after Close, %d before the soak:\n%s", now, baseline, b.String())
	}
}
