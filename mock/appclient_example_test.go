package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// deviceService is an application's own wrapper of the SDK, built the way
// the app builds it in production: from a base URL, its credentials and the
// options it passes on. Tests reach it through the mock's ClientConfig, not
// through NewClient.
type deviceService struct{ c *client.Client }

func newDeviceService(baseURL, appID, secret string, opts ...client.Option) (*deviceService, error) {
	c, err := client.New(baseURL, append([]client.Option{client.WithCredentials(appID, secret)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &deviceService{c: c}, nil
}

// deviceName reads one device.
func (s *deviceService) deviceName(ctx context.Context, id string) (string, error) {
	var d struct{ Name string }
	if err := s.c.Do(ctx, "GET", "/v1/devices/"+id, nil, &d); err != nil {
		return "", fmt.Errorf("device %s: %w", id, err)
	}
	return d.Name, nil
}

// An app's own client against both flavours: each hands out what the app's
// constructor takes (base URL, credentials, transport, clock), and counts
// the requests of that client as its own. The route is a pattern; a Func
// reads its path value.
func ExampleClientConfig() {
	ctx := context.Background()
	named := mock.Func(func(r *mock.Request) mock.Reply {
		return mock.OK(map[string]string{"Name": "camera " + r.PathValue("id")})
	})

	m := mock.New(nil, mock.WithPlatformClock(mock.NewFakeClock())) // in a test: mock.New(t, ...)
	m.On("GET", "/v1/devices/{id}", mock.Code(504), named)
	cfg := m.ClientConfig()
	svc, _ := newDeviceService(cfg.BaseURL, cfg.AppID, cfg.Secret,
		client.WithHTTPClient(&http.Client{Transport: cfg.Transport}),
		client.WithClock(cfg.Clock)) // the 504's retry waits on the platform's fake clock
	name, err := svc.deviceName(ctx, "cam-7")
	fmt.Println("Mock:", name, err, m.Count("GET", "/v1/devices/{id}"), "calls,", m.Logins(), "login")

	srv := mock.NewServer() // in a test: mock.StartServer(t)
	defer srv.Close()
	srv.On("GET", "/v1/devices/{id}", named)
	cfg = srv.ClientConfig()
	svc, _ = newDeviceService(cfg.BaseURL, cfg.AppID, cfg.Secret)
	name, err = svc.deviceName(ctx, "cam-8")
	fmt.Println("Server:", name, err, srv.Count("GET", "/v1/devices/cam-8"), "call,", srv.Logins(), "login")
	// Output:
	// Mock: camera cam-7 <nil> 2 calls, 1 login
	// Server: camera cam-8 <nil> 1 call, 1 login
}

// ClientOptions are the SDK options that point a client at the flavour,
// for a constructor that passes options on (or client.New itself).
func ExampleClientConfig_ClientOptions() {
	clk := mock.NewFakeClock()
	srv := mock.NewServer(mock.WithPlatformClock(clk), mock.WithLoginPath("/auth/token"))
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Code(20005), mock.OK(nil))
	cfg := srv.ClientConfig()
	c, _ := client.New(cfg.BaseURL, cfg.ClientOptions()...) // credentials, login path and clock

	err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil)
	fmt.Println(err, "logins:", srv.Logins(), "retry waits on the shared clock:", len(clk.Sleeps()))
	// Output:
	// <nil> logins: 1 retry waits on the shared clock: 1
}

func TestAppBuiltClientIsRecordedInBothFlavours(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(t *testing.T, clk *mock.FakeClock) (mock.ClientConfig, func() []mock.Request, func())
	}{
		{"Mock", func(t *testing.T, clk *mock.FakeClock) (mock.ClientConfig, func() []mock.Request, func()) {
			m := mock.New(t, mock.WithPlatformClock(clk))
			m.On("GET", "/v1/devices/{id}", mock.Code(504), mock.OK(map[string]string{"Name": "porch"}))
			return m.ClientConfig(), m.Requests, m.ExpireSessions
		}},
		{"Server", func(t *testing.T, clk *mock.FakeClock) (mock.ClientConfig, func() []mock.Request, func()) {
			srv := mock.StartServer(t, mock.WithPlatformClock(clk))
			srv.On("GET", "/v1/devices/{id}", mock.Code(504), mock.OK(map[string]string{"Name": "porch"}))
			return srv.ClientConfig(), srv.Requests, srv.ExpireSessions
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := mock.NewFakeClock()
			cfg, requests, expire := tt.start(t, clk)
			if cfg.Clock != clk || cfg.AppID != mock.DefaultAppID || cfg.Secret != mock.DefaultSecret || cfg.BaseURL == "" {
				t.Fatalf("ClientConfig %+v", cfg)
			}
			svc, err := newDeviceService(cfg.BaseURL, cfg.AppID, cfg.Secret,
				client.WithHTTPClient(cfg.HTTPClient()), client.WithClock(cfg.Clock))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for _, id := range []string{"cam-1", "cam-2"} {
				if name, err := svc.deviceName(ctx, id); name != "porch" || err != nil {
					t.Fatalf("%s: %q, %v", id, name, err)
				}
				expire()
			}
			// cam-1: login, 504, ok; cam-2: 10002, login, ok.
			var got []string
			for _, r := range requests() {
				got = append(got, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Code))
			}
			want := []string{
				"POST /v1/login 0", "GET /v1/devices/cam-1 504", "GET /v1/devices/cam-1 0",
				"GET /v1/devices/cam-2 10002", "POST /v1/login 0", "GET /v1/devices/cam-2 0",
			}
			if !slices.Equal(got, want) {
				t.Errorf("requests\n%q\nwant\n%q", got, want)
			}
			if n := len(clk.Sleeps()); n != 1 {
				t.Errorf("%d sleeps on the shared clock, want 1 (the 504's)", n)
			}
		})
	}
}
