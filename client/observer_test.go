package client_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

type ctxKey string

// journal is an Observer that writes down what it sees, and checks that
// each function gets the context its Start function returned.
type journal struct {
	mu      sync.Mutex
	entries []string
	t       *testing.T
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	j.entries = append(j.entries, fmt.Sprintf(format, args...))
	j.mu.Unlock()
}

func (j *journal) lines() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// scope returns the chain of scopes ctx is in: "call", "call/login", …
func scope(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey("scope")).(string)
	return s
}

func within(ctx context.Context, name string) context.Context {
	if s := scope(ctx); s != "" {
		name = s + "/" + name
	}
	return context.WithValue(ctx, ctxKey("scope"), name)
}

func (j *journal) observer() client.Observer {
	return client.Observer{
		CallStart: func(ctx context.Context, call client.CallInfo) context.Context {
			j.add("call start %s %s [%s]", call.Method, call.Path, scope(ctx))
			return within(ctx, "call")
		},
		CallEnd: func(ctx context.Context, call client.CallResult) {
			code, _ := apierrors.CodeOf(call.Err)
			j.add("call end attempts=%d code=%d [%s]", call.Attempts, code, scope(ctx))
		},
		AttemptStart: func(ctx context.Context, req client.RequestInfo) context.Context {
			j.add("attempt start %d login=%v %s %s [%s]", req.Attempt, req.Login, req.Method, req.URL, scope(ctx))
			for _, h := range []string{"Authorization", "X-Csrf-Token"} {
				if req.Header.Get(h) != "" {
					j.t.Errorf("AttemptStart saw the session header %s", h)
				}
			}
			req.Header.Set("X-Scope", scope(ctx)+"/attempt")
			return within(ctx, "attempt")
		},
		AttemptEnd: func(ctx context.Context, a client.AttemptInfo) {
			j.add("attempt end %d status=%d action=%s [%s]", a.Attempt, a.Status, a.Action, scope(ctx))
		},
		Wait: func(ctx context.Context, w client.WaitInfo) {
			j.add("wait %s after attempt %d budget=%d [%s]", w.Action, w.Attempt, w.RetryBudget, scope(ctx))
		},
		LoginStart: func(ctx, caller context.Context, l client.LoginInfo) context.Context {
			// The login joins its caller's scope, as a span joins its trace.
			j.add("login start gen=%d [%s]", l.Generation, scope(caller))
			return within(context.WithValue(ctx, ctxKey("scope"), scope(caller)), "login")
		},
		LoginEnd: func(ctx context.Context, l client.LoginResult) {
			j.add("login end err=%v [%s]", l.Err, scope(ctx))
		},
		LoginWait: func(ctx, login context.Context, err error) {
			j.add("login wait err=%v [%s] for [%s]", err, scope(ctx), scope(login))
		},
	}
}

