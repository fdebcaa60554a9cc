package errors_test

import (
	"encoding/json"
	"os"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/errors/internal/catalogdata"
)

// jsonEntry is codes.json's element, declared here again so the test reads
// the file independently of the generator.
type jsonEntry struct {
	Code     int    `json:"code"`
	Name     string `json:"name"`
	ZH       string `json:"zh"`
	EN       string `json:"en"`
	Category string `json:"category"`
	Action   string `json:"action"`
}

func readCodesJSON(t *testing.T) []jsonEntry {
	t.Helper()
	raw, err := os.ReadFile("codes.json")
	if err != nil {
		t.Fatal(err)
	}
	var es []jsonEntry
	if err := json.Unmarshal(raw, &es); err != nil {
		t.Fatalf("codes.json: %v", err)
	}
	return es
}

func TestCatalogAgreesWithCodesJSONEntryForEntry(t *testing.T) {
	want := readCodesJSON(t)
	all := apierrors.All()
	if len(all) != len(want) {
		t.Fatalf("len(All()) = %d, codes.json has %d entries", len(all), len(want))
	}
	for i, w := range want {
		got := all[i]
		if int(got.Code) != w.Code || got.Name != w.Name || got.Message != w.ZH || got.Description != w.EN ||
			got.Category.String() != w.Category || got.Action.String() != w.Action {
			t.Errorf("All()[%d] = {%d %q %q %q %s %s}, codes.json has %+v",
				i, got.Code, got.Name, got.Message, got.Description, got.Category, got.Action, w)
		}
		looked, ok := apierrors.Lookup(w.Code)
		if !ok || looked != got {
			t.Errorf("Lookup(%d) = %+v, %v; want %+v, true", w.Code, looked, ok, got)
		}
		if s := apierrors.Code(w.Code).String(); s != w.Name {
			t.Errorf("Code(%d).String() = %q, want %q", w.Code, s, w.Name)
		}
	}
}

func TestCatalogHas72CodesOf8HTTPAnd64Logic(t *testing.T) {
	var http, logic []int
	for _, info := range apierrors.All() {
		if info.Code < 1000 {
			http = append(http, int(info.Code))
		} else {
			logic = append(logic, int(info.Code))
		}
	}
	wantHTTP := []int{400, 403, 404, 500, 501, 502, 503, 504}
	if len(http) != 8 || len(logic) != 64 || len(http)+len(logic) != 72 {
		t.Fatalf("catalog has %d HTTP and %d logic codes, want 8 and 64 (72 in all)", len(http), len(logic))
	}
	for i, c := range wantHTTP {
		if http[i] != c {
			t.Errorf("HTTP code %d = %d, want %d", i, http[i], c)
		}
	}
	if logic[0] != 10000 || logic[63] != 40007 {
		t.Errorf("logic codes run %d…%d, want 10000…40007", logic[0], logic[63])
	}
}

func TestCatalogIsAscendingWithUniqueNames(t *testing.T) {
	all := apierrors.All()
	names := make(map[string]apierrors.Code)
	for i, info := range all {
		if i > 0 && info.Code <= all[i-1].Code {
			t.Errorf("All()[%d] = %d follows %d; want ascending", i, info.Code, all[i-1].Code)
		}
		if prev, dup := names[info.Name]; dup {
			t.Errorf("name %q used by %d and %d", info.Name, prev, info.Code)
		}
		names[info.Name] = info.Code
	}
}

func TestCatalogKeepsTheSeedsChineseTextVerbatim(t *testing.T) {
	tests := []struct {
		code int
		name string
		zh   string
	}{
		{400, "BadRequest", "请求不合法，包体格式错误"},
		{502, "BadGateway", "网关错误，服务不可用"},
		{10001, "NotLoggedIn", "未登录"},
		{10002, "LoginTimeout", "登录超时"},
		{10005, "LoginSigInvalid", "登录sig错误"},
		{10007, "CSRFTokenInvalid", "CSRF Token校验失败"},
		{20005, "SendMessageTimeout", "发送消息超时"},
		{20006, "ValueNotFound", "查询不到值."},
		{20009, "WeChatAccessTokenUnavailable", "获取不到微信access_token"},
		{20014, "DatabaseError", "数据库操作失败"},
		{20035, "DatabaseOperationFailed", "数据库操作失败"},
		{30001, "InviteCodeExists", "邀请码已经存在，在生成系统注册邀请码时可能返回的异常信息"},
		{30004, "AppIDNotBound", "App ID未绑定账号"},
		{30011, "LicenseExhausted", "license已用完，请稍后再试"},
		{31001, "DeviceBindUnbindFailed", "设备绑定/解绑失败"},
		{40007, "ServiceRouteInvalid", "服务地址或者api路由错误"},
	}
	for _, tt := range tests {
		info, ok := apierrors.Lookup(tt.code)
		if !ok {
			t.Errorf("Lookup(%d) not found", tt.code)
			continue
		}
		if info.Message != tt.zh || info.Name != tt.name {
			t.Errorf("Lookup(%d) = %q %q, want %q %q", tt.code, info.Name, info.Message, tt.name, tt.zh)
		}
	}
}

