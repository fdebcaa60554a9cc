package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

func TestVerboseWrapsALongErrorAndKeepsItsCause(t *testing.T) {
	cause := `Get "http://127.0.0.1:1/v1/devices/with/a/rather/long/path": dial tcp 127.0.0.1:1: connect: connection refused`
	var b strings.Builder
	printAttempt(&b, client.AttemptInfo{
		Attempt: 2, Method: "GET", Path: "/v1/devices/with/a/rather/long/path",
		Err: errors.New(cause), Action: apierrors.ActionRetry, Delay: 150 * time.Millisecond,
	})
	want := `  attempt 2  GET /v1/devices/with/a/rather/long/path  error: Get
      "http://127.0.0.1:1/v1/devices/with/a/rather/long/path": dial tcp 127.0.0.1:1: connect:
      connection refused → retry in 150ms
`
	if b.String() != want {
		t.Errorf("printAttempt =\n%s\nwant\n%s", b.String(), want)
	}
	if got := strings.Join(strings.Fields(b.String()), " "); !strings.Contains(got, cause) {
		t.Errorf("the error lost words: %q", got)
	}
	b.Reset()
	printAttempt(&b, client.AttemptInfo{Attempt: 1, Method: "GET", Path: "/v1/x", Err: errors.New("dial tcp: connection refused"), Action: apierrors.ActionFail})
	if want := "  attempt 1  GET /v1/x  error: dial tcp: connection refused  → fail\n"; b.String() != want {
		t.Errorf("a short line = %q, want %q", b.String(), want)
	}
}

func TestCallReadsTheAttemptTimeoutAsTheLibraryDoes(t *testing.T) {
	t.Setenv(envBaseURL, "http://127.0.0.1:1")
	t.Setenv(envAppID, "app")
	t.Setenv(envSecret, canary)
	t.Setenv(client.EnvAttemptTimeout, "5")
	code, out, errOut := cli(t, "", "call", "GET", "/v1/devices")
	want := `devcloud call: environment: DEVCLOUD_ATTEMPT_TIMEOUT: want a Go duration with its unit, such as 10s or 1m30s
usage: devcloud call METHOD PATH [flags]
run 'devcloud call -h' for help
`
	if code != exitUsage || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant 2, nothing,\n%s", code, out, errOut, want)
	}
}
