package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/devcloud/devcloud-go/mock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cli runs the command in-process and returns its exit status and output.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemoBehavesAsExpected(t *testing.T) {
	code, out, errOut := cli(t, "", "demo")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"code 504     → retry in", "code 20005   → retry in", "code 20022   → retry in",
		"100 saw 10001 and joined the shared relogin", "1 login, 100 successes",
		"code 20001   → fail", "*errors.APIError 502 BadGateway", "retry in 1s",
		"all 7 steps behaved as expected",
		"breaker: closed → open", "breaker: half-open → closed", "refused by the open breaker",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Count(out, "(as expected)") != 7 {
		t.Errorf("steps as expected = %d, want 7", strings.Count(out, "(as expected)"))
	}
}

func TestCodesTableListsAll72(t *testing.T) {
	code, out, _ := cli(t, "", "codes")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 73 {
		t.Fatalf("exit %d, %d lines, want 0 and 73 (header + 72)", code, len(lines))
	}
	if !strings.HasPrefix(lines[0], "CODE") || !strings.Contains(out, "20006  ") || !strings.Contains(out, "查询不到值.") {
		t.Errorf("table = %s", out)
	}
	// Columns are aligned: every row's NAME starts where the header's does.
	col := strings.Index(lines[0], "NAME")
	for _, l := range lines[1:] {
		if l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("misaligned row %q", l)
		}
	}
}

func TestCodesJSONHasEveryField(t *testing.T) {
	code, out, _ := cli(t, "", "codes", "--json")
	var entries []codeJSON
	if err := json.Unmarshal([]byte(out), &entries); err != nil || code != exitOK {
		t.Fatalf("exit %d err %v", code, err)
	}
	if len(entries) != 72 {
		t.Fatalf("entries = %d, want 72", len(entries))
	}
	byCode := map[int]codeJSON{}
	for _, e := range entries {
		if e.Name == "" || e.Chinese == "" || e.English == "" || e.Category == "" || e.Action == "" || e.Description == "" {
			t.Errorf("incomplete entry %+v", e)
		}
		byCode[e.Code] = e
	}
	if e := byCode[30011]; e.Action != "retry-throttle" || e.Category != "throttle" || e.Chinese != "license已用完，请稍后再试" {
		t.Errorf("30011 = %+v", e)
	}
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		arg      string
		wantExit int
		want     []string
	}{
		{"20005", exitOK, []string{"SendMessageTimeout", "发送消息超时", "retried: up to 3 attempts", "gets them back when it succeeds", "errors.Is(err, apierrors.SendMessageTimeout)", "SetAction"}},
		{"sendmessagetimeout", exitOK, []string{"20005 SendMessageTimeout"}},
		{"10001", exitOK, []string{"logs in again", "relogin"}},
		{"30011", exitOK, []string{"throttle schedule"}},
		{"99999", exitOK, []string{"not in the platform's catalog", "fails at once", "apierrors.Code(99999)"}},
		{"nonsense", exitUsage, nil},
	} {
		code, out, _ := cli(t, "", "explain", tc.arg)
		if code != tc.wantExit {
			t.Errorf("explain %s: exit %d, want %d", tc.arg, code, tc.wantExit)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("explain %s: output lacks %q:\n%s", tc.arg, w, out)
			}
		}
	}
}

func TestCallAgainstTheFakePlatform(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"cam-1"}}))
	srv.On("POST", "/v1/devices", mock.OK(map[string]any{"Id": "cam-2"}))
	srv.On("GET", "/v1/denied", mock.Code(20001))
	srv.On("GET", "/v1/flaky", mock.Code(20005), mock.OK(map[string]any{}))
	base := []string{"--base-url", srv.URL, "--app-id", mock.DefaultAppID, "--secret", mock.DefaultSecret}

	t.Run("success prints pretty JSON", func(t *testing.T) {
		code, out, errOut := cli(t, "", append([]string{"call", "GET", "/v1/devices"}, base...)...)
		if code != exitOK || !strings.Contains(out, "\"Devices\": [\n") || errOut != "" {
			t.Errorf("exit %d out %q err %q", code, out, errOut)
		}
	})
	t.Run("body from standard input", func(t *testing.T) {
		code, out, _ := cli(t, `{"Name":"cam"}`, append([]string{"call", "POST", "/v1/devices", "--data", "-"}, base...)...)
		reqs := srv.Requests()
		last := reqs[len(reqs)-1]
		if code != exitOK || string(last.Body) != `{"Name":"cam"}` || !strings.Contains(out, "cam-2") {
			t.Errorf("exit %d out %q body %q", code, out, last.Body)
		}
	})
	t.Run("typed error on stderr, status 1", func(t *testing.T) {
		code, out, errOut := cli(t, "", append([]string{"call", "GET", "/v1/denied"}, base...)...)
		if code != exitFailure || out != "" || !strings.Contains(errOut, "code 20001 权限不足") || !strings.Contains(errOut, "request id:") {
			t.Errorf("exit %d out %q err %q", code, out, errOut)
		}
		if strings.Contains(errOut, mock.DefaultSecret) {
			t.Error("the secret leaked")
		}
	})
	t.Run("verbose prints attempts", func(t *testing.T) {
		code, _, errOut := cli(t, "", append([]string{"call", "--verbose", "GET", "/v1/flaky"}, base...)...)
		if code != exitOK || !strings.Contains(errOut, "attempt 1  GET    /v1/flaky") || !strings.Contains(errOut, "code 20005   → retry in") {
			t.Errorf("exit %d err %q", code, errOut)
		}
	})
	t.Run("environment supplies the flags", func(t *testing.T) {
		t.Setenv("DEVCLOUD_BASE_URL", srv.URL)
		t.Setenv("DEVCLOUD_APP_ID", mock.DefaultAppID)
		t.Setenv("DEVCLOUD_SECRET", mock.DefaultSecret)
		code, out, _ := cli(t, "", "call", "GET", "/v1/devices")
		if code != exitOK || !strings.Contains(out, "cam-1") {
			t.Errorf("exit %d out %q", code, out)
		}
	})
}

func TestCallUsageErrors(t *testing.T) {
	t.Setenv("DEVCLOUD_BASE_URL", "")
	for _, args := range [][]string{
		{"call"},
		{"call", "GET"},
		{"call", "GET", "/v1/x"}, // no base URL
		{"call", "GET", "/v1/x", "--base-url", "http://127.0.0.1:1", "--data", "{not json"},
		{"call", "GET", "/v1/x", "--base-url", "ftp://x"},
		{"nope"},
		{},
	} {
		if code, _, _ := cli(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
