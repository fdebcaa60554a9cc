package main

import (
	"fmt"
	"strings"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// TestCodesThroughAPipeIsOneLinePerCode: devcloud codes | wc -l counts
// the codes; the header and the hint are for a terminal only.
func TestCodesThroughAPipeIsOneLinePerCode(t *testing.T) {
	code, out, errOut := cli(t, "", "codes")
	all := apierrors.All()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || errOut != "" || len(lines) != len(all) || len(all) != 72 {
		t.Fatalf("exit %d, stderr %q, %d lines for %d codes; want 0, nothing, 72 lines", code, errOut, len(lines), len(all))
	}
	for i, l := range lines {
		if want := fmt.Sprintf("%-5d  %s ", int(all[i].Code), all[i].Name); !strings.HasPrefix(l, want) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, l, want)
		}
	}
	var tty strings.Builder
	narrowTable(&tty, tableWidth, true)
	ttyLines := strings.Split(strings.TrimSuffix(tty.String(), "\n"), "\n")
	if len(ttyLines) != 72+3 || !strings.HasPrefix(ttyLines[0], "CODE   NAME") ||
		ttyLines[73] != "" || !strings.HasPrefix(ttyLines[74], "devcloud codes --wide for the Chinese text") {
		t.Errorf("at a terminal: %d lines, first %q, last %q; want 75: header, 72 rows, blank, hint", len(ttyLines), ttyLines[0], ttyLines[len(ttyLines)-1])
	}
}
