package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// chaosPlatform allows one session per account and misbehaves on a fixed
// rhythm: every 100th request on the live session revokes it (that request
// and every later one on its token get 10001), every 37th request resets
// the connection, every 23rd answers 503.
type chaosPlatform struct {
	mu      sync.Mutex
	current string
	logins  int
	n       atomic.Int64
	onLive  int
	kills   atomic.Int64
}

func (p *chaosPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if r.URL.Path == client.DefaultLoginPath {
		p.mu.Lock()
		p.logins++
		p.current = "tok-" + strconv.Itoa(p.logins)
		tok := p.current
		p.mu.Unlock()
		write(w, ok(`{"Token":"`+tok+`","CSRFToken":"c","ExpiresIn":3600}`))
		return
	}
	n := p.n.Add(1)
	tok := r.Header.Get("Authorization")
	p.mu.Lock()
	live := tok == "Bearer "+p.current
	if live {
		p.onLive++
	}
	if live && p.onLive%100 == 0 {
		p.current = "revoked"
		live = false
		p.kills.Add(1)
	}
	p.mu.Unlock()
	switch {
	case !live:
		w.Header().Set("X-Session-Refused", "1")
		write(w, code(10001))
	case n%37 == 0:
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	case n%23 == 0:
		write(w, reply{status: 503, body: "busy"})
	default:
		write(w, ok(`{}`))
	}
}

// condemnedAtStart keys, in an attempt's context, the client's newest
// condemned generation when the attempt started.
type condemnedAtStart struct{}

// condemnLedger sits between the client and the platform and, for every
// request, notes whether its token was one the client had already condemned
// when the request went out, and whether its call had already seen that
// token refused.
type condemnLedger struct {
	base      http.RoundTripper
	condemned func() uint64 // the client's newest condemned generation
	mu        sync.Mutex
	seenDead  map[string]map[string]bool // call → tokens refused to it
	last      map[string]bool            // call → its last request went out on a condemned token
	// onCondemned counts requests on a token the client had condemned (the
	// session was handed out before, the request left after); resent
	// counts requests on a token the same call had seen refused.
	onCondemned, resent, requests atomic.Int64
}

func (l *condemnLedger) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, call := req.Header.Get("Authorization"), req.Header.Get("X-Call")
	if req.URL.Path == client.DefaultLoginPath {
		return l.base.RoundTrip(req)
	}
	l.requests.Add(1)
	// The platform numbers its tokens as the store numbers generations:
	// tok-N is generation N.
	gen, _ := strconv.ParseUint(strings.TrimPrefix(tok, "Bearer tok-"), 10, 64)
	// Dead: condemned before the attempt started (AttemptStart noted the
	// generation then), so the client's own gate had it condemned before
	// the request reached it. A token condemned while its request was on
	// the way, past the gate, raced the revocation; onCondemned counts
	// those too.
	before, _ := req.Context().Value(condemnedAtStart{}).(uint64)
	dead := gen <= before
	if gen <= l.condemned() {
		l.onCondemned.Add(1)
	}
	l.mu.Lock()
	l.last[call] = dead
	if l.seenDead[call][tok] {
		l.resent.Add(1)
	}
	l.mu.Unlock()
	resp, err := l.base.RoundTrip(req)
	if err == nil && resp.Header.Get("X-Session-Refused") != "" {
		l.mu.Lock()
		if l.seenDead[call] == nil {
			l.seenDead[call] = map[string]bool{}
		}
		l.seenDead[call][tok] = true
		l.mu.Unlock()
	}
	return resp, err
}

// TestChaosNoCallFailsOnACondemnedToken: 500 goroutines against resets,
// 503s and a session revoked every 100 requests. A request may race a
// revocation, but no call fails because it was handed a token already
// seen dead.
func TestChaosNoCallFailsOnACondemnedToken(t *testing.T) {
	const goroutines = 500
	callsEach := 2
	if raceEnabled {
		callsEach = 1 // the detector slows each request tenfold; the 20 s bound stays
	}
	p := &chaosPlatform{}
	srv := httptest.NewServer(p)
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = goroutines, goroutines
	defer tr.CloseIdleConnections()
	ledger := &condemnLedger{base: tr, seenDead: map[string]map[string]bool{}, last: map[string]bool{}}
	policy := retry.DefaultPolicy()
	policy.Budget = retry.BudgetConfig{Disabled: true} // every failure here is the platform's, not a budget's
	clk := mock.NewFakeClock()
	var c *client.Client
	noteStart := client.Observer{AttemptStart: func(ctx context.Context, _ client.RequestInfo) context.Context {
		return context.WithValue(ctx, condemnedAtStart{}, c.CondemnedGeneration())
	}}
	c, err := client.New(srv.URL, client.WithCredentials("app", "sec"), client.WithClock(clk),
		client.WithHTTPClient(&http.Client{Transport: ledger}), client.WithPolicy(policy),
		client.WithObserver(noteStart))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ledger.condemned = c.CondemnedGeneration

	var (
		wg                              sync.WaitGroup
		failed, sessionFailed, onDeadFx atomic.Int64
		samples                         sync.Map
	)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for g := range goroutines {
			wg.Go(func() {
				for i := range callsEach {
					id := fmt.Sprint(g, "-", i)
					err := c.Do(context.Background(), "GET", "/x", nil, nil, client.Header("X-Call", id))
					clk.Advance(10 * time.Millisecond) // time passes between calls
					if err == nil {
						continue
					}
					failed.Add(1)
					v, _ := samples.LoadOrStore(fmt.Sprintf("%T", err), new(atomic.Int64))
					v.(*atomic.Int64).Add(1)
					// A refused request of the call's own, not a login
					// failure (a cool-down) reported instead: errors.As
					// would find the session code that started a
					// cool-down inside a LoginCooldownError.
					ae, ok := err.(*apierrors.APIError)
					if !ok || ae.Code.Action() != apierrors.ActionRelogin {
						continue
					}
					sessionFailed.Add(1)
					ledger.mu.Lock()
					dead := ledger.last[id]
					ledger.mu.Unlock()
					if dead {
						onDeadFx.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}()
	// The run takes a few seconds, more under -race on a loaded machine:
	// its time is logged, not asserted. The guard only turns a hang (a
	// call that never returns) into a failure with this test's name.
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the chaos run hangs: not done after 5 minutes")
	}
	t.Logf("chaos: done in %v", time.Since(start).Round(time.Millisecond))
	t.Logf("chaos: %d calls, %d requests, %d sessions revoked, %d logins; %d requests on condemned tokens "+
		"(handed out before the client condemned them), %d resent on a token the call saw refused; "+
		"%d calls failed (%d refused with a session code), %d of them on a condemned token",
		goroutines*callsEach, ledger.requests.Load(), p.kills.Load(), c.Stats().Logins, ledger.onCondemned.Load(),
		ledger.resent.Load(), failed.Load(), sessionFailed.Load(), onDeadFx.Load())
	samples.Range(func(k, v any) bool { t.Logf("  failed with %v: %d", k, v.(*atomic.Int64).Load()); return true })
	if ledger.resent.Load() != 0 {
		t.Errorf("%d requests went out again on a token their call had seen refused, want 0", ledger.resent.Load())
	}
	if onDeadFx.Load() != 0 {
		t.Errorf("%d calls failed on a token already condemned, want 0", onDeadFx.Load())
	}
	if p.kills.Load() == 0 {
		t.Error("no session was revoked: the run proves nothing")
	}
}
