package retrying_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

func apiErr(code apierrors.Code) error {
	return &apierrors.APIError{Code: code, HTTPStatus: 200, Call: apierrors.Call{Method: "POST", Path: "/api/x"}}
}

func retryAfter(v string) http.Header { return http.Header{"Retry-After": {v}} }

// step is one failed attempt and the decision expected for it.
type step struct {
	a    retrying.Attempt
	want retrying.Decision
}

func retryIn(d time.Duration) retrying.Decision {
	return retrying.Decision{Action: apierrors.ActionRetry, Delay: d}
}

func throttleIn(d time.Duration) retrying.Decision {
	return retrying.Decision{Action: apierrors.ActionRetryThrottle, Delay: d}
}

var fail = retrying.Decision{Action: apierrors.ActionFail}

// runSteps feeds the steps to one Retryer in order, with rnd fixed at 0.5 so
// every delay is the schedule's interval.
func runSteps(t *testing.T, p *retry.Policy, steps []step) {
	t.Helper()
	r := retrying.New(p, constRand(0.5))
	for i, s := range steps {
		got := r.Decide(context.Background(), s.a, now)
		if got != s.want {
			t.Fatalf("step %d (attempt %d, %v): Decide = %+v, want %+v", i+1, s.a.Number, s.a.Err, got, s.want)
		}
	}
}

func TestDecideRetriesTransientCodesOnTheScheduleThenFails(t *testing.T) {
	for _, code := range []apierrors.Code{502, 503, 504, 20005, 20022, 20003, 20013} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			runSteps(t, retry.DefaultPolicy(), []step{
				{retrying.Attempt{Number: 1, Err: apiErr(code)}, retryIn(100 * ms)},
				{retrying.Attempt{Number: 2, Err: apiErr(code)}, retryIn(200 * ms)},
				{retrying.Attempt{Number: 3, Err: apiErr(code)}, fail},
			})
		})
	}
}

func TestDecideKeepsRetryThrottleOnTheSlowerSchedule(t *testing.T) {
	for _, code := range []apierrors.Code{30011, 429} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			runSteps(t, retry.DefaultPolicy(), []step{
				{retrying.Attempt{Number: 1, Err: apiErr(code)}, throttleIn(time.Second)},
				{retrying.Attempt{Number: 2, Err: apiErr(code)}, throttleIn(2 * time.Second)},
				{retrying.Attempt{Number: 3, Err: apiErr(code)}, fail},
			})
		})
	}
}

func TestDecideRetriesServerErrorOnlyForIdempotentCalls(t *testing.T) {
	tests := []struct {
		name  string
		code  apierrors.Code
		steps []step
	}{
		{"500 idempotent", 500, []step{
			{retrying.Attempt{Number: 1, Err: apiErr(500), Idempotent: true}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: apiErr(500), Idempotent: true}, retryIn(200 * ms)},
			{retrying.Attempt{Number: 3, Err: apiErr(500), Idempotent: true}, fail},
		}},
		{"500 not idempotent", 500, []step{
			{retrying.Attempt{Number: 1, Err: apiErr(500)}, fail},
		}},
		// The retry-idempotent action looks at Idempotent only; a key alone
		// does not make a 500 retryable (see the report on
		// errors.ActionRetryIdempotent's doc comment).
		{"500 not idempotent with idempotency key", 500, []step{
			{retrying.Attempt{Number: 1, Err: apiErr(500), IdempotencyKey: true}, fail},
		}},
		{"599 (outside the catalog) idempotent", 599, []step{
			{retrying.Attempt{Number: 1, Err: apiErr(599), Idempotent: true}, retryIn(100 * ms)},
		}},
		{"599 not idempotent", 599, []step{
			{retrying.Attempt{Number: 1, Err: apiErr(599)}, fail},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, retry.DefaultPolicy(), tt.steps) })
	}
}

func TestDecideHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"seconds replace the schedule's delay", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20005), Header: retryAfter("2")},
				retrying.Decision{Action: apierrors.ActionRetry, Delay: 2 * time.Second, RetryAfter: 2 * time.Second}},
			// The schedule advanced under the hint, so the next delay has grown.
			{retrying.Attempt{Number: 2, Err: apiErr(20005)}, retryIn(200 * ms)},
		}},
		{"HTTP date", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("Thu, 02 Jan 2025 03:04:10 GMT")},
				retrying.Decision{Action: apierrors.ActionRetry, Delay: 5 * time.Second, RetryAfter: 5 * time.Second}},
		}},
		{"HTTP date on the server's clock", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: http.Header{
				"Date":        {"Thu, 02 Jan 2025 02:04:05 GMT"}, // an hour behind ours
				"Retry-After": {"Thu, 02 Jan 2025 02:04:12 GMT"},
			}}, retrying.Decision{Action: apierrors.ActionRetry, Delay: 7 * time.Second, RetryAfter: 7 * time.Second}},
		}},
		{"a past HTTP date falls back to the backoff", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("Thu, 02 Jan 2025 03:00:00 GMT")}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: apiErr(503)}, retryIn(200 * ms)},
		}},
		{"zero means retry at once", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("0")},
				retrying.Decision{Action: apierrors.ActionRetry}},
		}},
		{"throttle code keeps its action", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(30011), Header: retryAfter("7")},
				retrying.Decision{Action: apierrors.ActionRetryThrottle, Delay: 7 * time.Second, RetryAfter: 7 * time.Second}},
			{retrying.Attempt{Number: 2, Err: apiErr(30011)}, throttleIn(2 * time.Second)},
		}},
		{"exactly the 30s cap is waited for", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("30")},
				retrying.Decision{Action: apierrors.ActionRetry, Delay: 30 * time.Second, RetryAfter: 30 * time.Second}},
		}},
		{"31s is beyond the cap", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("31")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: 31 * time.Second, Cause: retry.ErrRetryAfterTooLong}},
		}},
		{"an hour fails with the hint", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20005), Header: retryAfter("3600")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: time.Hour, Cause: retry.ErrRetryAfterTooLong}},
		}},
		{"fail code reports the hint", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20001), Header: retryAfter("2")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: 2 * time.Second}},
		}},
		{"fail code reports even a long hint without a cause", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20001), Header: retryAfter("3600")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: time.Hour}},
		}},
		{"500 on a non-idempotent call reports the hint", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(500), Header: retryAfter("2")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: 2 * time.Second}},
		}},
		{"last attempt reports the hint", []step{
			{retrying.Attempt{Number: 3, Err: apiErr(20005), Header: retryAfter("2")},
				retrying.Decision{Action: apierrors.ActionFail, RetryAfter: 2 * time.Second}},
		}},
		{"session code reports the hint", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(10004), Header: retryAfter("9")},
				retrying.Decision{Action: apierrors.ActionLoginCooldown, RetryAfter: 9 * time.Second}},
		}},
		{"malformed hint is ignored", []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20005), Header: retryAfter("soon")}, retryIn(100 * ms)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, retry.DefaultPolicy(), tt.steps) })
	}
}

func TestDecideUsesThePolicysRetryAfterCap(t *testing.T) {
	p := retry.DefaultPolicy()
	p.MaxRetryAfter = 2 * time.Minute
	runSteps(t, p, []step{
		{retrying.Attempt{Number: 1, Err: apiErr(503), Header: retryAfter("90")},
			retrying.Decision{Action: apierrors.ActionRetry, Delay: 90 * time.Second, RetryAfter: 90 * time.Second}},
		{retrying.Attempt{Number: 2, Err: apiErr(503), Header: retryAfter("121")},
			retrying.Decision{Action: apierrors.ActionFail, RetryAfter: 121 * time.Second, Cause: retry.ErrRetryAfterTooLong}},
	})
}

func TestDecideHandsSessionCodesToTheClient(t *testing.T) {
	tests := []struct {
		code apierrors.Code
		want apierrors.Action
	}{
		{10001, apierrors.ActionRelogin},
		{10002, apierrors.ActionRelogin},
		{10007, apierrors.ActionRelogin},
		{10006, apierrors.ActionReloginClockSkew},
		{10004, apierrors.ActionLoginCooldown},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			// Attempts do not limit a session action: the client bounds
			// relogins itself.
			for _, n := range []int{1, 3, 10} {
				runSteps(t, retry.DefaultPolicy(), []step{
					{retrying.Attempt{Number: n, Err: apiErr(tt.code)}, retrying.Decision{Action: tt.want}},
				})
			}
		})
	}
}

