package client_test

import (
	"context"
	stderrors "errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// attemptLog records, per endpoint, the requests a client sent: the calls'
// and the login's apart.
type attemptLog struct {
	mu     sync.Mutex
	calls  map[string]int
	logins map[string]int
	events []client.EndpointInfo
}

func newAttemptLog() *attemptLog {
	return &attemptLog{calls: map[string]int{}, logins: map[string]int{}}
}

func (l *attemptLog) observer() client.Observer {
	return client.Observer{
		AttemptEnd: func(_ context.Context, a client.AttemptInfo) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if a.Login {
				l.logins[a.Endpoint]++
			} else {
				l.calls[a.Endpoint]++
			}
		},
		EndpointChange: func(_ context.Context, e client.EndpointInfo) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.events = append(l.events, e)
		},
	}
}

func (l *attemptLog) count(endpoint string) (calls, logins int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[endpoint], l.logins[endpoint]
}

func (l *attemptLog) changes() []client.EndpointInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]client.EndpointInfo(nil), l.events...)
}

// gatewayClient is a client of srv's platform through base, with opts.
func gatewayClient(t *testing.T, srv *mock.Server, base string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(base, append(srv.ClientConfig().ClientOptions(), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// twoGateways is a platform answering GET /v1/devices behind two gateways.
func twoGateways(t *testing.T) (*mock.Server, *mock.Gateway, *mock.Gateway) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"d1"}}))
	return srv, mock.StartGateway(t, srv), mock.StartGateway(t, srv)
}

func TestFailoverWhenTheFirstGatewayDiesMidRun(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk), client.WithObserver(log.observer()))
	ctx := context.Background()
	failed, deadBefore := 0, 0
	for i := range 100 {
		if i == 50 {
			g1.Close()
			deadBefore, _ = log.count(g1.URL)
		}
		if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
			failed++
			t.Log(err)
		}
	}
	calls1, logins1 := log.count(g1.URL)
	calls2, logins2 := log.count(g2.URL)
	t.Logf("100 GETs, gateway 1 closed after 50: %d failed, %d request to it after it died, gateway 1 %d calls, gateway 2 %d, %d sleeps, %d login",
		failed, calls1-deadBefore, calls1, calls2, len(clk.Sleeps()), srv.Logins())
	if failed != 0 {
		t.Errorf("%d calls failed, want 0", failed)
	}
	if n := calls1 - deadBefore; n != 1 {
		t.Errorf("%d requests to the dead gateway after it died, want 1", n)
	}
	if calls1 != 51 || logins1 != 1 || calls2 != 50 || logins2 != 0 {
		t.Errorf("gateway 1: %d calls %d logins, gateway 2: %d calls %d logins; want 51 1, 50 0", calls1, logins1, calls2, logins2)
	}
	if got := srv.Count("GET", "/v1/devices"); got != 100 {
		t.Errorf("the platform answered %d calls, want 100", got)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want no sleep on the switch", s)
	}
	srv.AssertLogins(t, 1)
	ev := log.changes()
	if len(ev) != 1 || ev[0].URL != g1.URL || !ev[0].SetAside || ev[0].CoolOff <= 0 || ev[0].CoolOff > client.DefaultEndpointCoolOff {
		t.Errorf("endpoint changes %+v, want gateway 1 set aside once for at most %v", ev, client.DefaultEndpointCoolOff)
	}
}

func TestFailoverWhenTheFirstGatewayAnswersForItsBackend(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply mock.Reply
	}{
		{"503 page", mock.HTML(503, "<html>Service Unavailable</html>")},
		{"20013", mock.Code(20013)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, g1, g2 := twoGateways(t)
			g1.Fail(tc.reply)
			const coolOff = 10 * time.Second
			clk, log := mock.NewFakeClock(), newAttemptLog()
			c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk),
				client.WithObserver(log.observer()), client.WithEndpointCoolOff(coolOff))
			ctx := context.Background()
			// Three cool-offs of 10 calls each: each sends one request to
			// the failing gateway, the first of its cool-off.
			for round := range 3 {
				for i := range 10 {
					if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
						t.Fatalf("round %d call %d: %v", round, i, err)
					}
				}
				clk.Advance(coolOff)
			}
			calls1, logins1 := log.count(g1.URL)
			calls2, logins2 := log.count(g2.URL)
			t.Logf("gateway 1 answering %s, 30 calls over 3 cool-offs: gateway 1 got %d requests, gateway 2 answered %d calls, %d sleeps",
				tc.name, g1.Requests(), calls2, len(clk.Sleeps()))
			// The login went first to gateway 1 and on to gateway 2; the
			// first call then found gateway 1 set aside.
			if calls1+logins1 != 3 || g1.Requests() != 3 {
				t.Errorf("gateway 1 got %d requests (%d calls, %d logins), want 3: one per cool-off", g1.Requests(), calls1, logins1)
			}
			if calls2 != 30 || logins2 != 1 {
				t.Errorf("gateway 2 answered %d calls and %d logins, want 30 and 1", calls2, logins2)
			}
			if got := srv.Count("GET", "/v1/devices"); got != 30 {
				t.Errorf("the platform answered %d calls, want 30", got)
			}
			if s := clk.Sleeps(); len(s) != 0 {
				t.Errorf("slept %v, want none", s)
			}
			srv.AssertLogins(t, 1)
		})
	}
}

