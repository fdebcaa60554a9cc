// Package devcloud_test holds the end-to-end tests of the whole SDK: the
// client, its retry policy and the error catalog, driven through both
// flavours of the fake platform in package mock.
package devcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

const ms = time.Millisecond

// specAction is the default policy's table (README.md, "Retries and
// relogin") written out by hand, independently of the catalog, so that the
// catalog's actions and the SDK's behaviour are both checked against it.
func specAction(c apierrors.Code) apierrors.Action {
	switch c {
	case 502, 503, 504, 20003, 20005, 20013, 20022:
		return apierrors.ActionRetry
	case 30011:
		return apierrors.ActionRetryThrottle
	case 500:
		return apierrors.ActionRetryIdempotent
	case 10001, 10002, 10007:
		return apierrors.ActionRelogin
	case 10006:
		return apierrors.ActionReloginClockSkew
	case 10004:
		return apierrors.ActionLoginCooldown
	}
	return apierrors.ActionFail
}

// TestEveryCatalogCodeTakesItsSpecifiedAction scripts each of the 72 codes on
// a route, forever, through both flavours, and asserts what that table says
// the SDK does about it, with exact request, login and sleep counts. Every
// subtest has its own fake platform and runs in parallel with the others.
func TestEveryCatalogCodeTakesItsSpecifiedAction(t *testing.T) {
	infos := apierrors.All()
	if len(infos) != 72 {
		t.Fatalf("catalog has %d codes, want 72", len(infos))
	}
	var (
		mu     sync.Mutex
		passed = map[string]map[apierrors.Action]int{}
	)
	t.Cleanup(func() {
		for _, fl := range flavours() {
			var parts []string
			total := 0
			for a := apierrors.ActionFail; a <= apierrors.ActionLoginCooldown; a++ {
				parts = append(parts, fmt.Sprintf("%s %d", a, passed[fl.name][a]))
				total += passed[fl.name][a]
			}
			t.Logf("%-6s: %d/72 codes passed: %s", fl.name, total, strings.Join(parts, ", "))
		}
	})
	for _, fl := range flavours() {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			for _, info := range infos {
				t.Run(fmt.Sprintf("%d_%s", info.Code, info.Name), func(t *testing.T) {
					t.Parallel()
					want := specAction(info.Code)
					if info.Action != want {
						t.Errorf("catalog action of %d is %s, the policy table says %s", info.Code, info.Action, want)
					}
					switch want {
					case apierrors.ActionRetry:
						checkRetried(t, fl, info, 100*ms, 200*ms)
					case apierrors.ActionRetryThrottle:
						checkRetried(t, fl, info, time.Second, 2*time.Second)
					case apierrors.ActionRetryIdempotent:
						checkRetriedWhenIdempotent(t, fl, info)
					case apierrors.ActionRelogin, apierrors.ActionReloginClockSkew:
						checkRelogin(t, fl, info)
					case apierrors.ActionLoginCooldown:
						checkLoginCooldown(t, fl, info)
					default:
						checkFailsAtOnce(t, fl, info)
					}
					if !t.Failed() {
						mu.Lock()
						if passed[fl.name] == nil {
							passed[fl.name] = map[apierrors.Action]int{}
						}
						passed[fl.name][want]++
						mu.Unlock()
					}
				})
			}
		})
	}
}

func codePath(c apierrors.Code) string { return fmt.Sprintf("/v1/codes/%d", c) }

// checkCodeError checks what every code's final error carries: the type,
// the code, the attempts, the catalog text and the category helpers.
func checkCodeError(t *testing.T, err error, info apierrors.Info, method string, attempts int) *apierrors.APIError {
	t.Helper()
	ae := wantAPIError(t, err, info.Code)
	if ae.Attempts != attempts {
		t.Errorf("Attempts = %d, want %d", ae.Attempts, attempts)
	}
	if ae.Method != method || ae.Path != codePath(info.Code) {
		t.Errorf("Method, Path = %q, %q; want %q, %q", ae.Method, ae.Path, method, codePath(info.Code))
	}
	wantStatus := http.StatusOK
	if info.Code < 1000 {
		wantStatus = int(info.Code)
	}
	if ae.HTTPStatus != wantStatus {
		t.Errorf("HTTPStatus = %d, want %d", ae.HTTPStatus, wantStatus)
	}
	if ae.RequestID == "" {
		t.Error("RequestID is empty")
	}
	// The fake platforms send the catalog's text as the message.
	if ae.Message != info.Message {
		t.Errorf("Message = %q, want the catalog's %q", ae.Message, info.Message)
	}
	if s := err.Error(); !strings.Contains(s, info.Message) || !strings.Contains(s, info.Description) {
		t.Errorf("Error() = %q, want the catalog text %q (%s)", s, info.Message, info.Description)
	}
	if got := ae.Code.Category(); got != info.Category {
		t.Errorf("Category = %s, want %s", got, info.Category)
	}
	predicates := map[apierrors.Category]func(error) bool{
		apierrors.CategoryAuth: apierrors.IsAuth, apierrors.CategoryThrottle: apierrors.IsThrottle,
		apierrors.CategoryClient: apierrors.IsClient, apierrors.CategoryServer: apierrors.IsServer,
	}
	for cat, is := range predicates {
		if got := is(err); got != (cat == info.Category) {
			t.Errorf("Is%s(err) = %v for a %s code", cat, got, info.Category)
		}
	}
	retryable := false
	switch specAction(info.Code) {
	case apierrors.ActionRetry, apierrors.ActionRetryIdempotent, apierrors.ActionRetryThrottle:
		retryable = true
	}
	if got := apierrors.IsRetryable(err); got != retryable {
		t.Errorf("IsRetryable(err) = %v, want %v", got, retryable)
	}
	return ae
}