func TestDecideFailsAtOnceOnFailCodes(t *testing.T) {
	for _, code := range []apierrors.Code{10000, 10003, 10005, 20001, 20002, 400, 404, 418, 99999} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			runSteps(t, retry.DefaultPolicy(), []step{
				{retrying.Attempt{Number: 1, Err: apiErr(code), Idempotent: true, IdempotencyKey: true}, fail},
			})
		})
	}
}

func TestDecideFailsOnANonNumericCode(t *testing.T) {
	err := &apierrors.APIError{RawCode: "E_BUSY", HTTPStatus: 200}
	runSteps(t, retry.DefaultPolicy(), []step{
		{retrying.Attempt{Number: 1, Err: err, Idempotent: true}, fail},
	})
}

func TestDecideReadsTheCodeOfAnyErrorChain(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want retrying.Decision
	}{
		{"bare Code", apierrors.Code(20005), retryIn(100 * ms)},
		{"wrapped Code", fmt.Errorf("sending: %w", apierrors.Code(30011)), throttleIn(time.Second)},
		{"bare session Code", apierrors.Code(10001), retrying.Decision{Action: apierrors.ActionRelogin}},
		{"bare fail Code", apierrors.Code(20001), fail},
		{"wrapped APIError", fmt.Errorf("call: %w", apiErr(503)), retryIn(100 * ms)},
		{"APIError with a cause", &apierrors.APIError{Code: 20005, Err: io.EOF}, retryIn(100 * ms)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, retry.DefaultPolicy(), []step{{retrying.Attempt{Number: 1, Err: tt.err}, tt.want}})
		})
	}
}

func TestDecideRetriesDecodeErrorsOnlyWhenIdempotent(t *testing.T) {
	decodeErr := func() error {
		var v struct{}
		jerr := json.Unmarshal([]byte(`{"a":`), &v)
		return &apierrors.DecodeError{HTTPStatus: 200, Reason: "truncated JSON", BodyLen: 5, Err: jerr}
	}
	mismatch := func() error {
		var v struct{ N int }
		jerr := json.Unmarshal([]byte(`{"N":"x"}`), &v)
		return &apierrors.DecodeError{HTTPStatus: 200, Reason: "does not fit the result type", BodyLen: 9, Err: jerr}
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"idempotent", []step{
			{retrying.Attempt{Number: 1, Err: decodeErr(), Idempotent: true}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: decodeErr(), Idempotent: true}, retryIn(200 * ms)},
			{retrying.Attempt{Number: 3, Err: decodeErr(), Idempotent: true}, fail},
		}},
		{"not idempotent", []step{
			{retrying.Attempt{Number: 1, Err: decodeErr()}, fail},
		}},
		{"not idempotent with idempotency key", []step{
			{retrying.Attempt{Number: 1, Err: decodeErr(), IdempotencyKey: true}, fail},
		}},
		{"wrapped", []step{
			{retrying.Attempt{Number: 1, Err: fmt.Errorf("get: %w", decodeErr()), Idempotent: true}, retryIn(100 * ms)},
		}},
		{"a body that does not fit the result is permanent", []step{
			{retrying.Attempt{Number: 1, Err: mismatch(), Idempotent: true}, fail},
		}},
		{"a result that is not a pointer is permanent", []step{
			{retrying.Attempt{Number: 1, Err: &apierrors.DecodeError{HTTPStatus: 200, Err: &json.InvalidUnmarshalError{}}, Idempotent: true}, fail},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, retry.DefaultPolicy(), tt.steps) })
	}
}

