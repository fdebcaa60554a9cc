package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

func TestBadInputIsATypedErrorNotAPanic(t *testing.T) {
	f := newFakeAPI(t)
	c := newClient(t, f, mock.NewFakeClock())
	ctx := context.Background()
	//nolint:staticcheck // a nil context is the bad input under test
	var nilCtx context.Context
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"nil context", c.Do(nilCtx, "GET", "/v1/x", nil, nil), "ctx"},
		{"empty method", c.Do(ctx, "", "/v1/x", nil, nil), "method"},
		{"method with space", c.Do(ctx, "GE T", "/v1/x", nil, nil), "method"},
		{"relative path", c.Do(ctx, "GET", "v1/x", nil, nil), "path"},
		{"scheme-relative path", c.Do(ctx, "GET", "//evil/x", nil, nil), "path"},
		{"unencodable body", c.Do(ctx, "POST", "/v1/x", make(chan int), nil), "in"},
		{"bad base URL", newErr(client.New("ftp://x")), "baseURL"},
		{"base URL with query", newErr(client.New("http://x/?token=abc")), "baseURL"},
		// An empty query or fragment: a path appended would land in it.
		{"base URL ending in ?", newErr(client.New("http://x/api?")), "baseURL"},
		{"base URL ending in #", newErr(client.New("http://x/api#")), "baseURL"},
		{"endpoint ending in ?", newErr(client.New("http://x/api", client.WithEndpoints("http://y/api?"))), "endpoints"},
		{"not a URL", newErr(client.New("http://[::1")), "baseURL"},
		{"empty app id", newErr(client.New("http://x", client.WithCredentials("", "s"))), "appID"},
		{"empty secret", newErr(client.New("http://x", client.WithCredentials("a", ""))), "secret"},
		{"nil login", newErr(client.New("http://x", client.WithLogin(nil))), "login"},
		{"nil policy", newErr(client.New("http://x", client.WithPolicy(nil))), "policy"},
		{"zero timeout", newErr(client.New("http://x", client.WithTimeout(0))), "timeout"},
	}
	for _, tc := range cases {
		var ie *client.InputError
		if !errors.As(tc.err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: err = %v, want InputError on %s", tc.name, tc.err, tc.field)
		}
	}
	if got := len(f.recorded()); got != 0 {
		t.Errorf("requests sent = %d, want 0", got)
	}
}

func newErr(_ *client.Client, err error) error { return err }

func TestTransportFailures(t *testing.T) {
	t.Run("connection refused is retried even for POST", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		clk := mock.NewFakeClock()
		c, _ := client.New("http://"+addr, client.WithClock(clk), client.WithRandom(half))
		err = c.Do(context.Background(), "POST", "/v1/x?token=CANARY", nil, nil)
		var te *apierrors.TransportError
		if !errors.As(err, &te) || te.Attempts != 3 || len(clk.Sleeps()) != 2 {
			t.Fatalf("err = %v sleeps %v, want TransportError after 3 attempts", err, clk.Sleeps())
		}
		if strings.Contains(err.Error(), "CANARY") {
			t.Errorf("query value leaked: %v", err)
		}
	})
	t.Run("unknown host is not retried", func(t *testing.T) {
		// The resolver's answer is made here, so the test asks no DNS
		// server: only loopback traffic leaves a test.
		var dials int
		noSuchHost := &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			dials++
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "no-such-host.invalid", IsNotFound: true}}
		}}
		clk := mock.NewFakeClock()
		c, _ := client.New("http://no-such-host.invalid", client.WithClock(clk),
			client.WithHTTPClient(&http.Client{Transport: noSuchHost}))
		err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		if dials != 1 {
			t.Errorf("%d dials, want 1", dials)
		}
		var te *apierrors.TransportError
		if !errors.As(err, &te) || te.Attempts != 1 {
			t.Fatalf("err = %v, want one attempt", err)
		}
	})
	t.Run("an untrusted certificate is not retried", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		defer srv.Close()
		clk := mock.NewFakeClock()
		c, _ := client.New(srv.URL, client.WithClock(clk))
		err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		var te *apierrors.TransportError
		if !errors.As(err, &te) || te.Attempts != 1 {
			t.Fatalf("err = %v, want one attempt", err)
		}
	})
	t.Run("attempt timeout is retried for GET", func(t *testing.T) {
		slow := newFakeAPI(t)
		slow.loginHook = nil
		slow.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers: every attempt times out
		})
		clk := mock.NewFakeClock()
		c, _ := client.New(slow.URL, client.WithClock(clk), client.WithTimeout(20*time.Millisecond))
		err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
		var te *apierrors.TransportError
		if !errors.As(err, &te) || te.Attempts != 3 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want 3 timed-out attempts", err)
		}
	})
}

