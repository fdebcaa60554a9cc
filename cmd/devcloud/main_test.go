package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
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
	code := run(context.Background(), args, streams{strings.NewReader(stdin), &out, &errOut})
	return code, out.String(), errOut.String()
}

// The demo's steps wait in real time, seconds of it: the tests of a demo
// run in parallel with each other and with the binary's build, and
// nothing they use is shared (each demo runs its own fake platform; none
// reads the environment that other tests set).
func TestDemoBehavesAsExpected(t *testing.T) {
	t.Parallel()
	code, out, errOut := cli(t, "", "demo")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"504 GatewayTimeout  → retry in", "20005 SendMessageTimeout  → retry in", "20022 MessageServiceError  → retry in",
		"answered 10001 NotLoggedIn + 1 login + 100 replays answered ok", "1 login, 100 successes",
		"20001 InsufficientPermission  → fail", "*errors.APIError 502 BadGateway", "retry in 1s",
		"try next:", "devcloud explain 10001",
		"all 10 steps behaved as expected", "2nd Poll busy: true",
		"breaker: closed → open", "breaker: half-open → closed", "refused by the open breaker",
		"attempt 1  GET /v1/events  20008 DuplicateLongPoll  → Poll waits the hold\n",
		"a download cut by a reset resumes", "SHA-256 equal: true",
		"the client's send rate ends at",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out, "20008 DuplicateLongPoll  → fail") {
		t.Errorf("demo prints a 20008 that Poll waits out as a failure:\n%s", out)
	}
	if strings.Count(out, "(as expected)") != 10 {
		t.Errorf("steps as expected = %d, want 10", strings.Count(out, "(as expected)"))
	}
	widest := 0
	for _, l := range strings.Split(out, "\n") {
		// Bytes bound runes too: the line fits whether a tool counts
		// columns or bytes.
		widest = max(widest, len(l))
		if n := len(l); n > tableWidth {
			t.Errorf("demo line of %d bytes, want at most %d:\n%s", n, tableWidth, l)
		}
	}
	t.Logf("demo: the widest line is %d bytes", widest)
	demoCountsAddUp(t, out)
}

var (
	stormLine = regexp.MustCompile(`(\d+) requests: (\d+) warm-up \+ (\d+) answered 10001 NotLoggedIn \+ (\d+) login \+ (\d+) replays answered ok\n`)
	stepRow   = regexp.MustCompile(`(?m)^\s*\d+\s+.+?\s+(\d+)\s+(\d+)\s+(as expected|NOT AS EXPECTED)$`)
	totalRow  = regexp.MustCompile(`(?m)^\s+total\s+(\d+)\s+(\d+)$`)
)

// demoCountsAddUp checks the storm's and the summary's arithmetic.
func demoCountsAddUp(t *testing.T, out string) {
	t.Helper()
	m := stormLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no storm count line in:\n%s", out)
	}
	n := atoi(t, m[1:]...)
	if n[1]+n[2]+n[3]+n[4] != n[0] || n[1] != 1 || n[3] != 1 || n[4] != 100 {
		t.Errorf("storm: %d requests != %d + %d + %d + %d, or not 1 warm-up, 1 login and 100 replays", n[0], n[1], n[2], n[3], n[4])
	}
	rows := stepRow.FindAllStringSubmatch(out, -1)
	total := totalRow.FindStringSubmatch(out)
	if len(rows) != 10 || total == nil {
		t.Fatalf("summary has %d step rows (want 10) and total %v:\n%s", len(rows), total, out)
	}
	if step3 := atoi(t, rows[2][1])[0]; step3 != n[0] {
		t.Errorf("step 3 says %d requests, its summary row %d", n[0], step3)
	}
	var requests, logins int
	for _, r := range rows {
		v := atoi(t, r[1], r[2])
		requests, logins = requests+v[0], logins+v[1]
	}
	if tv := atoi(t, total[1], total[2]); tv[0] != requests || tv[1] != logins {
		t.Errorf("summary total %v, the rows add up to %d requests, %d logins", tv, requests, logins)
	}
}

func atoi(t *testing.T, ss ...string) []int {
	t.Helper()
	out := make([]int, len(ss))
	for i, s := range ss {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = n
	}
	return out
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
		if code != exitOK || !strings.Contains(errOut, "attempt 1  GET /v1/flaky  20005 SendMessageTimeout  → retry in") ||
			!strings.Contains(errOut, "attempt 2  GET /v1/flaky  ok  → done") {
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
