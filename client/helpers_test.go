package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// reply is one scripted answer.
type reply struct {
	status int
	body   string
	header map[string]string
}

func ok(payload string) reply { return reply{status: 200, body: `{"Response":` + payload + `}`} }

func code(n int) reply {
	status := 200
	if n < 1000 {
		status = n
	}
	return reply{status: status, body: fmt.Sprintf(`{"Response":{"Error":{"Code":%d,"Message":"scripted %d"},"RequestId":"req-%d"}}`, n, n, n)}
}

func (r reply) with(k, v string) reply {
	h := map[string]string{k: v}
	for k2, v2 := range r.header {
		h[k2] = v2
	}
	r.header = h
	return r
}

// recorded is a request the fake platform saw.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// fakeAPI is a scripted loopback platform: a login that issues numbered
// tokens, routes answering their scripts in order (the last answer
// repeats), and a record of every request.
type fakeAPI struct {
	*httptest.Server
	mu        sync.Mutex
	routes    map[string][]reply
	served    map[string]int
	requests  []recorded
	token     string // the valid token; "" accepts any
	checkAuth bool
	logins    atomic.Int64
	loginHook func(w http.ResponseWriter, r *http.Request, body []byte) bool // true: answered
	expiresIn int
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{routes: map[string][]reply{}, served: map[string]int{}, expiresIn: 3600}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) on(method, path string, replies ...reply) {
	f.mu.Lock()
	f.routes[method+" "+path] = replies
	f.mu.Unlock()
}

func (f *fakeAPI) count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served[method+" "+path]
}

func (f *fakeAPI) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// invalidate makes the current token unknown, as a platform restart would.
func (f *fakeAPI) invalidate() {
	f.mu.Lock()
	f.token = "invalidated"
	f.mu.Unlock()
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	f.mu.Unlock()
	if r.URL.Path == client.DefaultLoginPath {
		f.login(w, r, body)
		return
	}
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	if f.checkAuth && r.Header.Get("Authorization") != "Bearer "+f.token {
		f.mu.Unlock()
		write(w, code(10001))
		return
	}
	script := f.routes[key]
	n := f.served[key]
	f.served[key] = n + 1
	f.mu.Unlock()
	if len(script) == 0 {
		write(w, code(404))
		return
	}
	write(w, script[min(n, len(script)-1)])
}

func (f *fakeAPI) login(w http.ResponseWriter, r *http.Request, body []byte) {
	if f.loginHook != nil && f.loginHook(w, r, body) {
		return
	}
	n := f.logins.Add(1)
	tok := "tok-" + strconv.FormatInt(n, 10)
	f.mu.Lock()
	f.token = tok
	f.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"Response": map[string]any{
		"Token": tok, "CSRFToken": "csrf-" + tok, "ExpiresIn": f.expiresIn, "RequestId": "login-" + tok,
	}})
	write(w, reply{status: 200, body: string(b)})
}

func write(w http.ResponseWriter, r reply) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
}

// half makes the jitter land on the middle of its range, so with
// RandomizationFactor 1 every delay equals the schedule's interval.
func half() float64 { return 0.5 }

// newClient returns a client of f with credentials, a fake clock and
// deterministic jitter.
func newClient(t testing.TB, f *fakeAPI, clk *mock.FakeClock, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithCredentials("app-1", "secret-1"), client.WithClock(clk), client.WithRandom(half)}
	c, err := client.New(f.URL, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
