package main

import "testing"

func TestAnUnknownFlagBeforeTheCommandIsAFlag(t *testing.T) {
	for _, tc := range []struct {
		arg, want string
	}{
		{"--bogus", "devcloud: unknown flag --bogus\nrun 'devcloud --help' for the flags and commands\n"},
		{"--verison", "devcloud: unknown flag --verison; did you mean \"--version\"?\nrun 'devcloud --help' for the flags and commands\n"},
		{"--secret=" + canary, "devcloud: unknown flag --secret\nrun 'devcloud --help' for the flags and commands\n"},
	} {
		code, out, errOut := cli(t, "", tc.arg, "call")
		if code != exitUsage || out != "" || errOut != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, %q", tc.arg, code, out, errOut, tc.want)
		}
	}
}

func TestCallTimeoutWithoutAUnitSaysWhatItWants(t *testing.T) {
	code, out, errOut := cli(t, "", "call", "--timeout", "5", "GET", "/v1/devices")
	want := `devcloud call: invalid value for --timeout: want a duration with its unit, such as 30s, 1m30s or 500ms
usage: devcloud call METHOD PATH [flags]
run 'devcloud call -h' for help
`
	if code != exitUsage || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant 2, nothing,\n%s", code, out, errOut, want)
	}
}