func TestResponseOverTheSizeCapFails(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", ok(`{"Blob":"`+strings.Repeat("x", 2048)+`"}`))
	c := newClient(t, f, mock.NewFakeClock(), client.WithMaxResponseBytes(1024))
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil)
	var te *apierrors.TransportError
	if !errors.As(err, &te) || !errors.Is(err, client.ErrResponseTooLarge) || te.Attempts != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestQueryIsSentButNeverShown(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/x", code(20001))
	c := newClient(t, f, mock.NewFakeClock())
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil, client.Query(url.Values{"sn": {"CANARY-Q"}}))
	var got string
	for _, r := range f.recorded() {
		if r.Path == "/v1/x" {
			got = r.Query
		}
	}
	if got != "sn=CANARY-Q" {
		t.Errorf("query sent = %q", got)
	}
	if strings.Contains(err.Error(), "CANARY") {
		t.Errorf("query leaked into %v", err)
	}
}

// TestSecretsNeverReachErrorsOrLogs drives every failure path with canary
// values for the secret, token, CSRF token, password and query values, and
// checks that none appears in an error string, a log line or a hook's view.
func TestSecretsNeverReachErrorsOrLogs(t *testing.T) {
	const (
		secret   = "CANARY-SECRET"
		password = "CANARY-PASSWORD"
		query    = "CANARY-QUERY"
	)
	f := newFakeAPI(t)
	var sigs []string
	f.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		sigs = append(sigs, string(body[bytes.Index(body, []byte(`"Sig":"`))+7:][:64]))
		return false
	}
	truncated := `{"Response":{"Token":"CANARY-TOKEN-1","CSRFToken":"CANARY`
	f.on("GET", "/v1/retry", code(20005))
	f.on("GET", "/v1/relogin", code(10001))
	f.on("GET", "/v1/html", reply{status: 502, body: "<html>tok=CANARY-TOKEN-1</html>"})
	f.on("GET", "/v1/truncated", reply{status: 200, body: truncated})
	f.on("POST", "/v1/fail", code(20001))
	var logs bytes.Buffer
	var hooks bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, f, mock.NewFakeClock(), client.WithLogger(logger), client.WithAttemptHook(func(i client.AttemptInfo) {
		fmt.Fprintf(&hooks, "%+v\n", i)
	}))
	// tokens issued by the fake are tok-N; make them canaries too
	ctx := context.Background()
	var errs []error
	q := client.Query(url.Values{"key": {query}})
	for _, p := range []string{"/v1/retry", "/v1/relogin", "/v1/html", "/v1/truncated", "/v1/missing"} {
		errs = append(errs, c.Do(ctx, "GET", p+"?sig="+query, nil, nil, q))
	}
	errs = append(errs, c.Do(ctx, "POST", "/v1/fail", map[string]string{"Password": password}, nil, q))
	refused, _ := client.New("http://127.0.0.1:1", client.WithCredentials("app", secret), client.WithLogger(logger), client.WithClock(mock.NewFakeClock()))
	errs = append(errs, refused.Do(ctx, "GET", "/v1/x?token="+query, nil, nil))
	badLogin := newFakeAPI(t)
	badLogin.loginHook = func(w http.ResponseWriter, r *http.Request, body []byte) bool { write(w, code(10005)); return true }
	bl := newClient(t, badLogin, mock.NewFakeClock(), client.WithLogger(logger), client.WithCredentials("app", secret))
	errs = append(errs, bl.Do(ctx, "GET", "/v1/x?password="+password, nil, nil))

	canaries := append([]string{secret, password, query, "CANARY-TOKEN", "tok-1", "csrf-tok"}, sigs...)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded", i)
		}
		for _, c := range canaries {
			if strings.Contains(err.Error(), c) {
				t.Errorf("error %d leaks %q: %v", i, c, err)
			}
		}
	}
	for _, c := range canaries {
		if strings.Contains(logs.String(), c) {
			t.Errorf("log leaks %q", c)
		}
		if strings.Contains(hooks.String(), c) {
			t.Errorf("hook view leaks %q", c)
		}
	}
	if logs.Len() == 0 || len(sigs) == 0 {
		t.Fatal("no logs or logins: the test proves nothing")
	}
}
