package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

func TestServeGatewaysAFailingOneIsFailedOver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errOut strings.Builder
	done := make(chan int)
	go func() {
		code := run(ctx, []string{"serve", "--gateway", "503", "--gateway", "ok"}, streams{strings.NewReader(""), pw, &errOut})
		pw.Close()
		done <- code
	}()
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d:\n%s", code, errOut.String())
		}
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(env) < 4 && sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		env[k] = v
	}
	go io.Copy(io.Discard, pr)
	if strings.Contains(env[envEndpoints], ",") || env[envEndpoints] == "" || env[envBaseURL] == env[envEndpoints] {
		t.Fatalf("exports = %v, want one fallback after the base URL", env)
	}
	var attempts []string
	c, err := client.New(env[envBaseURL], client.WithCredentials(env[envAppID], env[envSecret]),
		client.WithEndpoints(env[envEndpoints]), client.WithClock(mock.NewFakeClock()),
		client.WithAttemptHook(func(a client.AttemptInfo) { attempts = append(attempts, a.Endpoint) }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out struct{ Devices []map[string]string }
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil || len(out.Devices) != 2 {
		t.Fatalf("Do = %v, %v", err, out)
	}
	// The login met the failing gateway and went on to the other; the
	// call went straight there.
	want := []string{env[envBaseURL], env[envEndpoints], env[envEndpoints]}
	if strings.Join(attempts, " ") != strings.Join(want, " ") {
		t.Errorf("requests went to %v, want %v", attempts, want)
	}
}

func TestServeGatewayRejectsAnUnknownKind(t *testing.T) {
	code, _, errOut := cli(t, "", "serve", "--gateway", "sometimes")
	if code != exitUsage || !strings.Contains(errOut, `"sometimes" is not a gateway`) {
		t.Errorf("exit %d, err %q", code, errOut)
	}
}
