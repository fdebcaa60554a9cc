package mock_test

import (
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"

	"github.com/devcloud/devcloud-go/mock"
)

func TestGatewayPassesOnFailsHealsAndDies(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/open", mock.OK(map[string]int{"N": 1}))
	srv.OnLogin(mock.LoginOK())
	gw := mock.StartGateway(t, srv)
	get := func() (int, error) {
		resp, err := http.Get(gw.URL + mock.DefaultLoginPath)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	// GET of the login path: not a login, so the platform answers it
	// (and records it) as a route without a session.
	if _, err := get(); err != nil {
		t.Fatal(err)
	}
	passed := len(srv.Requests())
	gw.Fail(mock.Status(503))
	if st, err := get(); err != nil || st != 503 {
		t.Fatalf("failing gateway answered %d, %v; want 503", st, err)
	}
	if n := len(srv.Requests()); n != passed {
		t.Errorf("the platform recorded %d requests, want %d: a failing gateway passes nothing on", n, passed)
	}
	gw.Heal()
	if _, err := get(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != passed+1 {
		t.Errorf("the platform recorded %d requests, want %d after Heal", n, passed+1)
	}
	if gw.Requests() != 3 {
		t.Errorf("gateway counted %d requests, want 3", gw.Requests())
	}
	gw.Close()
	gw.Close() // harmless
	if _, err := get(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a request to a closed gateway: %v, want the dial refused", err)
	}
}