// checkRetried: a GET answered the code forever is sent 3 times, sleeping
// the schedule between attempts, and fails with the code.
func checkRetried(t *testing.T, fl flavour, info apierrors.Info, sleeps ...time.Duration) {
	f := fl.start(t)
	path := codePath(info.Code)
	f.On("GET", path, mock.Code(info.Code))
	c := f.client(t)
	err := c.Do(deadline(t, time.Minute), "GET", path, nil, nil)
	checkCodeError(t, err, info, "GET", 3)
	f.AssertCalls(t, "GET", path, 3)
	f.AssertLogins(t, 1)
	wantSleeps(t, c, sleeps...)
	wantBudget(t, c, 500-2*5) // two retries at 5 tokens each
}

// checkRetriedWhenIdempotent: a GET is retried to 3 attempts, a POST is
// sent once.
func checkRetriedWhenIdempotent(t *testing.T, fl flavour, info apierrors.Info) {
	checkRetried(t, fl, info, 100*ms, 200*ms)

	f := fl.start(t)
	path := codePath(info.Code)
	f.On("POST", path, mock.Code(info.Code))
	c := f.client(t)
	err := c.Do(deadline(t, time.Minute), "POST", path, map[string]string{"Name": "lamp"}, nil)
	checkCodeError(t, err, info, "POST", 1)
	f.AssertCalls(t, "POST", path, 1)
	f.AssertLogins(t, 1)
	wantSleeps(t, c)
}

// checkRelogin: a route answering the code forever gets 2 requests around
// exactly one relogin, then the error (no loop); answered once, the call
// succeeds after exactly one relogin.
func checkRelogin(t *testing.T, fl flavour, info apierrors.Info) {
	path := codePath(info.Code)
	t.Run("forever", func(t *testing.T) {
		f := fl.start(t)
		f.On("GET", path, mock.Code(info.Code))
		c := f.client(t)
		err := c.Do(deadline(t, time.Minute), "GET", path, nil, nil)
		checkCodeError(t, err, info, "GET", 2)
		f.AssertCalls(t, "GET", path, 2)
		f.AssertLogins(t, 2)
		if c.Stats().Logins != 2 {
			t.Errorf("client logins = %d, want 2", c.Stats().Logins)
		}
		wantSleeps(t, c)
	})
	t.Run("once", func(t *testing.T) {
		f := fl.start(t)
		f.On("GET", path, mock.Code(info.Code), mock.OK(map[string]string{"Status": "on"}))
		c := f.client(t)
		var out struct{ Status string }
		if err := c.Do(deadline(t, time.Minute), "GET", path, nil, &out); err != nil {
			t.Fatalf("err = %v, want success after one relogin", err)
		}
		if out.Status != "on" {
			t.Errorf("out = %+v", out)
		}
		f.AssertCalls(t, "GET", path, 2)
		f.AssertLogins(t, 2)
		wantSleeps(t, c)
	})
	if info.Code == apierrors.LoginTimeInvalid {
		t.Run("login-clock-20min-off", func(t *testing.T) { checkServerClockSkew(t, fl) })
	}
}

// checkServerClockSkew: with the platform's clock 20 minutes ahead, the
// first login is refused with 10006, the SDK reads the server's Date, signs
// again with the server's time and gets in: 2 login attempts, 1 login.
// The Server checks the timestamp itself; the Mock does not, so its login
// route is scripted to refuse once.
func checkServerClockSkew(t *testing.T, fl flavour) string {
	const skew = 20 * time.Minute
	f := fl.start(t, mock.WithClockSkew(skew))
	if f.srv == nil {
		f.OnLogin(mock.Code(apierrors.LoginTimeInvalid), mock.LoginOK())
	}
	f.On("GET", "/v1/devices", mock.OK(nil))
	c := f.client(t)
	if err := c.Do(deadline(t, time.Minute), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatalf("err = %v, want success after one corrected login", err)
	}
	if f.LoginAttempts() != 2 || f.Logins() != 1 {
		t.Errorf("login attempts %d, logins %d; want 2 and 1", f.LoginAttempts(), f.Logins())
	}
	logins := f.logins()
	if len(logins) != 2 {
		t.Fatalf("recorded logins = %v", logins)
	}
	if logins[0].Code != int(apierrors.LoginTimeInvalid) {
		t.Errorf("first login answered %d, want 10006", logins[0].Code)
	}
	var body struct{ Timestamp int64 }
	if err := json.Unmarshal(logins[1].Body, &body); err != nil {
		t.Fatalf("second login body: %v", err)
	}
	off := time.Unix(body.Timestamp, 0).Sub(time.Now().Add(skew))
	if off < -time.Minute || off > time.Minute {
		t.Errorf("corrected login is signed %v away from the server's clock", off)
	}
	f.AssertCalls(t, "GET", "/v1/devices", 1)
	return fmt.Sprintf("ok; login attempts %d (first 10006), logins %d, corrected timestamp off by %v", f.LoginAttempts(), f.Logins(), off.Round(time.Second))
}