func TestTrafficReturnsToTheFirstGatewayAfterItsCoolOff(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	const coolOff = 10 * time.Second
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk),
		client.WithObserver(log.observer()), client.WithEndpointCoolOff(coolOff))
	ctx := context.Background()
	get := func() {
		t.Helper()
		if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	get() // logs in on gateway 1
	g1.Fail(mock.Status(502))
	get() // set aside, answered by gateway 2
	g1.Heal()
	get() // still in its cool-off: gateway 2
	if calls, _ := log.count(g1.URL); calls != 2 {
		t.Fatalf("gateway 1 got %d calls within its cool-off, want 2", calls)
	}
	clk.Advance(coolOff)
	get() // the probe: back on gateway 1
	for range 5 {
		get()
	}
	calls1, _ := log.count(g1.URL)
	calls2, _ := log.count(g2.URL)
	t.Logf("gateway 1 failing then healed: gateway 1 %d calls, gateway 2 %d; back on gateway 1 from the first call after its cool-off", calls1, calls2)
	if calls1 != 8 || calls2 != 2 {
		t.Errorf("gateway 1 got %d calls and gateway 2 %d, want 8 and 2: traffic back on the first after its cool-off + 1 call", calls1, calls2)
	}
	ev := log.changes()
	if len(ev) != 2 || !ev[0].SetAside || ev[1].SetAside || ev[1].URL != g1.URL {
		t.Errorf("endpoint changes %+v, want gateway 1 set aside, then back", ev)
	}
	if code, _ := apierrors.CodeOf(ev[0].Err); code != 502 {
		t.Errorf("set aside for %v, want the 502", ev[0].Err)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
}

func TestFailoverOfConcurrentCallsWhenTheFirstGatewayDies(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	gate := mock.NewGate()
	srv.On("GET", "/v1/status", mock.OK(map[string]any{"Up": true}).WithGate(gate))
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk), client.WithObserver(log.observer()))
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	call := func() {
		if err := c.Do(ctx, "GET", "/v1/status", nil, nil); err != nil {
			failed.Add(1)
			t.Log(err)
		}
	}
	// 100 calls held at the platform behind gateway 1 when it dies, 100
	// more after.
	for range 100 {
		wg.Go(call)
	}
	for srv.Count("GET", "/v1/status") < 100 {
		runtime.Gosched()
	}
	g1.Close()
	gate.Open()
	for range 100 {
		wg.Go(call)
	}
	wg.Wait()
	t.Logf("200 concurrent GETs, gateway 1 dying under 100 of them: %d failed, the platform saw %d, %d sleeps",
		failed.Load(), srv.Count("GET", "/v1/status"), len(clk.Sleeps()))
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of 200 calls failed, want 0", n)
	}
	// A call of the second hundred may still dial gateway 1 (refused,
	// before any cut call has set it aside), never more than once.
	calls1, _ := log.count(g1.URL)
	calls2, _ := log.count(g2.URL)
	if calls1 < 101 || calls1 > 201 || calls2 != 200 || g2.Requests() != 200 {
		t.Errorf("gateway 1: %d calls, gateway 2: %d calls (%d requests); want 101 (1 + 100 cut) to 201, 200", calls1, calls2, g2.Requests())
	}
	if got := srv.Count("GET", "/v1/status"); got != 300 {
		t.Errorf("the platform saw %d calls, want 300: 100 cut, each sent again once, 100 more", got)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
	srv.AssertLogins(t, 1)
}

