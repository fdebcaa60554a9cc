package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// echoPlatform answers every request with what it was sent — session
// headers, query, body — put into the part of the answer each route names,
// as a platform or proxy that echoes the request in its errors does.
type echoPlatform struct {
	*httptest.Server
	secret string
	login  func(w http.ResponseWriter, echo string, n int64) // nil: a good login
	logins atomic.Int64

	mu     sync.Mutex
	echoes []string
}

const echoSecret = "CANARY-SECRET-1"

func newEchoPlatform(t *testing.T) *echoPlatform {
	p := &echoPlatform{secret: echoSecret}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *echoPlatform) serve(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	body.ReadFrom(r.Body)
	echo := fmt.Sprintf("you sent %s %s?%s auth=%q csrf=%q body=%s secret=%s",
		r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("X-Csrf-Token"), body.String(), p.secret)
	p.mu.Lock()
	p.echoes = append(p.echoes, echo)
	p.mu.Unlock()
	quoted, _ := json.Marshal(echo)
	jsonError := func(code string) {
		write(w, reply{status: 200, body: `{"Response":{"Error":{"Code":` + code + `,"Message":` + string(quoted) + `},"RequestId":` + string(quoted) + `}}`})
	}
	switch r.URL.Path {
	case client.DefaultLoginPath:
		n := p.logins.Add(1)
		if p.login != nil {
			p.login(w, echo, n)
			return
		}
		write(w, ok(fmt.Sprintf(`{"Token":"CANARY-TOKEN-%d","CSRFToken":"CANARY-CSRF-%d","ExpiresIn":3600}`, n, n)))
	case "/v1/fail":
		jsonError("20001")
	case "/v1/retry":
		jsonError("20005")
	case "/v1/rawcode":
		rawCode, _ := json.Marshal("E " + r.Header.Get("Authorization"))
		jsonError(string(rawCode))
	case "/v1/html":
		write(w, reply{status: 502, body: "<html><body>" + strings.Repeat("padding ", 8) + echo + "</body></html>", header: map[string]string{"Content-Type": "text/html"}})
	case "/v1/text":
		write(w, reply{status: 200, body: strings.Repeat("x", 224) + echo, header: map[string]string{"Content-Type": "text/plain"}})
	case "/v1/mismatch":
		write(w, ok(`{"N":`+string(quoted)+`}`))
	case "/v1/malformed":
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		fmt.Fprintf(buf, "HTTP/1.1 %s OK\r\n\r\n", token)
		buf.Flush()
		conn.Close()
	default:
		write(w, code(404))
	}
}

// seen returns the echoes sent, to prove the canaries went out.
func (p *echoPlatform) seen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.echoes, "\n")
}

// views renders v every way an application shows an error or a hook's data.
func views(v any) map[string]string {
	out := map[string]string{
		"%v": fmt.Sprintf("%v", v), "%+v": fmt.Sprintf("%+v", v), "%#v": fmt.Sprintf("%#v", v), "%s": fmt.Sprintf("%s", v),
	}
	if err, ok := v.(error); ok {
		out["Error()"] = err.Error()
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "v", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "v", v)
	out["slog text"], out["slog JSON"] = text.String(), js.String()
	if b, err := json.Marshal(v); err == nil {
		out["json.Marshal"] = string(b)
	}
	return out
}