// checkLoginCooldown: 10004 is a login-endpoint code: on a call's route it
// fails at once; on the login route the call waits the cool-down (one
// fake-clock sleep) and then logs in.
func checkLoginCooldown(t *testing.T, fl flavour, info apierrors.Info) {
	path := codePath(info.Code)
	t.Run("route", func(t *testing.T) {
		f := fl.start(t)
		f.On("GET", path, mock.Code(info.Code))
		c := f.client(t)
		err := c.Do(deadline(t, time.Minute), "GET", path, nil, nil)
		checkCodeError(t, err, info, "GET", 1)
		f.AssertCalls(t, "GET", path, 1)
		f.AssertLogins(t, 1)
		wantSleeps(t, c)
	})
	t.Run("login", func(t *testing.T) {
		f := fl.start(t)
		f.OnLogin(mock.Code(info.Code), mock.LoginOK())
		f.On("GET", path, mock.OK(nil))
		c := f.client(t)
		if err := c.Do(deadline(t, time.Minute), "GET", path, nil, nil); err != nil {
			t.Fatalf("err = %v, want success after the cool-down", err)
		}
		if f.LoginAttempts() != 2 || f.Logins() != 1 {
			t.Errorf("login attempts %d, logins %d; want 2 and 1", f.LoginAttempts(), f.Logins())
		}
		f.AssertCalls(t, "GET", path, 1)
		wantSleeps(t, c, retry.LoginCooldownBackoff().Initial)
	})
}

// checkFailsAtOnce: one request, the typed error, no sleep.
func checkFailsAtOnce(t *testing.T, fl flavour, info apierrors.Info) {
	f := fl.start(t)
	path := codePath(info.Code)
	f.On("GET", path, mock.Code(info.Code))
	c := f.client(t)
	err := c.Do(deadline(t, time.Minute), "GET", path, nil, nil)
	checkCodeError(t, err, info, "GET", 1)
	f.AssertCalls(t, "GET", path, 1)
	f.AssertLogins(t, 1)
	wantSleeps(t, c)
}

// faultRow is one row of the fault matrix: it runs the fault through one
// flavour and returns the outcome it saw.
type faultRow struct {
	name string
	run  func(t *testing.T, fl flavour) string
}

// rowDeadline bounds every call of the fault matrix: nothing may hang. It
// is a guard, not a measure: no row depends on it passing or not.
const rowDeadline = time.Minute

// TestFaultMatrix runs every transport and wire fault through both
// flavours and asserts the outcome: error type, code or sentinel, exact
// request counts and sleeps. The Mock's rows run in a synctest bubble, so
// where time is the point (a per-attempt timeout) the elapsed time is exact;
// the Server's, on a real socket, are checked on outcomes and counts only.
// Run it with -v to see the matrix.
func TestFaultMatrix(t *testing.T) {
	var m matrix
	t.Cleanup(func() { t.Logf("fault matrix (row, flavour → outcome):%s", m.String()) })
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			for _, fl := range flavours() {
				t.Run(fl.name, func(t *testing.T) {
					outcome := "stopped early"
					defer func() { // also after t.Fatal
						if t.Failed() {
							outcome = "FAIL " + outcome
						}
						m.record(row.name, fl.name, outcome)
					}()
					if fl.name != "mock" {
						outcome = row.run(t, fl)
						return
					}
					synctest.Test(t, func(t *testing.T) { outcome = row.run(t, fl) })
				})
			}
		})
	}
}

