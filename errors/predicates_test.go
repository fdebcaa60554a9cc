package errors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

func TestCodeOfFindsTheCodeThroughWrapping(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   apierrors.Code
		wantOK bool
	}{
		{"APIError", &apierrors.APIError{Code: 20005}, 20005, true},
		{"wrapped APIError", fmt.Errorf("x: %w", &apierrors.APIError{Code: 10001}), 10001, true},
		{"out-of-catalog APIError", &apierrors.APIError{Code: 99999}, 99999, true},
		{"bare Code", apierrors.Code(20022), 20022, true},
		{"wrapped Code", fmt.Errorf("x: %w", apierrors.LicenseExhausted), 30011, true},
		{"non-numeric code", &apierrors.APIError{RawCode: "E_BAD"}, 0, false},
		{"transport error", &apierrors.TransportError{Err: io.ErrUnexpectedEOF}, 0, false},
		{"decode error", &apierrors.DecodeError{HTTPStatus: 200}, 0, false},
		{"plain error", io.EOF, 0, false},
		{"context error", context.Canceled, 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := apierrors.CodeOf(tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("CodeOf = %d, %v; want %d, %v", int(got), ok, int(tt.want), tt.wantOK)
			}
		})
	}
}

func TestRequestIDOfReadsAPIAndDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"APIError", &apierrors.APIError{Code: 20005, Call: apierrors.Call{RequestID: "req-a"}}, "req-a"},
		{"wrapped APIError", fmt.Errorf("x: %w", &apierrors.APIError{Code: 20005, Call: apierrors.Call{RequestID: "req-b"}}), "req-b"},
		{"DecodeError", fmt.Errorf("x: %w", &apierrors.DecodeError{Call: apierrors.Call{RequestID: "req-c"}}), "req-c"},
		{"APIError without id", &apierrors.APIError{Code: 502}, ""},
		{"transport error", &apierrors.TransportError{Err: io.EOF}, ""},
		{"bare Code", apierrors.NotLoggedIn, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apierrors.RequestIDOf(tt.err); got != tt.want {
				t.Errorf("RequestIDOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPredicatesClassifyErrors(t *testing.T) {
	api := func(c int) error {
		return fmt.Errorf("call: %w", &apierrors.APIError{Code: apierrors.Code(c), HTTPStatus: 200})
	}
	tests := []struct {
		name                                      string
		err                                       error
		retryable, auth, throttle, client, server bool
	}{
		{"20005 send timeout", api(20005), true, false, false, false, true},
		{"20022 message service", api(20022), true, false, false, false, true},
		{"502 bad gateway", api(502), true, false, false, false, true},
		{"500 idempotent-only retry", api(500), true, false, false, false, true},
		{"501 not implemented", api(501), false, false, false, false, true},
		{"20014 database", api(20014), false, false, false, false, true},
		{"30011 licenses used up", api(30011), true, false, true, false, false},
		{"10004 login cool-down", api(10004), false, false, true, false, false},
		{"10001 not logged in", api(10001), false, true, false, false, false},
		{"10006 clock skew", api(10006), false, true, false, false, false},
		{"10005 bad sig", api(10005), false, true, false, false, false},
		{"400 bad request", api(400), false, false, false, true, false},
		{"20001 permission", api(20001), false, false, false, true, false},
		{"40006 no such API", api(40006), false, false, false, true, false},
		{"429 out of catalog", api(429), true, false, true, false, false},
		{"418 out of catalog", api(418), false, false, false, true, false},
		{"599 out of catalog", api(599), true, false, false, false, true},
		{"10999 out of catalog", api(10999), false, true, false, false, false},
		{"99999 out of catalog", api(99999), false, false, false, false, false},
		{"bare Code", apierrors.GatewayTimeout, true, false, false, false, true},
		{"non-numeric code", &apierrors.APIError{RawCode: "E_BAD"}, false, false, false, false, false},
		{"transport error", &apierrors.TransportError{Err: io.ErrUnexpectedEOF}, false, false, false, false, false},
		{"decode error", &apierrors.DecodeError{HTTPStatus: 200}, false, false, false, false, false},
		{"plain error", errors.New("boom"), false, false, false, false, false},
		{"nil", nil, false, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [5]bool{apierrors.IsRetryable(tt.err), apierrors.IsAuth(tt.err), apierrors.IsThrottle(tt.err), apierrors.IsClient(tt.err), apierrors.IsServer(tt.err)}
			want := [5]bool{tt.retryable, tt.auth, tt.throttle, tt.client, tt.server}
			if got != want {
				t.Errorf("IsRetryable/IsAuth/IsThrottle/IsClient/IsServer = %v, want %v", got, want)
			}
		})
	}
}

func TestCodeCategoryAndActionInAndOutOfTheCatalog(t *testing.T) {
	tests := []struct {
		code     apierrors.Code
		category apierrors.Category
		action   apierrors.Action
	}{
		{400, apierrors.CategoryClient, apierrors.ActionFail},
		{500, apierrors.CategoryServer, apierrors.ActionRetryIdempotent},
		{501, apierrors.CategoryServer, apierrors.ActionFail},
		{504, apierrors.CategoryServer, apierrors.ActionRetry},
		{10001, apierrors.CategoryAuth, apierrors.ActionRelogin},
		{10004, apierrors.CategoryThrottle, apierrors.ActionLoginCooldown},
		{10006, apierrors.CategoryAuth, apierrors.ActionReloginClockSkew},
		{10007, apierrors.CategoryAuth, apierrors.ActionRelogin},
		{20003, apierrors.CategoryServer, apierrors.ActionRetry},
		{20013, apierrors.CategoryServer, apierrors.ActionRetry},
		{30011, apierrors.CategoryThrottle, apierrors.ActionRetryThrottle},
		{40007, apierrors.CategoryClient, apierrors.ActionFail},
		// Outside the catalog: placed by range.
		{429, apierrors.CategoryThrottle, apierrors.ActionRetryThrottle},
		{418, apierrors.CategoryClient, apierrors.ActionFail},
		{405, apierrors.CategoryClient, apierrors.ActionFail},
		{505, apierrors.CategoryServer, apierrors.ActionRetryIdempotent},
		{599, apierrors.CategoryServer, apierrors.ActionRetryIdempotent},
		{10999, apierrors.CategoryAuth, apierrors.ActionFail},
		{11000, apierrors.CategoryUnknown, apierrors.ActionFail},
		{99999, apierrors.CategoryUnknown, apierrors.ActionFail},
		{200, apierrors.CategoryUnknown, apierrors.ActionFail},
		{0, apierrors.CategoryUnknown, apierrors.ActionFail},
	}
	for _, tt := range tests {
		if got := tt.code.Category(); got != tt.category {
			t.Errorf("Code(%d).Category() = %s, want %s", int(tt.code), got, tt.category)
		}
		if got := tt.code.Action(); got != tt.action {
			t.Errorf("Code(%d).Action() = %s, want %s", int(tt.code), got, tt.action)
		}
	}
}

func TestCategoryAndActionNamesRoundTrip(t *testing.T) {
	categories := map[apierrors.Category]string{
		apierrors.CategoryUnknown: "unknown", apierrors.CategoryAuth: "auth", apierrors.CategoryThrottle: "throttle",
		apierrors.CategoryClient: "client", apierrors.CategoryServer: "server",
	}
	for c, name := range categories {
		if got := c.String(); got != name {
			t.Errorf("Category(%d).String() = %q, want %q", uint8(c), got, name)
		}
		if got, ok := apierrors.ParseCategory(name); !ok || got != c {
			t.Errorf("ParseCategory(%q) = %v, %v; want %v, true", name, got, ok, c)
		}
	}
	var zero apierrors.Action
	if zero != apierrors.ActionNone {
		t.Errorf("the zero Action is %s, want none", zero)
	}
	actions := map[apierrors.Action]string{
		apierrors.ActionNone: "none", apierrors.ActionFail: "fail", apierrors.ActionRetry: "retry", apierrors.ActionRetryIdempotent: "retry-idempotent",
		apierrors.ActionRetryThrottle: "retry-throttle", apierrors.ActionRelogin: "relogin",
		apierrors.ActionReloginClockSkew: "relogin-clock-skew", apierrors.ActionLoginCooldown: "login-cooldown",
	}
	for a, name := range actions {
		if got := a.String(); got != name {
			t.Errorf("Action(%d).String() = %q, want %q", uint8(a), got, name)
		}
		if got, ok := apierrors.ParseAction(name); !ok || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v, true", name, got, ok, a)
		}
	}
	if got := apierrors.Category(9).String(); got != "Category(9)" {
		t.Errorf("Category(9).String() = %q", got)
	}
	if got := apierrors.Action(9).String(); got != "Action(9)" {
		t.Errorf("Action(9).String() = %q", got)
	}
	if _, ok := apierrors.ParseCategory("Auth"); ok {
		t.Error(`ParseCategory("Auth") ok, want false (names are lowercase)`)
	}
	if _, ok := apierrors.ParseAction("backoff"); ok {
		t.Error(`ParseAction("backoff") ok, want false`)
	}
}

func TestInfoRoundTripsThroughJSONWithNamedCategoryAndAction(t *testing.T) {
	info, _ := apierrors.Lookup(30011)
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"Category":"throttle","Action":"retry-throttle"`; !strings.Contains(string(b), want) {
		t.Errorf("JSON %s lacks %s", b, want)
	}
	var back apierrors.Info
	if err := json.Unmarshal(b, &back); err != nil || back != info {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, info)
	}
	for _, bad := range []string{`{"Action":"backoff"}`, `{"Category":"Auth"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}