func TestNamedConstantsHaveTheirCodes(t *testing.T) {
	tests := []struct {
		c    apierrors.Code
		want int
	}{
		{apierrors.BadRequest, 400},
		{apierrors.BadGateway, 502},
		{apierrors.ServiceUnavailable, 503},
		{apierrors.GatewayTimeout, 504},
		{apierrors.NotLoggedIn, 10001},
		{apierrors.LoginTimeout, 10002},
		{apierrors.LoginTooFrequent, 10004},
		{apierrors.LoginTimeInvalid, 10006},
		{apierrors.CSRFTokenInvalid, 10007},
		{apierrors.SendMessageTimeout, 20005},
		{apierrors.MessageServiceError, 20022},
		{apierrors.LicenseExhausted, 30011},
	}
	for _, tt := range tests {
		if int(tt.c) != tt.want {
			t.Errorf("%s = %d, want %d", tt.c.String(), int(tt.c), tt.want)
		}
	}
}

func TestDefaultActionsFollowTheSpec(t *testing.T) {
	// SPEC §2: every code not listed here fails at once.
	want := map[int]apierrors.Action{
		502: apierrors.ActionRetry, 503: apierrors.ActionRetry, 504: apierrors.ActionRetry,
		20005: apierrors.ActionRetry, 20022: apierrors.ActionRetry, 20003: apierrors.ActionRetry, 20013: apierrors.ActionRetry,
		30011: apierrors.ActionRetryThrottle,
		500:   apierrors.ActionRetryIdempotent,
		10001: apierrors.ActionRelogin, 10002: apierrors.ActionRelogin, 10007: apierrors.ActionRelogin,
		10006: apierrors.ActionReloginClockSkew,
		10004: apierrors.ActionLoginCooldown,
	}
	fails := 0
	for _, info := range apierrors.All() {
		w, listed := want[int(info.Code)]
		if !listed {
			w = apierrors.ActionFail
			fails++
		}
		if info.Action != w {
			t.Errorf("%d (%s) action = %s, want %s", info.Code, info.Name, info.Action, w)
		}
	}
	if fails != 72-len(want) {
		t.Errorf("%d codes fail at once, want %d", fails, 72-len(want))
	}
}

func TestCategoriesFollowTheSpec(t *testing.T) {
	tests := []struct {
		codes []int
		want  apierrors.Category
	}{
		{[]int{10000, 10001, 10002, 10003, 10005, 10006, 10007}, apierrors.CategoryAuth},
		{[]int{10004, 30011}, apierrors.CategoryThrottle},
		{[]int{400, 403, 404, 20001, 20002, 20004, 20006, 20029, 20031, 20032, 20404, 30002, 30003, 40001, 40003}, apierrors.CategoryClient},
		{[]int{500, 501, 502, 503, 504, 20000, 20003, 20005, 20009, 20013, 20014, 20019, 20022, 20033, 20035, 20501, 30005, 30008, 31001, 40004}, apierrors.CategoryServer},
	}
	for _, tt := range tests {
		for _, c := range tt.codes {
			info, ok := apierrors.Lookup(c)
			if !ok || info.Category != tt.want {
				t.Errorf("Lookup(%d).Category = %s (found %v), want %s", c, info.Category, ok, tt.want)
			}
		}
	}
	for _, info := range apierrors.All() {
		if info.Category == apierrors.CategoryUnknown {
			t.Errorf("%d (%s) has no category", info.Code, info.Name)
		}
	}
}

func TestLookupReportsUnknownCodes(t *testing.T) {
	for _, code := range []int{99999, 429, 0, -1, 10008, 20025, 40008, 1 << 40} {
		info, ok := apierrors.Lookup(code)
		if ok || info != (apierrors.Info{}) {
			t.Errorf("Lookup(%d) = %+v, %v; want zero Info, false", code, info, ok)
		}
	}
}

func TestAllReturnsACopy(t *testing.T) {
	all := apierrors.All()
	all[0].Name = "Changed"
	all[0].Code = 1
	if info, ok := apierrors.Lookup(400); !ok || info.Name != "BadRequest" {
		t.Errorf("Lookup(400) = %+v, %v after modifying All()'s result; want BadRequest", info, ok)
	}
	if got := apierrors.All()[0].Name; got != "BadRequest" {
		t.Errorf("All()[0].Name = %q after modifying an earlier result, want BadRequest", got)
	}
}

// TestGeneratedFilesAreUpToDate renders catalog_gen.go and docs/CODES.md
// in memory, as go generate would, and compares them with the files in
// the tree.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	raw, err := os.ReadFile("codes.json")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := catalogdata.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	reserved, err := catalogdata.DeclaredNames(".", "catalog_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if err := catalogdata.Validate(entries, reserved); err != nil {
		t.Fatal(err)
	}

	wantGo, err := catalogdata.RenderGo(entries)
	if err != nil {
		t.Fatal(err)
	}
	gotGo, err := os.ReadFile("catalog_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(gotGo) != string(wantGo) {
		t.Error("catalog_gen.go is stale; run go generate ./errors/...")
	}

	gotDoc, err := os.ReadFile("../docs/CODES.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(gotDoc) != string(catalogdata.RenderCodesDoc(entries)) {
		t.Error("docs/CODES.md is stale; run go generate ./errors/...")
	}
}
