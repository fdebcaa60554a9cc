package main

import (
	"strings"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

// explained is what explain prints for code, for exact comparisons.
func explained(code apierrors.Code) string {
	var b strings.Builder
	explain(&b, retry.DefaultPolicy(), code)
	return b.String()
}

func TestExplainExplainsTheValidCodesAndReportsTheBadArgument(t *testing.T) {
	code, out, errOut := cli(t, "", "explain", "20005", "nope", "10001")
	if want := explained(20005) + "\n" + explained(10001); out != want {
		t.Errorf("stdout =\n%s\nwant 20005 then 10001:\n%s", out, want)
	}
	wantErr := `devcloud explain: "nope" is neither a code number nor the name of one, nor in any code's text (devcloud codes lists them)
usage: devcloud explain CODE|WORD...
run 'devcloud explain -h' for help
`
	if code != exitUsage || errOut != wantErr {
		t.Errorf("exit %d, stderr\n%s\nwant 2 and\n%s", code, errOut, wantErr)
	}
}

func TestExplainANumberOutsideTheCatalogExitsOne(t *testing.T) {
	code, out, errOut := cli(t, "", "explain", "99999")
	if code != exitFailure || out != explained(99999) ||
		errOut != "devcloud explain: 99999 not in the platform's catalog (explained by range)\n" {
		t.Errorf("exit %d, stdout\n%s\nstderr %q; want 1, the range explanation, the note", code, out, errOut)
	}
	if !strings.HasPrefix(out, "99999 is not in the platform's catalog\n  category: unknown (from its range)\n") {
		t.Errorf("stdout =\n%s", out)
	}
	code, out, _ = cli(t, "", "explain", "20005", "99999")
	if code != exitFailure || out != explained(20005)+"\n"+explained(99999) {
		t.Errorf("20005 99999: exit %d, stdout\n%s", code, out)
	}
}

func TestExplainSearchesNamesAndTexts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"timeout"}, `3 codes mention "timeout":
  504    GatewayTimeout      the backend service is unavailable or timed out
  10002  LoginTimeout        the login session has expired
  20005  SendMessageTimeout  sending the message timed out
devcloud explain CODE explains one
`},
		{[]string{"TIMED OUT"}, `2 codes mention "TIMED OUT":
  504    GatewayTimeout      the backend service is unavailable or timed out
  20005  SendMessageTimeout  sending the message timed out
devcloud explain CODE explains one
`},
		{[]string{"发送消息超时"}, explained(20005)}, // one match: explained in full
	} {
		code, out, errOut := cli(t, "", append([]string{"explain"}, tc.args...)...)
		if code != exitOK || errOut != "" || out != tc.want {
			t.Errorf("explain %q: exit %d, stderr %q, stdout\n%s\nwant 0, nothing,\n%s", tc.args, code, errOut, out, tc.want)
		}
	}
}
