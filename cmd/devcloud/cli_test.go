package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// canary is a secret no output may ever contain.
const canary = "canary-s3cr3t-value"

func TestHelpAndVersionExitZeroOnStandardOutput(t *testing.T) {
	lines := [][]string{{"--help"}, {"-h"}, {"help"}, {"--version"}, {"version"}}
	for _, name := range names() {
		lines = append(lines, []string{name, "-h"}, []string{name, "--help"}, []string{"help", name})
	}
	for _, args := range lines {
		code, out, errOut := cli(t, "", args...)
		if code != exitOK || errOut != "" || out == "" {
			t.Errorf("%q: exit %d, stderr %q, %d bytes of stdout; want 0, nothing, the help", args, code, errOut, len(out))
			continue
		}
		for _, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > tableWidth {
				t.Errorf("%q: a line of %d columns, want at most %d:\n%s", args, n, tableWidth, l)
			}
		}
		switch {
		case strings.Contains(args[0], "version"):
			if !strings.HasPrefix(out, "devcloud ") || !strings.Contains(out, "go1.") {
				t.Errorf("%q = %q, want devcloud VERSION goVERSION", args, out)
			}
		case len(args) == 2 || args[0] != "help" && len(args) > 1:
			name := args[0]
			if name == "help" {
				name = args[1]
			}
			for _, want := range []string{"usage: devcloud " + name, "examples:\n  devcloud "} {
				if !strings.Contains(out, want) {
					t.Errorf("%q: help lacks %q:\n%s", args, want, out)
				}
			}
		default:
			if !strings.Contains(out, "usage: devcloud COMMAND") {
				t.Errorf("%q: usage = %s", args, out)
			}
		}
	}
}

func TestWrongCommandLinesExitTwo(t *testing.T) {
	t.Setenv(envBaseURL, "http://127.0.0.1:1")
	t.Setenv(envAppID, "app")
	t.Setenv(envSecret, canary)
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{nil, "usage: devcloud COMMAND"},
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"cal", "GET", "/v1/x"}, `did you mean "call"?`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"call"}, "want METHOD and PATH, got 0"},
		{[]string{"call", "GET"}, "want METHOD and PATH, got 1"},
		{[]string{"call", "GET", "/v1/x", "extra"}, `unexpected argument after METHOD PATH: "extra"`},
		{[]string{"call", "GET", "v1/devices"}, "PATH must start with /"},
		{[]string{"call", "GET", "/v1/x", "--query", "novalue"}, "--query wants key=value"},
		{[]string{"call", "GET", "/v1/x", "--timeout", canary}, "invalid value for --timeout"},
		{[]string{"call", "GET", "/v1/x", "--timeout", "-1s"}, "--timeout must be positive"},
		{[]string{"call", "GET", "/v1/x", "--timeout", "0"}, "--timeout must be positive"},
		{[]string{"--version", "extra"}, `unexpected argument "extra" after --version`},
		{[]string{"version", "extra"}, `unexpected argument "extra" after version`},
		{[]string{"call", "GET", "/v1/x", "--bogus"}, "flag provided but not defined: --bogus"},
		{[]string{"call", "GET", "/v1/x", "--data", "{not json"}, "not valid JSON"},
		{[]string{"call", "GET", "/v1/x", "--base-url", "ftp://x"}, "devcloud call: "},
		{[]string{"call", "G ET", "/v1/x"}, "invalid method"},
		{[]string{"codes", "extra"}, `unexpected argument "extra"`},
		{[]string{"codes", "--wide", "--json"}, "do not go together"},
		{[]string{"explain"}, "which code?"},
		{[]string{"explain", "0"}, "0 is not a code"},
		{[]string{"explain", "-5"}, "-5 is not a code"},
		{[]string{"explain", "SendMessageTimout"}, "did you mean SendMessageTimeout?"},
		{[]string{"explain", "nonsense"}, `"nonsense" is neither a code number nor the name of one`},
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--fault", "/v1/x"}, "wants [METHOD:]PATH=ANSWER"},
		{[]string{"serve", "--fault", "/v1/x=503,sometimes"}, `"sometimes" is not an answer`},
		{[]string{"serve", "--fault", "v1/x=ok"}, "the path must start with /"},
		{[]string{"serve", "--addr", "192.0.2.1:0"}, "devcloud serve: "},
	} {
		code, out, errOut := cli(t, "", tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, %q", tc.args, code, out, errOut, tc.want)
		}
		if strings.Contains(out+errOut, canary) {
			t.Errorf("%q printed the secret:\n%s%s", tc.args, out, errOut)
		}
	}
}