func TestDecideOnTransportErrors(t *testing.T) {
	transport := func(err error) error {
		return &apierrors.TransportError{Err: inURL(err), Call: apierrors.Call{Method: "POST", Path: "/api/x"}}
	}
	dial := func() error { return transport(refusedOpError()) }
	reset := func() error { return transport(readOp(syscall.ECONNRESET)) }
	readTimeout := func() error { return transport(readOp(timeoutError{})) }
	dialTimeout := func() error { return transport(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}) }
	timedRetry := func(d time.Duration) retrying.Decision {
		return retrying.Decision{Action: apierrors.ActionRetry, Delay: d, Timeout: true}
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"dial refused retries a POST", []step{
			{retrying.Attempt{Number: 1, Err: dial()}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: dial()}, retryIn(200 * ms)},
			{retrying.Attempt{Number: 3, Err: dial()}, fail},
		}},
		{"dial timeout retries a POST, charged as a timeout", []step{
			{retrying.Attempt{Number: 1, Err: dialTimeout()}, timedRetry(100 * ms)},
		}},
		{"reset fails a POST without a key", []step{
			{retrying.Attempt{Number: 1, Err: reset()}, fail},
		}},
		{"reset retries a POST with an idempotency key", []step{
			{retrying.Attempt{Number: 1, Err: reset(), IdempotencyKey: true}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: reset(), IdempotencyKey: true}, retryIn(200 * ms)},
			{retrying.Attempt{Number: 3, Err: reset(), IdempotencyKey: true}, fail},
		}},
		{"reset retries an idempotent call", []step{
			{retrying.Attempt{Number: 1, Err: reset(), Idempotent: true}, retryIn(100 * ms)},
		}},
		{"read timeout retries an idempotent call, charged as a timeout", []step{
			{retrying.Attempt{Number: 1, Err: readTimeout(), Idempotent: true}, timedRetry(100 * ms)},
		}},
		{"read timeout fails a POST without a key", []step{
			{retrying.Attempt{Number: 1, Err: readTimeout()}, fail},
		}},
		{"x509 failure never retries", []step{
			{retrying.Attempt{Number: 1, Err: transport(x509.UnknownAuthorityError{}), Idempotent: true, IdempotencyKey: true}, fail},
		}},
		{"no such host never retries", []step{
			{retrying.Attempt{Number: 1, Err: transport(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{IsNotFound: true}}), Idempotent: true}, fail},
		}},
		{"transport error does not read Retry-After", []step{
			{retrying.Attempt{Number: 1, Err: dial(), Header: retryAfter("3600")}, retryIn(100 * ms)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, retry.DefaultPolicy(), tt.steps) })
	}
}

func TestDecideNeverRetriesOnceTheContextIsDone(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	attempts := []retrying.Attempt{
		{Number: 1, Err: apiErr(20005)},
		{Number: 1, Err: apiErr(30011), Header: retryAfter("1")},
		{Number: 1, Err: apiErr(10001)},
		{Number: 1, Err: &apierrors.TransportError{Err: refusedOpError()}, Idempotent: true},
		{Number: 1, Err: context.Canceled, Idempotent: true},
	}
	for _, ctx := range []context.Context{cancelled, expired} {
		for _, a := range attempts {
			got := retrying.New(retry.DefaultPolicy(), constRand(0.5)).Decide(ctx, a, now)
			want := retrying.Decision{Action: apierrors.ActionFail, Cause: ctx.Err()}
			if got != want {
				t.Errorf("ctx %v, err %v: Decide = %+v, want %+v", ctx.Err(), a.Err, got, want)
			}
		}
	}
	got := retrying.New(retry.DefaultPolicy(), nil).Decide(cancelled, attempts[0], now)
	if got.Cause != context.Canceled {
		t.Errorf("Cause = %v, want context.Canceled", got.Cause)
	}
}