func faultRows() []faultRow {
	const path = "/v1/devices"
	return []faultRow{
		{"connection refused", func(t *testing.T, fl flavour) string {
			var c *sdk
			count := func(method string) int { return c.attempts.calls(method) }
			if fl.name == "server" {
				// Nothing listens there: the dial itself is refused. No
				// credentials, so the calls are the only requests.
				hc := loopbackHTTPClient(t)
				c = newSDK(t, func(o ...client.Option) (*client.Client, error) {
					return client.New(mock.RefusedURL(), append([]client.Option{client.WithHTTPClient(hc)}, o...)...)
				})
			} else {
				f := fl.start(t)
				f.On("GET", path, mock.ConnectionRefused())
				f.On("POST", path, mock.ConnectionRefused())
				c = f.client(t)
				count = func(method string) int { return f.Count(method, path) }
			}
			for _, method := range []string{"GET", "POST"} {
				var in any
				if method == "POST" {
					in = map[string]int{"N": 1}
				}
				err := c.Do(deadline(t, rowDeadline), method, path, in, nil)
				te := wantTransportError(t, err)
				if te.Attempts != 3 || count(method) != 3 {
					t.Errorf("%s: Attempts %d, requests %d; want 3 and 3 (never sent, so retried)", method, te.Attempts, count(method))
				}
				var op *net.OpError
				if !stderrors.As(err, &op) || op.Op != "dial" {
					t.Errorf("%s: err = %v, want a dial *net.OpError", method, err)
				}
			}
			wantSleeps(t, c, 100*ms, 200*ms, 100*ms, 200*ms)
			wantBudget(t, c, 500-4*5)
			return fmt.Sprintf("TransportError (dial); GET %d, POST %d attempts; sleeps %v", count("GET"), count("POST"), c.clock.Sleeps()[:2])
		}},

		{"reset before response", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.ResetBeforeResponse())
			f.On("POST", path, mock.ResetBeforeResponse())
			f.On("POST", "/v1/commands", mock.ResetBeforeResponse())
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if te := wantTransportError(t, err); te.Attempts != 3 {
				t.Errorf("GET Attempts = %d, want 3", te.Attempts)
			}
			if stderrors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a reset is not a timeout: %v", err)
			}
			f.AssertCalls(t, "GET", path, 3)

			// A POST with the caller's idempotency key is retried, every
			// attempt with the same key and body. One with only the SDK's
			// own key is sent once: the platform may have acted on it, and
			// nobody said it honours the key.
			body := map[string]string{"Name": "lamp-1"}
			wantBody, _ := json.Marshal(body)
			err = c.Do(deadline(t, rowDeadline), "POST", path, body, nil, client.IdempotencyKey("e2e-key-1"))
			if te := wantTransportError(t, err); te.Attempts != 3 {
				t.Errorf("POST Attempts = %d, want 3", te.Attempts)
			}
			err = c.Do(deadline(t, rowDeadline), "POST", "/v1/commands", body, nil)
			if te := wantTransportError(t, err); te.Attempts != 1 {
				t.Errorf("POST with the SDK's key: Attempts = %d, want 1", te.Attempts)
			}
			for p, n := range map[string]int{path: 3, "/v1/commands": 1} {
				reqs := f.requestsTo("POST", p)
				if len(reqs) != n {
					t.Fatalf("POST %s: %d requests, want %d", p, len(reqs), n)
				}
				for i, r := range reqs {
					if r.IdempotencyKey == "" || r.IdempotencyKey != reqs[0].IdempotencyKey || r.Attempt != i+1 {
						t.Errorf("POST %s attempt %d: key %q (first %q), Attempt %d", p, i+1, r.IdempotencyKey, reqs[0].IdempotencyKey, r.Attempt)
					}
					if !bytes.Equal(r.Body, wantBody) {
						t.Errorf("POST %s attempt %d body = %q, want %q", p, i+1, r.Body, wantBody)
					}
				}
			}
			if k := f.requestsTo("POST", path)[0].IdempotencyKey; k != "e2e-key-1" {
				t.Errorf("caller's key = %q, want e2e-key-1", k)
			}
			wantSleeps(t, c, 100*ms, 200*ms, 100*ms, 200*ms)
			return "TransportError; GET 3 requests; POST with the caller's key 3 (same key and body), with the SDK's key 1"
		}},

		{"reset mid-body", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.ResetMidBody())
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if te := wantTransportError(t, err); te.Attempts != 3 {
				t.Errorf("Attempts = %d, want 3", te.Attempts)
			}
			f.AssertCalls(t, "GET", path, 3)
			wantSleeps(t, c, 100*ms, 200*ms)
			return "TransportError; GET 3 requests"
		}},

		{"client timeout", func(t *testing.T, fl flavour) string {
			const perAttempt = 50 * ms
			f := fl.start(t)
			f.On("GET", path, mock.SlowHeaders(time.Hour))
			c := f.client(t, client.WithTimeout(perAttempt))
			warm(t, c)
			start := time.Now()
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			elapsed := time.Since(start)
			if te := wantTransportError(t, err); te.Attempts != 3 {
				t.Errorf("Attempts = %d, want 3", te.Attempts)
			}
			if !stderrors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want one that Is context.DeadlineExceeded", err)
			}
			if got := c.attempts.calls("GET"); got != 3 {
				t.Errorf("the hook saw %d attempts, want 3", got)
			}
			wantSleeps(t, c, 100*ms, 200*ms)
			wantBudget(t, c, 500-2*10) // a retry after a timeout costs 10
			if f.srv != nil {
				// On a loaded machine an attempt may time out before its
				// request is read: the platform sees at most 3.
				if n := f.Count("GET", path); n > 3 {
					t.Errorf("the platform saw %d requests, want at most 3", n)
				}
				return "TransportError Is DeadlineExceeded; 3 attempts"
			}
			f.AssertCalls(t, "GET", path, 3)
			if elapsed != 3*perAttempt { // the bubble's clock: the sleeps are the fake clock's
				t.Errorf("elapsed %v, want exactly 3 × %v", elapsed, perAttempt)
			}
			return fmt.Sprintf("TransportError Is DeadlineExceeded; 3 attempts in %v", elapsed)
		}},

		{"truncated JSON on 200", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.TruncatedJSON())
			f.On("POST", path, mock.TruncatedJSON())
			c := f.client(t)
			var out map[string]any
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, &out)
			if de := wantDecodeError(t, err); de.Attempts != 3 || de.HTTPStatus != 200 || de.Snippet == "" {
				t.Errorf("GET: Attempts %d, HTTPStatus %d, Snippet %q; want 3, 200, the body's start", de.Attempts, de.HTTPStatus, de.Snippet)
			}
			if out != nil {
				t.Errorf("out = %v, want untouched", out)
			}
			f.AssertCalls(t, "GET", path, 3)
			err = c.Do(deadline(t, rowDeadline), "POST", path, map[string]int{"N": 1}, &out)
			if de := wantDecodeError(t, err); de.Attempts != 1 {
				t.Errorf("POST: Attempts %d, want 1", de.Attempts)
			}
			f.AssertCalls(t, "POST", path, 1)
			wantSleeps(t, c, 100*ms, 200*ms)
			return "DecodeError; GET 3 requests (Attempts 3); POST 1 request"
		}},

		{"HTML 502 from a gateway", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.HTML(502, ""))
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			ae := wantAPIError(t, err, apierrors.BadGateway)
			if ae.Attempts != 3 || ae.HTTPStatus != 502 {
				t.Errorf("Attempts %d, HTTPStatus %d; want 3, 502", ae.Attempts, ae.HTTPStatus)
			}
			if len(ae.Body) == 0 || len(ae.Body) > 256 || !strings.Contains(ae.Body, "502") && !strings.Contains(ae.Body, "Bad Gateway") {
				t.Errorf("Body = %q (%d bytes), want a snippet ≤ 256 bytes naming 502", ae.Body, len(ae.Body))
			}
			f.AssertCalls(t, "GET", path, 3)
			wantSleeps(t, c, 100*ms, 200*ms)
			return fmt.Sprintf("APIError 502, Body %d bytes; GET 3 requests", len(ae.Body))
		}},

		{"200 with Error", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Code(apierrors.SendMessageTimeout))
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			ae := wantAPIError(t, err, apierrors.SendMessageTimeout)
			if ae.HTTPStatus != 200 || ae.Attempts != 3 {
				t.Errorf("HTTPStatus %d, Attempts %d; want 200, 3", ae.HTTPStatus, ae.Attempts)
			}
			f.AssertCalls(t, "GET", path, 3)
			// Each attempt is visible to the app, with its code and delay.
			var seen []string
			for _, a := range c.attempts.snapshot() {
				if !a.Login {
					seen = append(seen, fmt.Sprintf("#%d %d %s %v", a.Attempt, a.Code, a.Action, a.Delay))
				}
			}
			want := []string{"#1 20005 retry 100ms", "#2 20005 retry 200ms", "#3 20005 fail 0s"}
			if !slices.Equal(seen, want) {
				t.Errorf("attempt hook saw %q, want %q", seen, want)
			}
			return "APIError 20005, HTTPStatus 200; GET 3 requests; hook saw 3 attempts with code and delay"
		}},

		{"body over the size cap", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Oversized(4096))
			c := f.client(t, client.WithMaxResponseBytes(1024))
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if te := wantTransportError(t, err); te.Attempts != 1 {
				t.Errorf("Attempts = %d, want 1", te.Attempts)
			}
			if !stderrors.Is(err, client.ErrResponseTooLarge) {
				t.Errorf("err = %v, want one that Is client.ErrResponseTooLarge", err)
			}
			f.AssertCalls(t, "GET", path, 1)
			wantSleeps(t, c)
			return "TransportError Is ErrResponseTooLarge; 1 request"
		}},

		{"slow body past the deadline", func(t *testing.T, fl flavour) string {
			// The body would take an hour; the deadline passes once the
			// request is at the platform, whatever the machine's speed.
			arrived := mock.NewGate()
			arrived.Open()
			f := fl.start(t)
			f.On("GET", path, mock.SlowBody(time.Hour).WithGate(arrived))
			c := f.client(t)
			warm(t, c)
			ctx := newCueDeadline(c.clock.Now().Add(time.Hour))
			go func() { <-arrived.Arrived(); ctx.pass() }()
			err := c.Do(ctx, "GET", path, nil, nil)
			if !stderrors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want one that Is context.DeadlineExceeded", err)
			}
			if te := wantTransportError(t, err); te.Attempts != 1 {
				t.Errorf("Attempts = %d, want 1", te.Attempts)
			}
			f.AssertCalls(t, "GET", path, 1)
			wantSleeps(t, c)
			return "TransportError Is DeadlineExceeded; 1 request; returned at the deadline, not after the body"
		}},

		{"Retry-After beyond the cap", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Code(503).WithRetryAfter(60*time.Second))
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			ae := wantAPIError(t, err, apierrors.ServiceUnavailable)
			if ae.RetryAfter != 60*time.Second || ae.Attempts != 1 {
				t.Errorf("RetryAfter %v, Attempts %d; want 60s, 1", ae.RetryAfter, ae.Attempts)
			}
			if !stderrors.Is(err, retry.ErrRetryAfterTooLong) {
				t.Errorf("err = %v, want one that Is retry.ErrRetryAfterTooLong", err)
			}
			f.AssertCalls(t, "GET", path, 1)
			wantSleeps(t, c)
			return "APIError 503, RetryAfter 60s, Is ErrRetryAfterTooLong; 1 request"
		}},

		{"session expiring mid-run", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			if f.srv != nil {
				f.On("GET", path, mock.OK(nil))
			} else {
				// The Mock keeps no sessions: its 11th answer plays the
				// expiry the Server's ExpireSessions causes.
				f.On("GET", path, mock.OK(nil).Times(10), mock.Code(apierrors.LoginTimeout), mock.OK(nil))
			}
			c := f.client(t)
			ok := 0
			for i := 1; i <= 20; i++ {
				if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil); err != nil {
					t.Errorf("call %d: %v", i, err)
				} else {
					ok++
				}
				if i == 10 && f.srv != nil {
					f.srv.ExpireSessions()
				}
			}
			f.AssertLogins(t, 2)
			f.AssertCalls(t, "GET", path, 21)
			wantSleeps(t, c)
			return fmt.Sprintf("%d/20 calls ok; 21 requests (one 10002); logins %d (1 extra)", ok, f.Logins())
		}},

		{"server clock 20 min off", checkServerClockSkew},

		{"backoff past the deadline", func(t *testing.T, fl flavour) string {
			// The point is that the SDK does not start a sleep that would
			// end after the caller's deadline. The fake clock runs an hour
			// ahead of the real one and the deadline is on its time line:
			// 100 ms + 200 ms of backoff would pass it, 100 ms does not,
			// and it never passes for real while the test runs.
			f := fl.start(t)
			f.On("GET", path, mock.Code(apierrors.SendMessageTimeout))
			c := f.client(t)
			c.clock.Advance(time.Hour)
			warm(t, c)
			ctx, cancel := context.WithDeadline(context.Background(), c.clock.Now().Add(250*ms))
			defer cancel()
			err := c.Do(ctx, "GET", path, nil, nil)
			ae := wantAPIError(t, err, apierrors.SendMessageTimeout)
			if ae.Attempts != 2 || !stderrors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Attempts %d, err %v; want 2 and a cause that Is DeadlineExceeded", ae.Attempts, err)
			}
			wantSleeps(t, c, 100*ms)
			f.AssertCalls(t, "GET", path, 2)
			return "APIError 20005 Is DeadlineExceeded; 2 requests; slept 100ms, the 200ms sleep skipped"
		}},

		{"retry budget exhausted", func(t *testing.T, fl flavour) string {
			p := retry.DefaultPolicy()
			p.Budget = retry.BudgetConfig{Capacity: 10, RetryCost: 5, TimeoutCost: 10, SuccessRefund: 1}
			f := fl.start(t)
			f.On("GET", path, mock.Code(apierrors.SendMessageTimeout))
			c := f.client(t, client.WithPolicy(p))
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if ae := wantAPIError(t, err, apierrors.SendMessageTimeout); ae.Attempts != 3 || stderrors.Is(err, retry.ErrBudgetExhausted) {
				t.Errorf("first call: Attempts %d, err %v; want 3 attempts within the budget", ae.Attempts, err)
			}
			err = c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if ae := wantAPIError(t, err, apierrors.SendMessageTimeout); ae.Attempts != 1 {
				t.Errorf("second call: Attempts %d, want 1", ae.Attempts)
			}
			if !stderrors.Is(err, retry.ErrBudgetExhausted) {
				t.Errorf("second call: err = %v, want one that Is retry.ErrBudgetExhausted", err)
			}
			f.AssertCalls(t, "GET", path, 4)
			if c.Stats().RetryTokens != 0 {
				t.Errorf("budget left = %d, want 0", c.Stats().RetryTokens)
			}
			wantSleeps(t, c, 100*ms, 200*ms)
			return "APIError 20005 Is ErrBudgetExhausted; 3 + 1 requests (10-token budget)"
		}},

		{"Retry-After within the cap", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Code(503).WithRetryAfter(2*time.Second), mock.OK(nil))
			c := f.client(t)
			if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil); err != nil {
				t.Fatalf("err = %v, want success after the server's delay", err)
			}
			f.AssertCalls(t, "GET", path, 2)
			wantSleeps(t, c, 2*time.Second)
			return "ok; 2 requests; slept the server's 2s"
		}},

		{"reset on the login route", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.OnLogin(mock.ResetBeforeResponse(), mock.LoginOK())
			f.On("GET", path, mock.OK(nil))
			c := f.client(t)
			if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil); err != nil {
				t.Fatalf("err = %v, want success after a retried login", err)
			}
			if f.LoginAttempts() != 2 || f.Logins() != 1 {
				t.Errorf("login attempts %d, logins %d; want 2 and 1", f.LoginAttempts(), f.Logins())
			}
			f.AssertCalls(t, "GET", path, 1)
			wantSleeps(t, c, time.Second) // the login cool-down, waited out by the call
			return "ok; login attempts 2 (1 s cool-down between), logins 1; 1 request"
		}},

		{"login refused (wrong secret)", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.OK(nil))
			c := f.client(t, client.WithCredentials(mock.DefaultAppID, "not-the-secret"))
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			var le *client.LoginFailedError
			if !stderrors.As(err, &le) || !stderrors.Is(err, apierrors.LoginSigInvalid) {
				t.Errorf("first call: err = %T %v, want a *client.LoginFailedError that Is 10005", err, err)
			}
			err = c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			var lc *client.LoginCooldownError
			if !stderrors.As(err, &lc) || !stderrors.Is(err, apierrors.LoginSigInvalid) {
				t.Errorf("second call: err = %T %v, want a *client.LoginCooldownError that Is 10005", err, err)
			}
			if f.LoginAttempts() != 1 || f.Logins() != 0 {
				t.Errorf("login attempts %d, logins %d; want 1 and 0", f.LoginAttempts(), f.Logins())
			}
			f.AssertCalls(t, "GET", path, 0)
			wantSleeps(t, c)
			return "LoginError Is 10005, then LoginCooldownError; 1 login attempt, 0 requests"
		}},

		{"login endpoint throttled", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.OnLogin(mock.Code(apierrors.LoginTooFrequent))
			f.On("GET", path, mock.OK(nil))
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			var le *client.LoginFailedError
			if !stderrors.As(err, &le) || !stderrors.Is(err, apierrors.LoginTooFrequent) {
				t.Errorf("err = %T %v, want a *client.LoginFailedError that Is 10004", err, err)
			}
			if f.LoginAttempts() != 3 || f.Logins() != 0 {
				t.Errorf("login attempts %d, logins %d; want 3 and 0", f.LoginAttempts(), f.Logins())
			}
			f.AssertCalls(t, "GET", path, 0)
			wantSleeps(t, c, time.Second, 2*time.Second)
			return "LoginError Is 10004; 3 login attempts spaced 1s, 2s; 0 requests"
		}},

		{"HTTP 429 outside the catalog", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Status(http.StatusTooManyRequests))
			c := f.client(t)
			err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
			if ae := wantAPIError(t, err, apierrors.Code(429)); ae.Attempts != 3 || !apierrors.IsThrottle(err) {
				t.Errorf("Attempts %d, IsThrottle %v; want 3, true", ae.Attempts, apierrors.IsThrottle(err))
			}
			f.AssertCalls(t, "GET", path, 3)
			wantSleeps(t, c, time.Second, 2*time.Second)
			return "APIError 429 (IsThrottle); 3 requests on the throttle schedule 1s, 2s"
		}},

		{"flat envelope, code as string", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.Code(apierrors.SendMessageTimeout).CodeAsString().Flat(), mock.OK(map[string]int{"Total": 2}).Flat())
			c := f.client(t)
			var out struct{ Total int }
			if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, &out); err != nil || out.Total != 2 {
				t.Fatalf("out %+v, err %v; want Total 2 after one retry", out, err)
			}
			f.AssertCalls(t, "GET", path, 2)
			wantSleeps(t, c, 100*ms)
			return `ok after {"Error":{"Code":"20005"}} was retried; 2 requests`
		}},

		{"relogin replays a POST", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("POST", path, mock.Code(apierrors.NotLoggedIn), mock.OK(map[string]string{"Id": "d1"}))
			c := f.client(t)
			body := map[string]string{"Name": "lamp-2"}
			wantBody, _ := json.Marshal(body)
			var out struct{ Id string }
			if err := c.Do(deadline(t, rowDeadline), "POST", path, body, &out); err != nil || out.Id != "d1" {
				t.Fatalf("out %+v, err %v; want success after one relogin", out, err)
			}
			reqs := f.requestsTo("POST", path)
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if reqs[0].IdempotencyKey == "" || reqs[1].IdempotencyKey != reqs[0].IdempotencyKey {
				t.Errorf("keys %q, %q; want the same key on the replay", reqs[0].IdempotencyKey, reqs[1].IdempotencyKey)
			}
			if !bytes.Equal(reqs[0].Body, wantBody) || !bytes.Equal(reqs[1].Body, wantBody) {
				t.Errorf("bodies %q, %q; want %q twice", reqs[0].Body, reqs[1].Body, wantBody)
			}
			if reqs[0].Token == "" || reqs[1].Token == reqs[0].Token {
				t.Errorf("tokens %q, %q; want the replay to carry the new session", reqs[0].Token, reqs[1].Token)
			}
			f.AssertLogins(t, 2)
			wantSleeps(t, c)
			return "ok; 2 requests, same key and body, new token on the replay; logins 2"
		}},

		{"session refreshed ahead of expiry", func(t *testing.T, fl flavour) string {
			f := fl.start(t, mock.WithSessionTTL(2*time.Minute))
			f.On("GET", path, mock.OK(nil))
			store := newSignalStore()
			c := f.client(t, client.WithSessionStore(store))
			call := func() {
				t.Helper()
				if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			call()
			// The refresh margin is 60 s less this client's jitter
			// (WithRandom(half): a quarter): 45 s before expiry.
			c.clock.Advance(74 * time.Second) // 46 s left: no refresh
			call()
			f.AssertLogins(t, 1)
			c.clock.Advance(2 * time.Second) // 44 s left: due
			call()                           // sent at once with the still-valid session; the refresh runs in the background
			// The platform counts the login before the client has stored
			// its session: wait for the client's second generation.
			for gen := range store.stored {
				if gen == 2 {
					break
				}
			}
			f.AssertLogins(t, 2)
			call()
			reqs := f.requestsTo("GET", path)
			for _, r := range reqs {
				if r.Code != 0 {
					t.Errorf("%v: want no session failure, the SDK refreshes first", r)
				}
			}
			if len(reqs) == 4 && (reqs[2].Token != reqs[0].Token || reqs[3].Token == reqs[0].Token) {
				t.Errorf("tokens %q %q %q %q: want the old session until the refresh, then the new", reqs[0].Token, reqs[1].Token, reqs[2].Token, reqs[3].Token)
			}
			f.AssertCalls(t, "GET", path, 4)
			return "4 calls, 4 requests; logins 2 (refreshed in the background at 76s of a 120s session, no call waited, no 10002)"
		}},

		{"waiter leaving the shared login", func(t *testing.T, fl flavour) string {
			// A leads the login, which the platform holds at a gate; A's
			// deadline passes meanwhile and A returns while the login is
			// still held; B then gets the session of that same login.
			gate := mock.NewGate()
			f := fl.start(t)
			f.OnLogin(mock.LoginOK().WithGate(gate))
			f.On("GET", path, mock.OK(nil))
			c := f.client(t)
			ctxA := newCueDeadline(c.clock.Now().Add(time.Hour))
			doneA := make(chan error, 1)
			go func() { doneA <- c.Do(ctxA, "GET", path, nil, nil) }()
			<-gate.Arrived()
			ctxA.pass()
			errA := <-doneA // the gate is still shut: A did not wait for the login
			doneB := make(chan error, 1)
			go func() { doneB <- c.Do(deadline(t, rowDeadline), "GET", path, nil, nil) }()
			gate.Open()
			errB := <-doneB
			var te *apierrors.TransportError
			if !stderrors.Is(errA, context.DeadlineExceeded) || !stderrors.As(errA, &te) || te.Path != path {
				t.Errorf("impatient caller: err %T %v; want a TransportError that Is DeadlineExceeded before the login ends", errA, errA)
			}
			if errB != nil {
				t.Errorf("patient caller: %v, want success on the login the other started", errB)
			}
			if f.LoginAttempts() != 1 || f.Logins() != 1 || c.Stats().Logins != 1 {
				t.Errorf("login attempts %d, logins %d, client logins %d; want 1, 1, 1", f.LoginAttempts(), f.Logins(), c.Stats().Logins)
			}
			f.AssertCalls(t, "GET", path, 1)
			return "impatient caller DeadlineExceeded while the login was held; the other succeeds on the same login; 1 login"
		}},

		{"no secrets in errors", func(t *testing.T, fl flavour) string {
			f := fl.start(t)
			f.On("GET", path, mock.ResetBeforeResponse())
			f.On("GET", "/v1/users", mock.Code(apierrors.InsufficientPermission))
			c := f.client(t)
			sess, err := c.Session(deadline(t, rowDeadline))
			if err != nil {
				t.Fatal(err)
			}
			q := client.Query(map[string][]string{"password": {"hunter2-in-query"}})
			secrets := []string{"hunter2-in-query", sess.Token, sess.CSRFToken, mock.DefaultSecret}
			for _, p := range []string{path, "/v1/users"} {
				err := c.Do(deadline(t, rowDeadline), "GET", p+"?password=hunter2-in-path", nil, nil, q)
				if err == nil {
					t.Fatalf("GET %s succeeded", p)
				}
				for _, s := range append(secrets, "hunter2-in-path") {
					if strings.Contains(err.Error(), s) {
						t.Errorf("GET %s: error shows %q: %v", p, s, err)
					}
				}
				if !strings.Contains(err.Error(), p) {
					t.Errorf("GET %s: error does not name the path: %v", p, err)
				}
			}
			return "TransportError and APIError name the path, never the query, token, CSRF token or secret"
		}},
	}
}

