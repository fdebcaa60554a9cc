package main

import (
	"strings"
	"testing"
)

func TestDemoFailoverLosesNoCall(t *testing.T) {
	t.Parallel() // see TestDemoBehavesAsExpected
	code, out, errOut := cli(t, "", "demo", "--failover")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"0 failed; first gateway 21 calls (1 after it died), second 20; 0 backoff sleeps",
		"0 failed; 1 request to the first while it failed, 10 calls by the second; 5 of 5 back",
		"the first gateway is set aside for", "the first gateway answered its probe",
		"all 2 steps behaved as expected",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo --failover output lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > tableWidth {
			t.Errorf("line of %d bytes, want at most %d:\n%s", len(l), tableWidth, l)
		}
	}
}