// TestTheSecretIsNeverPrinted runs help and wrong command lines with the
// secret in the environment and on the command line.
func TestTheSecretIsNeverPrinted(t *testing.T) {
	t.Setenv(envSecret, canary)
	t.Setenv(envAppID, "app")
	t.Setenv(envBaseURL, "")
	lines := 0
	for _, args := range [][]string{
		{"call", "-h"},
		{"call", "--help"},
		{"help", "call"},
		{"call"},
		{"call", "GET"},
		{"call", "GET", "/v1/x", "extra"},
		{"call", "GET", "/v1/x", "--query", canary},
		{"call", "GET", "/v1/x"},
		{"call", "--secret", canary, "GET"},
		{"call", "--secret", canary, "--timeout", canary, "GET", "/v1/x"},
		{"call", "--secret", canary, "--verbose=" + canary, "GET", "/v1/x"},
		{"serve", "--fault", canary},
	} {
		code, out, errOut := cli(t, "", args...)
		if strings.Contains(out+errOut, canary) {
			t.Errorf("%q (exit %d) printed the secret:\n%s%s", args, code, out, errOut)
		}
		lines++
	}
	t.Logf("%d help and wrong command lines, the secret in none of their output", lines)
	_, help, _ := cli(t, "", "call", "-h")
	if !strings.Contains(help, "set from $DEVCLOUD_SECRET when not given") {
		t.Errorf("call -h does not say where the secret comes from:\n%s", help)
	}
}

func TestCallWithoutCredentialsNamesTheVariables(t *testing.T) {
	for _, tc := range []struct {
		appID, secret string
		want          string
	}{
		{"", "", "no credentials: set $DEVCLOUD_APP_ID (or --app-id) and $DEVCLOUD_SECRET (or --secret)"},
		{"app", "", "no credentials: set $DEVCLOUD_SECRET (or --secret)"},
		{"", "s", "no credentials: set $DEVCLOUD_APP_ID (or --app-id)"},
	} {
		t.Setenv(envBaseURL, "http://127.0.0.1:1")
		t.Setenv(envAppID, tc.appID)
		t.Setenv(envSecret, tc.secret)
		code, _, errOut := cli(t, "", "call", "GET", "/v1/devices")
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("app %q secret %q: exit %d, stderr %q; want 2 and %q", tc.appID, tc.secret, code, errOut, tc.want)
		}
	}
}