// TestParallelMocksAreIsolated runs two Mocks on the same base URL and
// route, scripted differently, in parallel subtests whose calls interleave:
// each sees only its own requests, and http.DefaultTransport is untouched.
func TestParallelMocksAreIsolated(t *testing.T) {
	before := http.DefaultTransport
	if _, ok := before.(*http.Transport); !ok {
		t.Fatalf("http.DefaultTransport is %T before the test", before)
	}
	const path = "/v1/devices"
	start := newBarrier(2)
	t.Run("group", func(t *testing.T) {
		t.Run("answers-ok", func(t *testing.T) {
			t.Parallel()
			m := mock.New(t)
			m.On("GET", path, mock.OK(map[string]string{"Who": "ok"}))
			c := (&fake{platform: m, newClient: m.NewClient}).client(t)
			start.wait()
			for range 50 {
				var out struct{ Who string }
				if err := c.Do(deadline(t, rowDeadline), "GET", path, nil, &out); err != nil || out.Who != "ok" {
					t.Fatalf("out %+v, err %v", out, err)
				}
			}
			m.AssertCalls(t, "GET", path, 50)
			m.AssertLogins(t, 1)
			for _, r := range m.Requests() {
				if !r.Login && r.Reply != mock.KindOK {
					t.Errorf("%v: answered by the other Mock's script", r)
				}
			}
		})
		t.Run("answers-20005", func(t *testing.T) {
			t.Parallel()
			m := mock.New(t)
			m.On("GET", path, mock.Code(apierrors.SendMessageTimeout))
			c := (&fake{platform: m, newClient: m.NewClient}).client(t)
			start.wait()
			for range 10 {
				err := c.Do(deadline(t, rowDeadline), "GET", path, nil, nil)
				wantAPIError(t, err, apierrors.SendMessageTimeout)
			}
			m.AssertCalls(t, "GET", path, 30)
			m.AssertLogins(t, 1)
			for _, r := range m.Requests() {
				if !r.Login && r.Code != int(apierrors.SendMessageTimeout) {
					t.Errorf("%v: answered by the other Mock's script", r)
				}
			}
		})
	})
	if http.DefaultTransport != before {
		t.Errorf("http.DefaultTransport was replaced: %T %p, was %p", http.DefaultTransport, http.DefaultTransport, before)
	}
	if _, ok := http.DefaultTransport.(*http.Transport); !ok {
		t.Errorf("http.DefaultTransport is %T after the test, want *http.Transport", http.DefaultTransport)
	}
}

