package mock_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// The SDK client through each flavour's own wiring: the smoke tests of
// Mock.NewClient and Server.NewClient (the SDK's behaviour is tested in
// client/ and end to end at the root).

func TestMockNewClientRetriesThenDecodes(t *testing.T) {
	m := mock.New(t)
	m.ExpectAllConsumed()
	m.On("GET", "/v1/devices", mock.Code(20005), mock.OK(map[string]int{"Total": 2}))
	c, err := m.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Total int }
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 2 {
		t.Fatalf("out = %+v", out)
	}
	m.AssertCalls(t, "GET", "/v1/devices", 2)
	m.AssertLogins(t, 1)
}

func TestServerNewClientSurvivesSessionStormWithOneLogin(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	srv.InvalidateSessions()
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	srv.AssertLogins(t, 2) // the first login and one relogin
}

func TestServerNewClientCorrectsClockSkew(t *testing.T) {
	srv := mock.StartServer(t, mock.WithClockSkew(20*time.Minute))
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	if srv.LoginAttempts() != 2 || srv.Logins() != 1 {
		t.Fatalf("%d login attempts, %d logins; want 2 (one 10006) and 1", srv.LoginAttempts(), srv.Logins())
	}
}

// The Mock models sessions: a session code ends the session for every
// request that carries it, so a storm of goroutines costs one relogin, as
// on the Server.
func TestMockSessionStormCostsOneRelogin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(m *mock.Mock)
	}{
		{"InvalidateSessions", func(m *mock.Mock) {
			m.InvalidateSessions()
		}},
		{"one scripted 10001", func(m *mock.Mock) {
			m.On("GET", "/v1/devices", mock.Code(apierrors.NotLoggedIn), mock.OK(nil))
		}},
		{"one scripted 10002", func(m *mock.Mock) {
			m.On("GET", "/v1/devices", mock.Code(apierrors.LoginTimeout), mock.OK(nil))
		}},
		{"ExpireSessions", func(m *mock.Mock) {
			m.ExpireSessions()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const callers = 20
			m := mock.New(t)
			m.On("GET", "/v1/devices", mock.OK(nil))
			c, err := m.NewClient(client.WithClock(mock.NewFakeClock()))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil { // the first login
				t.Fatal(err)
			}
			tc.script(m)
			var wg sync.WaitGroup
			var ok atomic.Int64
			start := make(chan struct{})
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
						t.Error(err)
						return
					}
					ok.Add(1)
				}()
			}
			close(start)
			wg.Wait()
			if ok.Load() != callers {
				t.Errorf("%d of %d calls succeeded", ok.Load(), callers)
			}
			t.Logf("%d goroutines: %d successes, %d logins (the first and one relogin)", callers, ok.Load(), m.Logins())
			m.AssertLogins(t, 2) // the first login and one relogin
		})
	}
}

// recordingTB is a mock.TB that keeps the failures instead of failing.
type recordingTB struct {
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Helper()        {}
func (r *recordingTB) Cleanup(func()) {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestMockUnscriptedRouteFailsAtTheCallersLineAndIsNotRetried(t *testing.T) {
	rtb := &recordingTB{}
	m := mock.New(rtb)
	m.On("GET", "/v1/devices", mock.OK(nil))
	clk := mock.NewFakeClock()
	c, err := m.NewClient(client.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	_, _, callerLine, _ := runtime.Caller(0)
	err = c.Do(context.Background(), "GET", "/v1/gateways", nil, nil) // the caller's line
	var ae *apierrors.APIError
	if !errors.As(err, &ae) || ae.Code != apierrors.NotFound || ae.Attempts != 1 {
		t.Fatalf("err = %v, want a 404 after 1 attempt", err)
	}
	if n := m.Count("GET", "/v1/gateways"); n != 1 || len(clk.Sleeps()) != 0 {
		t.Errorf("%d requests, sleeps %v; want 1 request and no sleep", n, clk.Sleeps())
	}
	if len(rtb.errs) != 1 {
		t.Fatalf("%d failures, want 1: %q", len(rtb.errs), rtb.errs)
	}
	for _, want := range []string{fmt.Sprintf("mock: sdk_test.go:%d: no route for GET https://devcloud.test/v1/gateways", callerLine+1), "scripted routes: GET /v1/devices, POST /v1/login"} {
		if !strings.Contains(rtb.errs[0], want) {
			t.Errorf("failure lacks %q:\n%s", want, rtb.errs[0])
		}
	}
}