func TestExplainSeveralCodes(t *testing.T) {
	code, out, errOut := cli(t, "", "explain", "20005", "sendmessagetimeout", "10001", "30011", "20008")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	for _, w := range []string{
		"20005 SendMessageTimeout\n  中文:     发送消息超时", "retried: up to 3 attempts", "errors.Is(err, apierrors.SendMessageTimeout)",
		"10001 NotLoggedIn", "logs in again", "30011 LicenseExhausted", "throttle schedule",
		"gets them back when it succeeds", "20008 DuplicateLongPoll", "client.Poll waits the hold",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if n := strings.Count(out, "Match it:"); n != 5 {
		t.Errorf("%d explanations, want 5", n)
	}
}

func TestSuggestionsAreNearestNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SendMessageTimout", "SendMessageTimeout"},
		{"sendmesagetimeout", "SendMessageTimeout"},
		{"NotLogedIn", "NotLoggedIn"},
		{"LicenceExhausted", "LicenseExhausted"},
		{"Timeout", ""},
		{"xyz", ""},
	} {
		var all []string
		for _, info := range apierrors.All() {
			all = append(all, info.Name)
		}
		got, _ := nearest(tc.in, all)
		if got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCodesFitsOneHundredColumns(t *testing.T) {
	// At a terminal: the header, the 72 rows and the hint. (Through a
	// pipe, as cli runs it, only the rows: TestCodesThroughAPipeIsOneLinePerCode.)
	var table strings.Builder
	narrowTable(&table, tableWidth, true)
	out := table.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 73 {
		t.Fatalf("%d lines", len(lines))
	}
	widest := 0
	for _, l := range lines {
		n := utf8.RuneCountInString(l)
		widest = max(widest, n)
		if n > tableWidth {
			t.Errorf("line of %d columns: %s", n, l)
		}
	}
	t.Logf("codes: %d lines, the widest %d columns", len(lines), widest)
	if !strings.HasPrefix(lines[0], "CODE   NAME") || !strings.Contains(out, "20005  SendMessageTimeout ") {
		t.Errorf("table =\n%s", out)
	}
	rows := 0
	for _, l := range lines[1:] {
		if l != "" && l[0] >= '1' && l[0] <= '9' {
			rows++
		}
	}
	if rows != 72 {
		t.Errorf("%d code rows, want 72", rows)
	}
	_, wide, _ := cli(t, "", "codes", "--wide")
	if !strings.Contains(wide, "license已用完，请稍后再试") || !strings.Contains(wide, "may be returned when generating system registration invitation codes") {
		t.Errorf("--wide lacks the Chinese text or a whole description")
	}
}

func TestCodesJSONIsTheCatalogWithInfosFieldNames(t *testing.T) {
	code, out, _ := cli(t, "", "codes", "--json")
	var got []apierrors.Info
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d err %v", code, err)
	}
	if !reflect.DeepEqual(got, apierrors.All()) {
		t.Error("codes --json does not decode into errors.All()")
	}
	var raw []map[string]any
	_ = json.Unmarshal([]byte(out), &raw)
	want := map[string]bool{}
	for f := range reflect.TypeFor[apierrors.Info]().Fields() {
		want[f.Name] = true
	}
	for k := range raw[0] {
		if !want[k] {
			t.Errorf("field %q is not a field of errors.Info", k)
		}
	}
	if len(raw[0]) != len(want) || raw[0]["Action"] != "fail" || raw[0]["Category"] != "client" {
		t.Errorf("first entry = %v", raw[0])
	}
}

// startServe runs devcloud serve in the background until the test ends
// and returns the environment its export lines set.
func startServe(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errOut strings.Builder
	done := make(chan int)
	go func() {
		code := run(ctx, append([]string{"serve"}, args...), streams{strings.NewReader(""), pw, &errOut})
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK || !strings.Contains(errOut.String(), "devcloud serve: stopped after") {
			t.Errorf("serve exited %d:\n%s", code, errOut.String())
		}
	})
	env := map[string]string{}
	var exports strings.Builder
	sc := bufio.NewScanner(pr)
	for len(env) < 3 && sc.Scan() {
		exports.WriteString(sc.Text() + "\n")
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if !ok || !strings.HasPrefix(sc.Text(), "export ") {
			t.Fatalf("serve printed %q, want export lines", sc.Text())
		}
		env[k] = v
	}
	go io.Copy(io.Discard, pr)
	// The lines are what a shell evals.
	if sh, err := exec.LookPath("sh"); err == nil {
		got, err := exec.Command(sh, "-c", `eval "$1"; printf '%s|%s|%s' "$DEVCLOUD_BASE_URL" "$DEVCLOUD_APP_ID" "$DEVCLOUD_SECRET"`, "sh", exports.String()).Output()
		if want := env[envBaseURL] + "|" + env[envAppID] + "|" + env[envSecret]; err != nil || string(got) != want {
			t.Errorf("sh eval of %q = %q, %v; want %q", exports.String(), got, err, want)
		}
	}
	return env
}