func TestAPostThatMayHaveReachedTheFirstGatewayIsNotSentToTheSecond(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	srv.On("POST", "/v1/commands", mock.ResetBeforeResponse())
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk), client.WithObserver(log.observer()))
	err := c.Do(context.Background(), "POST", "/v1/commands", map[string]string{"Cmd": "reboot"}, nil)
	t.Logf("a POST reset after it was written: %d request in all, %d to gateway 2, error %T", srv.Count("POST", "/v1/commands"), g2.Requests(), err)
	var te *apierrors.TransportError
	if !stderrors.As(err, &te) {
		t.Fatalf("err = %v, want a *errors.TransportError", err)
	}
	if n := srv.Count("POST", "/v1/commands"); n != 1 {
		t.Errorf("the platform got %d POSTs, want 1", n)
	}
	if calls, _ := log.count(g2.URL); calls != 0 {
		t.Errorf("gateway 2 got %d calls, want 0", calls)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
	// The next call finds gateway 1 set aside.
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	if calls, _ := log.count(g2.URL); calls != 1 {
		t.Errorf("gateway 2 got %d calls, want 1", calls)
	}
}

func TestAPostWithAKeyIsSentToTheSecondGatewayAtOnce(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	srv.On("POST", "/v1/commands", mock.ResetBeforeResponse(), mock.OK(map[string]any{"Done": true}))
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk), client.WithObserver(log.observer()))
	err := c.Do(context.Background(), "POST", "/v1/commands", map[string]string{"Cmd": "reboot"}, nil, client.IdempotencyKey("cmd-1"))
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	var keys []string
	for _, r := range reqs {
		if r.Path == "/v1/commands" {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	if len(keys) != 2 || keys[0] != "cmd-1" || keys[1] != "cmd-1" {
		t.Errorf("the platform got the POST with keys %q, want cmd-1 twice", keys)
	}
	if c1, _ := log.count(g1.URL); c1 != 1 || g2.Requests() != 1 {
		t.Errorf("gateway 1: %d calls, gateway 2: %d requests; want 1 and 1", c1, g2.Requests())
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
}

func TestAResolverListAfterA20013(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"d1"}}))
	g1, g2 := mock.StartGateway(t, srv), mock.StartGateway(t, srv)
	var mu sync.Mutex
	lists, asked := [][]string{{g1.URL}}, 0
	resolve := func(context.Context) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked++
		if asked > len(lists) {
			return nil, stderrors.New("resolver down")
		}
		return lists[asked-1], nil
	}
	clk, log := mock.NewFakeClock(), newAttemptLog()
	// The base URL is a gateway of the same platform the resolver does
	// not name.
	g0 := mock.StartGateway(t, srv)
	c := gatewayClient(t, srv, g0.URL, client.WithEndpointResolver(resolve), client.WithClock(clk), client.WithObserver(log.observer()))
	ctx := context.Background()
	get := func() error { return c.Do(ctx, "GET", "/v1/devices", nil, nil) }
	for range 3 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if g0.Requests() != 0 || g1.Requests() != 4 || asked != 1 {
		t.Fatalf("gateway 0: %d, gateway 1: %d requests, resolver asked %d times; want 0, 4 (a login, 3 calls), 1", g0.Requests(), g1.Requests(), asked)
	}
	mu.Lock()
	lists = append(lists, []string{g2.URL, "not a url"})
	mu.Unlock()
	g1.Fail(mock.Code(20013))
	// Gateway 1 is the only endpoint: the 20013 is retried there with
	// backoff, and the next request asks the resolver, which names
	// gateway 2.
	if err := get(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("a 20013 on the resolver's only gateway: resolver asked %d times, the new gateway answered %d requests", asked, g2.Requests())
	if asked != 2 || g1.Requests() != 5 || g2.Requests() != 4 {
		t.Errorf("resolver asked %d times, gateway 1: %d, gateway 2: %d requests; want 2, 5, 4", asked, g1.Requests(), g2.Requests())
	}
	if s := clk.Sleeps(); len(s) != 1 {
		t.Errorf("slept %v, want one backoff: the 20013 with no other endpoint", s)
	}
	// The resolver fails from now on: the list is kept, asked again only
	// after the interval.
	clk.Advance(client.EndpointResolveInterval)
	for range 3 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if asked != 3 || g2.Requests() != 7 {
		t.Errorf("resolver asked %d times, gateway 2: %d requests; want 3, 7", asked, g2.Requests())
	}
}

func TestEndpointOptionsRejectBadInput(t *testing.T) {
	for _, opt := range []client.Option{
		client.WithEndpoints(),
		client.WithEndpoints("ftp://gw.example"),
		client.WithEndpoints("http://gw.example", "::bad"),
		client.WithEndpoints("https://gw.example/?q=1"),
		client.WithEndpoints("https://user@gw.example"),
		client.WithEndpointResolver(nil),
		client.WithEndpointCoolOff(0),
	} {
		_, err := client.New("https://api.example", opt)
		var ie *client.InputError
		if !stderrors.As(err, &ie) {
			t.Errorf("err = %v, want an *InputError", err)
		}
	}
}

