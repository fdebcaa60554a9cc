package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
)

// memPlatform is an in-memory platform for the circuit breaker's tests: an
// http.RoundTripper with no socket and no goroutine, so it runs inside a
// testing/synctest bubble, whose fake clock gobreaker (time.Now) and the
// client's sleeps share. Logins on client.DefaultLoginPath succeed unless
// loginAnswer says otherwise; every other request gets answer.
type memPlatform struct {
	mu          sync.Mutex
	answer      func(*http.Request) (*http.Response, error)
	loginAnswer func(*http.Request) (*http.Response, error)
	hold        chan struct{} // when set, API requests wait until it is closed

	requests atomic.Int64 // every request that reached the platform, logins included
	logins   atomic.Int64 // login requests
}

func newMemPlatform(answer func(*http.Request) (*http.Response, error)) *memPlatform {
	return &memPlatform{answer: answer}
}

func (p *memPlatform) set(answer func(*http.Request) (*http.Response, error)) {
	p.mu.Lock()
	p.answer = answer
	p.mu.Unlock()
}

func (p *memPlatform) setLogin(answer func(*http.Request) (*http.Response, error)) {
	p.mu.Lock()
	p.loginAnswer = answer
	p.mu.Unlock()
}

// holdRequests makes API requests wait until the returned function is
// called.
func (p *memPlatform) holdRequests() (release func()) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.hold = ch
	p.mu.Unlock()
	return func() { close(ch) }
}

func (p *memPlatform) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	p.requests.Add(1)
	p.mu.Lock()
	answer, loginAnswer, hold := p.answer, p.loginAnswer, p.hold
	p.mu.Unlock()
	if r.URL.Path == client.DefaultLoginPath {
		n := p.logins.Add(1)
		if loginAnswer != nil {
			return loginAnswer(r)
		}
		tok := "tok-" + strconv.FormatInt(n, 10)
		b, _ := json.Marshal(map[string]any{"Response": map[string]any{
			"Token": tok, "CSRFToken": "csrf-" + tok, "ExpiresIn": 3600, "RequestId": "login-" + tok,
		}})
		return respond(reply{status: 200, body: string(b)})(r)
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return answer(r)
}

// respond answers rep.
func respond(rep reply) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		h := make(http.Header)
		h.Set("Content-Type", "application/json")
		for k, v := range rep.header {
			h.Set(k, v)
		}
		return &http.Response{
			StatusCode: rep.status, Status: strconv.Itoa(rep.status) + " " + http.StatusText(rep.status),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(rep.body)),
			ContentLength: int64(len(rep.body)), Request: r,
		}, nil
	}
}

// refuse fails as a dial to a closed port does.
func refuse(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// stall answers only when the request's context ends, with its error.
func stall(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// transitions records a breaker's changes of state.
type transitions struct {
	mu   sync.Mutex
	seen []string
}

func (tr *transitions) record(from, to client.BreakerState) {
	tr.mu.Lock()
	tr.seen = append(tr.seen, from.String()+"→"+to.String())
	tr.mu.Unlock()
}

func (tr *transitions) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.Join(tr.seen, " ")
}

// newMemClient returns a client of p with cfg as its breaker, the real
// clock (the bubble's, inside synctest) and jitter at mid-range, so
// retries sleep 100 ms then 200 ms.
func newMemClient(t testing.TB, p *memPlatform, cfg client.BreakerConfig, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{
		client.WithHTTPClient(&http.Client{Transport: p}),
		client.WithCircuitBreaker(cfg),
		client.WithRandom(half),
	}
	c, err := client.New("http://127.0.0.1:9", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wait lets d pass on the bubble's clock.
func wait(d time.Duration) { <-time.After(d) }

// isOpen reports whether err is the breaker's refusal.
func isOpen(err error) bool { return errors.Is(err, client.ErrCircuitOpen) }

var bg = context.Background()