func TestObserverSeesTheCallItsAttemptsWaitsAndLoginWithTheirContexts(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(503), mock.Code(10001), mock.OK(nil))
	j := &journal{t: t}
	c, err := srv.NewClient(client.WithObserver(j.observer()), client.WithClock(mock.NewFakeClock()), client.WithRandom(func() float64 { return 0.5 }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := within(context.Background(), "app")
	if err := c.Do(ctx, "GET", "/v1/devices?page=CANARY-7", nil, nil, client.Query(url.Values{"sig": {"CANARY-8"}})); err != nil {
		t.Fatal(err)
	}
	u := srv.URL + "/v1/devices?page=REDACTED&sig=REDACTED"
	want := []string{
		"call start GET /v1/devices [app]",
		"login start gen=0 [app/call]",
		"attempt start 1 login=true POST " + srv.URL + "/v1/login [app/call/login]",
		"attempt end 1 status=200 action=none [app/call/login/attempt]",
		"login end err=<nil> [app/call/login]",
		"login wait err=<nil> [app/call] for [app/call/login]",
		"attempt start 1 login=false GET " + u + " [app/call]",
		"attempt end 1 status=503 action=retry [app/call/attempt]",
		"wait retry after attempt 1 budget=495 [app/call]",
		"attempt start 2 login=false GET " + u + " [app/call]",
		"attempt end 2 status=200 action=relogin [app/call/attempt]",
		"login start gen=1 [app/call]",
		"attempt start 1 login=true POST " + srv.URL + "/v1/login [app/call/login]",
		"attempt end 1 status=200 action=none [app/call/login/attempt]",
		"login end err=<nil> [app/call/login]",
		"login wait err=<nil> [app/call] for [app/call/login]",
		"attempt start 3 login=false GET " + u + " [app/call]",
		"attempt end 3 status=200 action=none [app/call/attempt]",
		"call end attempts=3 code=0 [app/call]",
	}
	if got := j.lines(); !slices.Equal(got, want) {
		t.Errorf("the observer saw\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	// What AttemptStart put in the header went out with the request.
	var scopes []string
	for _, r := range srv.Requests() {
		scopes = append(scopes, r.Header.Get("X-Scope"))
	}
	wantScopes := []string{"app/call/login/attempt", "app/call/attempt", "app/call/attempt", "app/call/login/attempt", "app/call/attempt"}
	if !slices.Equal(scopes, wantScopes) {
		t.Errorf("X-Scope at the server %q, want %q", scopes, wantScopes)
	}
}

func TestObserverSeesTheFinalErrorOfAFailedCall(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("POST", "/v1/streams", mock.Code(20005))
	j := &journal{t: t}
	c, err := srv.NewClient(client.WithObserver(j.observer()), client.WithClock(mock.NewFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	var ends []error
	c2, err := srv.NewClient(client.WithObserver(client.Observer{
		CallEnd: func(_ context.Context, call client.CallResult) { ends = append(ends, call.Err) },
	}), client.WithClock(mock.NewFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{c, c2} {
		err := c.Do(context.Background(), "POST", "/v1/streams", nil, nil)
		var ae *apierrors.APIError
		if !stderrors.As(err, &ae) || ae.Attempts != 3 || ae.Code != 20005 {
			t.Fatalf("Do = %v, want 20005 after 3 attempts", err)
		}
		if c == c2 && (len(ends) != 1 || ends[0] != err) {
			t.Errorf("CallEnd saw %v, want the very error Do returned", ends)
		}
	}
	got := j.lines()
	if last := got[len(got)-1]; last != "call end attempts=3 code=20005 [call]" {
		t.Errorf("last entry %q", last)
	}
	waits := 0
	for _, l := range got {
		if strings.HasPrefix(l, "wait retry ") {
			waits++
		}
	}
	if waits != 2 {
		t.Errorf("%d waits, want 2:\n%s", waits, strings.Join(got, "\n"))
	}
}

func TestObserversNestAndTheAttemptHookStillRuns(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(nil))
	var mu sync.Mutex
	var order []string
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	named := func(name string) client.Observer {
		return client.Observer{
			CallStart: func(ctx context.Context, _ client.CallInfo) context.Context {
				note(name + " start " + scope(ctx))
				return within(ctx, name)
			},
			CallEnd:    func(ctx context.Context, _ client.CallResult) { note(name + " end " + scope(ctx)) },
			AttemptEnd: func(ctx context.Context, _ client.AttemptInfo) { note(name + " attempt") },
		}
	}
	c, err := srv.NewClient(
		client.WithAttemptHook(func(a client.AttemptInfo) { note(fmt.Sprintf("hook attempt %d", a.Attempt)) }),
		client.WithObserver(named("a")), client.WithObserver(named("b")),
		client.WithLogin(func(context.Context) (client.Session, error) {
			tok, csrf := srv.IssueSession()
			return client.Session{Token: tok, CSRFToken: csrf}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"a start ", "b start a", "hook attempt 1", "b attempt", "a attempt", "b end a/b", "a end a/b"}
	if !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
}

// ctxHandler is a slog.Handler that keeps the scope of each record's
// context.
type ctxHandler struct {
	mu     *sync.Mutex
	scopes *[]string
}

func (h ctxHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	*h.scopes = append(*h.scopes, r.Message+" ["+scope(ctx)+"]")
	h.mu.Unlock()
	return nil
}
func (h ctxHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h ctxHandler) WithGroup(string) slog.Handler      { return h }

func TestLogLinesCarryTheCallsContext(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(503))
	var scopes []string
	h := ctxHandler{mu: &sync.Mutex{}, scopes: &scopes}
	c, err := srv.NewClient(client.WithLogger(slog.New(h)), client.WithClock(mock.NewFakeClock()),
		client.WithObserver(client.Observer{
			CallStart: func(ctx context.Context, _ client.CallInfo) context.Context { return within(ctx, "call") },
			LoginStart: func(ctx, caller context.Context, _ client.LoginInfo) context.Context {
				return within(context.WithValue(ctx, ctxKey("scope"), scope(caller)), "login")
			},
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(within(context.Background(), "app"), "GET", "/v1/devices", nil, nil); err == nil {
		t.Fatal("Do succeeded, want 503")
	}
	want := []string{
		"devcloud attempt [app/call/login]", // the login's request, in the login's context
		"devcloud attempt [app/call]", "devcloud attempt [app/call]", "devcloud attempt [app/call]",
		"devcloud call failed [app/call]",
	}
	if !slices.Equal(scopes, want) {
		t.Errorf("log records %q, want %q", scopes, want)
	}
}

func TestObserverSeesPollsWaitsBetweenItsCalls(t *testing.T) {
	clk := mock.NewFakeClock()
	m, lp := eventsEndpoint(t, mock.WithPlatformClock(clk))
	var (
		mu    sync.Mutex
		waits []time.Duration
		calls int
	)
	c := mockClient(t, m, client.WithClock(clk), client.WithObserver(client.Observer{
		CallEnd: func(context.Context, client.CallResult) { mu.Lock(); calls++; mu.Unlock() },
		Wait: func(_ context.Context, w client.WaitInfo) {
			mu.Lock()
			defer mu.Unlock()
			if w.Action != apierrors.ActionRetry || w.Attempt != 0 || w.Err == nil {
				t.Errorf("Poll's wait %+v, want a retry between calls, with the failure waited out", w)
			}
			waits = append(waits, w.Delay)
		},
	}))
	lp.Push(mock.Code(503), mock.Code(20005), batch("c1", "a"))
	for _, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	mu.Lock()
	defer mu.Unlock()
	if want := clk.Sleeps(); len(want) != 2 || !slices.Equal(waits, want) || calls != 3 {
		t.Errorf("waits %v over %d calls, want the sleeps %v over 3", waits, calls, want)
	}
}
