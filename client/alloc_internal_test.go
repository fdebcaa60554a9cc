package client

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// cannedBody is a small success envelope.
const cannedBody = `{"Response":{"RequestId":"r-1","Total":3,"Devices":[{"Id":"a"},{"Id":"b"},{"Id":"c"}]}}`

// canned answers every request at once with cannedBody.
type canned struct{}

func (canned) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(cannedBody)),
		ContentLength: int64(len(cannedBody)),
	}, nil
}

type cannedList struct {
	Total   int
	Devices []struct{ Id string }
}

// TestCallGlueAllocations pins down what a call costs beyond the request
// and the decoding it needs: over a transport that answers at once, Do
// allocates no more than the same request built with net/http, sent
// through the same http.Client, its body read and decoded. The call's
// state and its header map are paid for by the URL it does not parse: the
// base URL was parsed once.
func TestCallGlueAllocations(t *testing.T) {
	if raceDetector {
		t.Skip("under -race, sync.Pool drops what it is given at random")
	}
	c, err := New("http://platform.invalid", WithHTTPClient(&http.Client{Transport: canned{}}),
		WithLogin(func(context.Context) (Session, error) { return Session{Token: "token", CSRFToken: "csrf"}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	do := testing.AllocsPerRun(200, func() {
		var out cannedList
		if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil || out.Total != 3 {
			t.Fatal(err)
		}
	})
	floor := testing.AllocsPerRun(200, func() {
		req, err := http.NewRequestWithContext(ctx, "GET", "http://platform.invalid/v1/devices", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header["Accept"] = []string{"application/json"}
		req.Header["User-Agent"] = []string{"devcloud-go"}
		req.Header["Authorization"] = []string{"Bearer token"}
		req.Header["X-Csrf-Token"] = []string{"csrf"}
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := readBody(resp.Body, resp.ContentLength, c.maxBody, &c.chunks)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var out cannedList
		if err := DecodeResponse(resp.StatusCode, resp.Header, body, &out); err != nil || out.Total != 3 {
			t.Fatal(err)
		}
	})
	t.Logf("Do: %v allocations; the request, its round trip, reading and decoding: %v", do, floor)
	if do > floor {
		t.Errorf("Do allocates %v, want at most the %v of the request written by hand", do, floor)
	}
}

// TestRedactorIsMadeOncePerSession: the error path redacts a session's
// secrets with a redactor made once for the session, so a failed call
// that carried no values of its own (no query, no body) allocates nothing
// for redaction; a new session or login signature gets a new one.
func TestRedactorIsMadeOncePerSession(t *testing.T) {
	c, err := New("http://platform.invalid", WithCredentials("app", "a-secret"))
	if err != nil {
		t.Fatal(err)
	}
	s1 := Session{Token: "token-1", CSRFToken: "csrf-1"}
	r := c.sessionRedactor(s1)
	if c.sessionRedactor(s1) != r {
		t.Fatal("a second redactor for the same session")
	}
	if c.sessionRedactor(Session{Token: "token-2", CSRFToken: "csrf-1"}) == r {
		t.Fatal("a new session redacted with the last one's redactor")
	}
	sig := "signature-1"
	c.loginSig.Store(&sig)
	r2 := c.sessionRedactor(s1)
	if r2 == r || r2.text("sig signature-1") != "sig [redacted]" {
		t.Fatal("a new login signature is not redacted")
	}
	k := &call{method: "GET", path: "/v1/devices", name: "/v1/devices"}
	allocs := testing.AllocsPerRun(100, func() {
		err := &apierrors.APIError{Code: 20001, Message: "no access for token-1 (a-secret)", HTTPStatus: 200}
		c.redact(k, s1, err, nil)
	})
	if allocs != 2 { // the error itself, and the message with its secrets replaced
		t.Errorf("%v allocations to make and redact a failure, want 2", allocs)
	}
}