// TestServerTextIsRedactedOnEveryFailurePath has the platform echo the
// request — session token, CSRF token, query values, body, the login's
// signature and the secret — into every part of an answer the SDK stores in
// an error: Message, RequestId, a non-numeric code, an HTML page, a 2xx body
// that is not JSON or does not fit, a malformed status line, a failed login.
// None of the canaries may reach an error, a hook's data or a log line, in
// any rendering.
func TestServerTextIsRedactedOnEveryFailurePath(t *testing.T) {
	p := newEchoPlatform(t)
	var (
		mu    sync.Mutex
		hooks []client.AttemptInfo
		logs  bytes.Buffer
	)
	hook := func(info client.AttemptInfo) {
		mu.Lock()
		hooks = append(hooks, info)
		mu.Unlock()
	}
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	newEchoClient := func() *client.Client {
		c, err := client.New(p.URL, client.WithCredentials("app-1", p.secret), client.WithClock(mock.NewFakeClock()),
			client.WithRandom(half), client.WithAttemptHook(hook), client.WithLogger(logger))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newEchoClient()
	ctx := context.Background()
	query := client.Query(url.Values{"key": {"CANARY-QUERY-opt"}, "name": {"CANARY QUERY spaced"}})
	calls := []struct {
		name, method, path string
		out                any
		want               string // the error's type
	}{
		{"message and request id", "GET", "/v1/fail", nil, "*errors.APIError"},
		{"retried message", "POST", "/v1/retry", nil, "*errors.APIError"},
		{"raw code", "GET", "/v1/rawcode", nil, "*errors.APIError"},
		{"HTML page", "GET", "/v1/html", nil, "*errors.APIError"},
		{"2xx body that is not JSON", "GET", "/v1/text", nil, "*errors.DecodeError"},
		{"2xx body that does not fit", "GET", "/v1/mismatch", new(struct{ N int }), "*errors.DecodeError"},
		{"malformed status line", "GET", "/v1/malformed", nil, "*errors.TransportError"},
	}
	var errs []error
	for _, call := range calls {
		var in any
		if call.method == "POST" {
			in = map[string]string{"Name": "lamp"}
		}
		err := c.Do(ctx, call.method, call.path+"?sig=CANARY-QUERY-path&x=1", in, call.out, query)
		if got := fmt.Sprintf("%T", err); got != call.want {
			t.Errorf("%s: err = %s %v, want %s", call.name, got, err, call.want)
		}
		errs = append(errs, err)
	}

	// A login the platform refuses with an echo of the signed request, and
	// one whose success body does not fit and carries the new tokens.
	p.login = func(w http.ResponseWriter, echo string, n int64) {
		quoted, _ := json.Marshal(echo)
		write(w, reply{status: 200, body: `{"Response":{"Error":{"Code":10005,"Message":` + string(quoted) + `}}}`})
	}
	errs = append(errs, newEchoClient().Do(ctx, "GET", "/v1/fail", nil, nil))
	p.login = func(w http.ResponseWriter, echo string, n int64) {
		write(w, ok(fmt.Sprintf(`{"Token":"CANARY-TOKEN-%d","CSRFToken":"CANARY-CSRF-%d","ExpiresIn":[1]}`, n, n)))
	}
	errs = append(errs, newEchoClient().Do(ctx, "GET", "/v1/fail", nil, nil))

	sent := p.seen()
	var sigs []string
	for _, line := range strings.Split(sent, "\n") {
		if i := strings.Index(line, `"Sig":"`); i >= 0 {
			sigs = append(sigs, line[i+7:i+7+64])
		}
	}
	for _, c := range []string{"CANARY-TOKEN", "CANARY-CSRF", "CANARY-QUERY-opt", "CANARY-QUERY-path", "CANARY+QUERY+spaced", p.secret} {
		if !strings.Contains(sent, c) {
			t.Fatalf("the platform never saw %q: the test proves nothing", c)
		}
	}
	// Every secret holds "CANARY" but the signatures; a secret cut in half
	// at a snippet's end must not show either.
	canaries := append([]string{"CANARY"}, sigs...)
	if len(sigs) < 2 || len(hooks) < len(calls) {
		t.Fatalf("%d signatures, %d hook calls: the test proves nothing", len(sigs), len(hooks))
	}
	check := func(what string, v any) {
		t.Helper()
		for how, s := range views(v) {
			for _, c := range canaries {
				if strings.Contains(s, c) {
					t.Errorf("%s, %s shows %q:\n%s", what, how, c, s)
				}
			}
		}
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded", i)
		}
		check(fmt.Sprintf("error %d (%T)", i, err), err)
	}
	for i, info := range hooks {
		check("hook data "+strconv.Itoa(i), info)
		if info.Err != nil {
			check("hook error "+strconv.Itoa(i), info.Err)
		}
		var de *apierrors.DecodeError
		if info.Login && errors.As(info.Err, &de) && de.Snippet != "" {
			t.Errorf("a login's DecodeError reached the hook with a snippet: %q", de.Snippet)
		}
	}
	for _, c := range canaries {
		if strings.Contains(logs.String(), c) {
			t.Errorf("the client's log shows %q", c)
		}
	}
	// Redacted, not emptied: the rest of the server's text is kept.
	var ae *apierrors.APIError
	if !errors.As(errs[0], &ae) || !strings.Contains(ae.Message, "you sent GET /v1/fail?sig=[redacted]") || !strings.Contains(ae.Message, "[redacted]") {
		t.Errorf("Message = %q, want the echo with its secrets redacted", ae.Message)
	}
}

// TestLoginSignatureEchoedInACallIsRedacted: a platform that echoes what
// it last saw (the signed login request among it) in a later call's error
// must not put the signature into that error: with the timestamp and nonce
// beside it, it is a login anyone can replay while the timestamp is valid.
func TestLoginSignatureEchoedInACallIsRedacted(t *testing.T) {
	var (
		mu        sync.Mutex
		lastLogin string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == client.DefaultLoginPath {
			lastLogin = body.String()
			write(w, ok(`{"Token":"CANARY-TOKEN","CSRFToken":"CANARY-CSRF","ExpiresIn":3600}`))
			return
		}
		quoted, _ := json.Marshal("recent requests: " + lastLogin)
		write(w, reply{status: 200, body: `{"Response":{"Error":{"Code":20001,"Message":` + string(quoted) + `},"RequestId":` + string(quoted) + `}}`})
	}))
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithCredentials("app-1", echoSecret), client.WithClock(mock.NewFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), "GET", "/v1/fail", nil, nil)
	mu.Lock()
	var lr struct{ Sig string }
	json.Unmarshal([]byte(lastLogin), &lr)
	mu.Unlock()
	if len(lr.Sig) != 64 {
		t.Fatalf("login body %q has no signature: the test proves nothing", lastLogin)
	}
	var ae *apierrors.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, `"Sig":"[redacted]"`) {
		t.Fatalf("err = %v, want a 20001 whose Message keeps the echo, signature redacted", err)
	}
	for how, s := range views(err) {
		if strings.Contains(s, lr.Sig) {
			t.Errorf("%s shows the login's signature:\n%s", how, s)
		}
	}
}

// TestGoStringHidesBodies checks that %#v of the error types shows neither
// a body snippet nor a URL's query.
func TestGoStringHidesBodies(t *testing.T) {
	ue := &url.Error{Op: "Get", URL: "http://h/x?token=CANARY-Q", Err: errors.New("boom")}
	for _, err := range []error{
		&apierrors.APIError{Code: 502, HTTPStatus: 502, Body: "<html>CANARY-BODY</html>", Err: ue},
		&apierrors.DecodeError{HTTPStatus: 200, Snippet: "CANARY-BODY", BodyLen: 11, Err: ue},
		&apierrors.TransportError{Err: ue},
		&client.LoginFailedError{Err: &apierrors.DecodeError{Snippet: "CANARY-BODY"}},
	} {
		s := fmt.Sprintf("%#v", err)
		if strings.Contains(s, "CANARY") {
			t.Errorf("%%#v of %T = %s", err, s)
		}
	}
}
