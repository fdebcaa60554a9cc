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