func TestEachEndpointHasItsOwnBreaker(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	clk, log := mock.NewFakeClock(), newAttemptLog()
	var mu sync.Mutex
	var changes []string
	cfg := client.BreakerConfig{MinFailures: 1, FailureRatio: 0.01, OnStateChange: func(from, to client.BreakerState) {
		mu.Lock()
		changes = append(changes, from.String()+">"+to.String())
		mu.Unlock()
	}}
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL), client.WithClock(clk),
		client.WithObserver(log.observer()), client.WithCircuitBreaker(cfg))
	ctx := context.Background()
	get := func() error { return c.Do(ctx, "GET", "/v1/devices", nil, nil) }
	if err := get(); err != nil {
		t.Fatal(err)
	}
	g1.Fail(mock.Status(503))
	// Gateway 1's breaker opens; gateway 2's is closed: no call fails.
	for range 3 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.BreakerState(); st != client.BreakerClosed {
		t.Errorf("BreakerState = %v with gateway 2 healthy, want closed", st)
	}
	g2.Fail(mock.Status(503))
	// Gateway 2 fails too, and its breaker opens: the retry meets both
	// breakers open and stops, without sleep or budget.
	err := get()
	if !stderrors.Is(err, client.ErrCircuitOpen) || !stderrors.Is(err, apierrors.Code(503)) {
		t.Fatalf("err = %v, want the 503 and ErrCircuitOpen", err)
	}
	before := g1.Requests() + g2.Requests()
	err = get()
	if !stderrors.Is(err, client.ErrCircuitOpen) {
		t.Fatalf("err = %v, want ErrCircuitOpen", err)
	}
	if n := g1.Requests() + g2.Requests() - before; n != 0 {
		t.Errorf("%d requests with every breaker open, want 0", n)
	}
	if st := c.BreakerState(); st != client.BreakerOpen {
		t.Errorf("BreakerState = %v, want open", st)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
	if g1.Requests() != 3 || g2.Requests() != 4 {
		t.Errorf("gateway 1: %d, gateway 2: %d requests; want 3 (login, call, the 503), 4 (3 calls, the 503)", g1.Requests(), g2.Requests())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) != 1 || changes[0] != "closed>open" {
		t.Errorf("state changes %v, want [closed>open]: the joint state of both breakers", changes)
	}
}

func TestThreeGatewaysTwoOfThemFailing(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	g3 := mock.StartGateway(t, srv)
	g1.Close()
	g2.Fail(mock.Code(20013))
	clk, log := mock.NewFakeClock(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpoints(g2.URL, g3.URL), client.WithClock(clk), client.WithObserver(log.observer()))
	for i := range 20 {
		if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// The login met the dead gateway and the 20013 and went on to the
	// third; every call then went straight there.
	c1, l1 := log.count(g1.URL)
	c2, l2 := log.count(g2.URL)
	c3, l3 := log.count(g3.URL)
	if c1 != 0 || l1 != 1 || c2 != 0 || l2 != 1 || c3 != 20 || l3 != 1 {
		t.Errorf("calls and logins per gateway: %d %d, %d %d, %d %d; want 0 1, 0 1, 20 1", c1, l1, c2, l2, c3, l3)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want none", s)
	}
	srv.AssertLogins(t, 1)
}

func TestTheResolverIsAskedOnceByConcurrentFirstCalls(t *testing.T) {
	srv, g1, g2 := twoGateways(t)
	var mu sync.Mutex
	asked := 0
	resolve := func(context.Context) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked++
		return []string{g2.URL}, nil
	}
	first, second := newAttemptLog(), newAttemptLog()
	c := gatewayClient(t, srv, g1.URL, client.WithEndpointResolver(resolve), client.WithClock(mock.NewFakeClock()),
		client.WithObserver(first.observer()), client.WithObserver(second.observer()))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if asked != 1 || g1.Requests() != 0 || g2.Requests() != 21 {
		t.Errorf("resolver asked %d times; gateway 1: %d, gateway 2: %d requests; want 1, 0, 21 (a login, 20 calls)", asked, g1.Requests(), g2.Requests())
	}
	// Both observers see every attempt.
	for i, l := range []*attemptLog{first, second} {
		if calls, logins := l.count(g2.URL); calls != 20 || logins != 1 {
			t.Errorf("observer %d saw %d calls and %d logins on gateway 2, want 20 and 1", i+1, calls, logins)
		}
	}
}
