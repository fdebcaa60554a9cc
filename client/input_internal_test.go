package client

import "testing"

// FuzzCleanPath wants every path cleanPath lets through without decoding
// to pass the check that decodes it.
func FuzzCleanPath(f *testing.F) {
	for _, p := range []string{
		"/", "/v1/devices", "/v1/devices/dev-0001", "/a/./b", "/a/../b", "/..", "/.", "/...",
		"/a.b/c..d", "//x", "/a//b", "/a/", "/%2e%2e", "/a\\..", "/a?b=1", "/~u/_x-1", "", "v1",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if cleanPath(path) {
			if err := checkEscapedPath(path); err != nil {
				t.Fatalf("cleanPath(%q), yet the full check says %v", path, err)
			}
		}
	})
}

func TestCleanPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/v1/devices": true, "/v1/devices/dev-0001": true, "/a/": true,
		"/a//b": true, "/a.b/c..d": true, "/~u/_x-1": true,
		"/a/./b": false, "/a/../b": false, "/..": false, "/.": false, "/...": false,
		"//x": false, "/%2e%2e": false, "/a\\..": false, "/a?b=1": false, "": false,
		"v1": false, "/a b": false, "/é": false,
	} {
		if got := cleanPath(path); got != want {
			t.Errorf("cleanPath(%q) = %v, want %v", path, got, want)
		}
	}
}
