package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestServeOnEveryInterfaceListensOnLoopback(t *testing.T) {
	for _, tc := range []struct{ addr, listen string }{
		{"0.0.0.0:0", "127.0.0.1:0"},
		{"[::]:8080", "127.0.0.1:8080"},
		{":0", "127.0.0.1:0"},
		{"127.0.0.1:0", "127.0.0.1:0"},
		{"[::1]:0", "[::1]:0"},
		{"localhost:0", "localhost:0"},
		{"192.0.2.1:0", "192.0.2.1:0"},
	} {
		listen, note := loopback(tc.addr)
		if listen != tc.listen || (note != "") != (listen != tc.addr) {
			t.Errorf("loopback(%q) = %q, %q; want %q", tc.addr, listen, note, tc.listen)
		}
	}
	env := startServe(t, "--addr", "0.0.0.0:0")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9]\d*$`).MatchString(env[envBaseURL]) {
		t.Fatalf("serve --addr 0.0.0.0:0 exports %s=%q, want http://127.0.0.1:PORT", envBaseURL, env[envBaseURL])
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	if code, out, errOut := cli(t, "", "call", "GET", "/v1/devices"); code != exitOK || !strings.Contains(out, "front door") {
		t.Errorf("call against it: exit %d, out %q, err %q", code, out, errOut)
	}
}
