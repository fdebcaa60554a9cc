package devcloud_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeRetryTableMatchesTheCatalog checks the hand-written summary
// table of default actions against the generated catalog.
func TestReadmeRetryTableMatchesTheCatalog(t *testing.T) {
	want := map[string]apierrors.Action{
		"retry: 3 attempts":             apierrors.ActionRetry,
		"retry on the throttle":         apierrors.ActionRetryThrottle,
		"retry idempotent calls only":   apierrors.ActionRetryIdempotent,
		"log in again, once":            apierrors.ActionRelogin,
		"correct the clock offset":      apierrors.ActionReloginClockSkew,
		"login cool-down":               apierrors.ActionLoginCooldown,
		"fail at once with the typed e": apierrors.ActionFail,
	}
	listed := map[apierrors.Code]bool{}
	num := regexp.MustCompile(`\b\d{3,5}\b`)
	for _, line := range strings.Split(readme(t), "\n") {
		for prefix, action := range want {
			cells := strings.Split(line, "|")
			if len(cells) != 4 || !strings.HasPrefix(strings.TrimSpace(cells[2]), prefix) {
				continue
			}
			for _, m := range num.FindAllString(cells[1], -1) {
				n, _ := strconv.Atoi(m)
				info, ok := apierrors.Lookup(n)
				if !ok {
					continue // unknown codes such as 429 are described by range
				}
				listed[info.Code] = true
				if info.Action != action {
					t.Errorf("README lists %d under %s; the catalog says %s", n, action, info.Action)
				}
			}
		}
	}
	for _, info := range apierrors.All() {
		if info.Action != apierrors.ActionFail && !listed[info.Code] {
			t.Errorf("README's retry table omits %d (%s)", info.Code, info.Action)
		}
	}
}

// TestReadmeStartsWithTheTwoCommands keeps the README's promise to a new
// reader: how to run the SDK's main job and its tests.
func TestReadmeStartsWithTheTwoCommands(t *testing.T) {
	first := strings.Join(strings.SplitN(readme(t), "\n", 8)[:7], "\n")
	for _, cmd := range []string{"go run ./cmd/devcloud demo", "go test ./..."} {
		if !strings.Contains(first, cmd) {
			t.Errorf("the README's first lines lack %q", cmd)
		}
	}
}

// TestReadmeChangelogRenamesSomething keeps each changelog row honest: the
// old name differs from the new one.
func TestReadmeChangelogRenamesSomething(t *testing.T) {
	_, log, ok := strings.Cut(readme(t), "\n## Changelog\n")
	if !ok {
		t.Fatal("README has no Changelog section")
	}
	rows := 0
	for _, l := range strings.Split(log, "\n") {
		cells := strings.Split(l, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "old" {
			continue
		}
		rows++
		if old, new := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2]); strings.HasPrefix(new, old) {
			t.Errorf("changelog row renames %s to itself: %s", old, l)
		}
	}
	if rows < 10 {
		t.Errorf("changelog has %d rows, want at least 10", rows)
	}
}