func TestDecideFollowsPolicyOverrides(t *testing.T) {
	flat := retry.Backoff{Initial: 250 * ms, Multiplier: 1, Max: time.Second}
	tests := []struct {
		name  string
		p     *retry.Policy
		steps []step
	}{
		{"20001 retried 5 times", retry.DefaultPolicy().Set(20001, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 5}), []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20001)}, retryIn(100 * ms)},
			{retrying.Attempt{Number: 2, Err: apiErr(20001)}, retryIn(200 * ms)},
			{retrying.Attempt{Number: 3, Err: apiErr(20001)}, retryIn(400 * ms)},
			{retrying.Attempt{Number: 4, Err: apiErr(20001)}, retryIn(800 * ms)},
			{retrying.Attempt{Number: 5, Err: apiErr(20001)}, fail},
		}},
		{"20005 turned off", retry.DefaultPolicy().SetAction(20005, apierrors.ActionFail), []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20005)}, fail},
		}},
		{"rule with its own backoff", retry.DefaultPolicy().Set(503, retry.Rule{Action: apierrors.ActionRetry, Backoff: &flat}), []step{
			{retrying.Attempt{Number: 1, Err: apiErr(503)}, retryIn(250 * ms)},
			{retrying.Attempt{Number: 2, Err: apiErr(503)}, retryIn(250 * ms)},
		}},
		{"policy MaxAttempts 1 never retries", func() *retry.Policy { p := retry.DefaultPolicy(); p.MaxAttempts = 1; return p }(), []step{
			{retrying.Attempt{Number: 1, Err: apiErr(20005)}, fail},
			{retrying.Attempt{Number: 1, Err: &apierrors.TransportError{Err: refusedOpError()}}, fail},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.p, tt.steps) })
	}
}

func TestRetryerSharesAScheduleAcrossCodesWithTheSameBackoff(t *testing.T) {
	runSteps(t, retry.DefaultPolicy(), []step{
		{retrying.Attempt{Number: 1, Err: apiErr(20005)}, retryIn(100 * ms)},
		// A throttle code runs on its own schedule…
		{retrying.Attempt{Number: 2, Err: apiErr(30011)}, throttleIn(time.Second)},
		// …and the ordinary schedule continues where it was, whatever the
		// code or error kind.
		{retrying.Attempt{Number: 2, Err: apiErr(503)}, retryIn(200 * ms)},
		{retrying.Attempt{Number: 2, Err: &apierrors.TransportError{Err: refusedOpError()}}, retryIn(400 * ms)},
		{retrying.Attempt{Number: 2, Err: apiErr(30011)}, throttleIn(2 * time.Second)},
	})
}

func TestSeparateRetryersDoNotShareScheduleState(t *testing.T) {
	p := retry.DefaultPolicy()
	first, second := retrying.New(p, constRand(0.5)), retrying.New(p, constRand(0.5))
	a := func(n int) retrying.Attempt { return retrying.Attempt{Number: n, Err: apiErr(20005)} }
	if got := first.Decide(context.Background(), a(1), now); got != retryIn(100*ms) {
		t.Fatalf("first call, attempt 1: %+v", got)
	}
	if got := first.Decide(context.Background(), a(2), now); got != retryIn(200*ms) {
		t.Fatalf("first call, attempt 2: %+v", got)
	}
	if got := second.Decide(context.Background(), a(1), now); got != retryIn(100*ms) {
		t.Fatalf("second call, attempt 1 = %+v, want a fresh 100ms", got)
	}
}

func TestRetryerWithRealRandomnessStaysWithinFullJitter(t *testing.T) {
	p := retry.DefaultPolicy()
	for range 1000 {
		r := retrying.New(p, nil)
		for n, hi := range []time.Duration{200 * ms, 400 * ms} {
			d := r.Decide(context.Background(), retrying.Attempt{Number: n + 1, Err: apiErr(20005)}, now)
			if d.Action != apierrors.ActionRetry || d.Delay < 0 || d.Delay > hi {
				t.Fatalf("attempt %d: %+v, want retry within [0, %v]", n+1, d, hi)
			}
		}
	}
}

func TestDecideIsSafeWithoutAnErrorOrAContext(t *testing.T) {
	r := retrying.New(retry.DefaultPolicy(), nil)
	//nolint:staticcheck // a nil context is the input under test
	if d := r.Decide(nil, retrying.Attempt{Number: 1, Err: apierrors.Code(20005)}, time.Now()); d.Action != apierrors.ActionRetry {
		t.Errorf("nil ctx: action = %v, want retry", d.Action)
	}
	if d := r.Decide(context.Background(), retrying.Attempt{Number: 1, Idempotent: true}, time.Now()); d.Action != apierrors.ActionFail {
		t.Errorf("nil error: action = %v, want fail", d.Action)
	}
}
