package mock_test

import (
	"context"
	"sync"
	"testing"
	"time"

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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
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
