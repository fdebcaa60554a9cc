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
	kill     float64 // the share of requests that kill the session
	faults   bool    // 5 % resets, 5 % 503
	token    string
	issued   int
	kills    int
	requests int
}

func (p *soakPlatform) killNow() {
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
	if valid && roll < p.kill {
		p.token = ""
		p.kills++
	}
	p.mu.Unlock()
	switch {
	case p.faults && roll < 0.05:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close() // reset: the request was read, no answer
				return
			}
		}
	case p.faults && roll < 0.10:
		w.WriteHeader(503)
		return
	case !valid:
		fmt.Fprint(w, `{"Response":{"Error":{"Code":10001,"Message":"not logged in"}}}`)
		return
	}
	fmt.Fprint(w, `{"Response":{"Devices":[]}}`)
}

// TestSoakHealthyPlatformUnderChurnLosesNoCall runs 64 goroutines against
// soakPlatform through real HTTP for DEVCLOUD_SOAK (default 1.5 s, so the
// once-a-second kill falls inside it; CI runs 60 s; -short skips it),
// each call under a 5 s deadline, with a policy of 8 attempts so that
// faults alone end a call about once in 10^8. Targets:
// 0 calls lost that fit their deadline (any failure that is not the
// deadline's), logins ≤ kills + 2, the heap flat, and the goroutines back
// to what they were once the client is closed.
//
// DEVCLOUD_SOAK_PROFILE=storm measures instead the harshest churn the
// call-path issue quoted: 500 goroutines, 0.4 % of requests killing the
// session, no other fault, the default policy (3 attempts). Calls whose
// session is revoked under them on every request then fail after their 3
// attempts and 1 replay (that bound is the point); it asserts that none
// fails with nothing sent and logins ≤ kills + 2, and logs how many were
// lost.
func TestSoakHealthyPlatformUnderChurnLosesNoCall(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	length := 1500 * time.Millisecond
	if v := os.Getenv("DEVCLOUD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("DEVCLOUD_SOAK=%q: want a positive duration such as 60s", v)
		}
		length = d
	}
	baseline := runtime.NumGoroutine()
	p := &soakPlatform{rnd: rand.New(rand.NewPCG(1, 2)), kill: 0.001, faults: true}
	workers, storm := 64, os.Getenv("DEVCLOUD_SOAK_PROFILE") == "storm"
	policy := retry.DefaultPolicy()
	policy.MaxAttempts = 8
	if storm {
		p.kill, p.faults, workers = 0.004, false, 500
		policy = retry.DefaultPolicy()
	}
	srv := httptest.NewServer(p)
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
				p.killNow()
			}
		}
	})
	var calls, lost, late, unsent atomic.Int64
	var sample sync.Map
	var heapMid uint64
	deadline := time.Now().Add(length)
	var wg sync.WaitGroup
	for range workers {
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
					if attemptsOf(err) == 0 {
						unsent.Add(1)
					}
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
	t.Logf("%v, %d goroutines: %d calls, %d requests, %d lost (%d with nothing sent), %d past their deadline; %d session kills, %d logins; heap %d KiB at half-time, %d KiB at the end",
		length, workers, calls.Load(), requests, lost.Load(), unsent.Load(), late.Load(), kills, logins, heapMid>>10, heapEnd>>10)
	sample.Range(func(k, _ any) bool { t.Log("lost: ", k); return true })
	if lost.Load() != 0 && !storm {
		t.Errorf("%d calls lost that fit their deadline, want 0", lost.Load())
	}
	if unsent.Load() != 0 {
		t.Errorf("%d calls failed with nothing sent, want 0", unsent.Load())
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
