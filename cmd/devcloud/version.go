package main

import (
	"fmt"
	"runtime/debug"
)

// version is "devcloud VERSION" from the build information: the module
// version for go install …@v1.2.3, else the VCS revision the binary was
// built from, and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devcloud (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && v == "(devel)" {
		v += fmt.Sprintf(" (revision %s%s)", rev, modified)
	}
	return fmt.Sprintf("devcloud %s %s", v, bi.GoVersion)
}