// TestSessionStormCollapsesIntoOneLogin ends the session under 200
// goroutines sharing one client: each may see 10001, and the client logs in
// exactly once for all of them; every call succeeds.
func TestSessionStormCollapsesIntoOneLogin(t *testing.T) {
	const callers = 200
	f := startServer(t)
	const path = "/v1/devices"
	f.On("GET", path, mock.OK(map[string]string{"Status": "on"}))
	c := f.client(t)
	warm(t, c)
	f.AssertLogins(t, 1)

	f.srv.InvalidateSessions()
	ctx := deadline(t, time.Minute)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			var out struct{ Status string }
			if err := c.Do(ctx, "GET", path, nil, &out); err != nil {
				t.Errorf("call: %v", err)
				return
			}
			if out.Status == "on" {
				ok.Add(1)
			}
		})
	}
	wg.Wait()

	if ok.Load() != callers {
		t.Errorf("%d/%d calls succeeded", ok.Load(), callers)
	}
	f.AssertLogins(t, 2) // the warm-up login and exactly one during the storm
	if c.Stats().Logins != 2 {
		t.Errorf("client logins = %d, want 2", c.Stats().Logins)
	}
	rejected := 0
	for _, r := range f.requestsTo("GET", path) {
		if r.Code == int(apierrors.NotLoggedIn) {
			rejected++
		}
	}
	if rejected < 1 || rejected > callers {
		t.Errorf("%d requests answered 10001, want 1…%d", rejected, callers)
	}
	f.AssertCalls(t, "GET", path, callers+rejected)
	wantSleeps(t, c)
	t.Logf("%d callers, %d saw 10001, %d requests, 1 login during the storm", callers, rejected, f.Count("GET", path))
}