func TestServeThenCall(t *testing.T) {
	env := startServe(t, "--fault", "GET:/v1/flaky=503x2,ok", "--fault", "/v1/denied=20001")
	if !strings.HasPrefix(env[envBaseURL], "http://127.0.0.1:") || env[envAppID] != mock.DefaultAppID || env[envSecret] != mock.DefaultSecret {
		t.Fatalf("exports = %v", env)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Run("GET /v1/devices succeeds", func(t *testing.T) {
		code, out, errOut := cli(t, "", "call", "GET", "/v1/devices")
		if code != exitOK || !strings.Contains(out, `"Name": "front door"`) || errOut != "" {
			t.Errorf("exit %d out %q err %q", code, out, errOut)
		}
	})
	t.Run("a fault is retried where --verbose shows it", func(t *testing.T) {
		code, _, errOut := cli(t, "", "call", "--verbose", "GET", "/v1/flaky")
		if code != exitOK || strings.Count(errOut, "503 ServiceUnavailable  → retry in") != 2 || !strings.Contains(errOut, "attempt 3  GET /v1/flaky  ok  → done") {
			t.Errorf("exit %d err:\n%s", code, errOut)
		}
	})
	t.Run("a scripted failure exits 1", func(t *testing.T) {
		code, _, errOut := cli(t, "", "call", "POST", "/v1/denied", "--data", "{}")
		if code != exitFailure || !strings.Contains(errOut, "20001") {
			t.Errorf("exit %d err %q", code, errOut)
		}
	})
	t.Run("an unknown route exits 1 with 404", func(t *testing.T) {
		code, _, errOut := cli(t, "", "call", "GET", "/v1/nothing")
		if code != exitFailure || !strings.Contains(errOut, "404") {
			t.Errorf("exit %d err %q", code, errOut)
		}
	})
}

// TestTheCLIBinaryHoldsNoTestCode keeps test-only code out of the binary.
// The CLI runs package mock's Server, and package mock also holds the
// httpmock flavour, so github.com/jarcoal/httpmock, and the testing package
// it imports, are among the CLI's dependencies; the linker keeps only what
// the CLI can reach. So the guarantee is checked where it matters, in the
// built binary's symbol table: of package testing nothing but its package
// initialisation (which only declares variables; the test flags are
// registered by testing.Init, which only a test binary calls), nothing of
// net/http/httptest, and no method of httpmock's MockTransport or of
// mock.Mock, because the CLI never builds a Mock.
func TestTheCLIBinaryHoldsNoTestCode(t *testing.T) {
	t.Parallel() // a go build: it need not wait for the demos
	bin := filepath.Join(t.TempDir(), "devcloud")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Skipf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Skipf("go tool nm: %v", err)
	}
	var code, testingCode int
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || (f[1] != "T" && f[1] != "t") {
			continue
		}
		code++
		sym := f[2]
		switch {
		case strings.HasPrefix(sym, "testing."):
			testingCode++
			if sym != "testing.init" {
				t.Errorf("the binary holds %s", sym)
			}
		case strings.HasPrefix(sym, "net/http/httptest."),
			strings.HasPrefix(sym, "github.com/jarcoal/httpmock.(*MockTransport)"),
			strings.HasPrefix(sym, "github.com/devcloud/devcloud-go/mock.(*Mock)"):
			t.Errorf("the binary holds %s", sym)
		}
	}
	if code < 1000 {
		t.Fatalf("go tool nm listed %d functions, want the whole binary's:\n%.2000s", code, out)
	}
	t.Logf("%d functions in the binary, %d of package testing (its init)", code, testingCode)
}
