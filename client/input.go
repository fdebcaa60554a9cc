package client

import (
	"net/url"
	"reflect"
	"strings"
)

// The checks below catch caller mistakes before anything is sent: net/http
// would refuse most of them only after the SDK had counted an attempt, and
// its error would quote the raw control bytes.

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), as a method
// or a header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hasControl reports whether s holds a control character; a horizontal tab
// counts when tabOK is false.
func hasControl(s string, tabOK bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && !(tabOK && c == '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// checkHeader checks a header a caller asked to send.
func checkHeader(field, name, value string) error {
	if !isToken(name) {
		return &InputError{Field: field, Reason: "header name is not an HTTP token"}
	}
	if hasControl(value, true) {
		return &InputError{Field: field, Reason: "header " + name + " has a control character in its value"}
	}
	return nil
}

// checkPath checks a call's path: one leading slash, no white space or
// control character, well-formed %-escapes, and no ".." that climbs above
// the base URL's path, which would send the session to a route outside the
// API it was issued for. The dot segments are looked for in the path as a
// server or proxy sees it once it has decoded %-escapes ("..%2f" is "../")
// and taken "\" for "/" (as some do), and in a second decoding.
func checkPath(path string) error {
	if cleanPath(path) {
		return nil
	}
	return checkEscapedPath(path)
}

// cleanPath reports whether path passes checkPath without being decoded:
// one leading slash, then only letters, digits, "-", "_", "~", "." and
// "/", with no segment made of dots alone. Most paths are.
func cleanPath(path string) bool {
	if path == "" || path[0] != '/' || len(path) > 1 && path[1] == '/' {
		return false
	}
	dots, n := 0, 0 // of the segment so far: its dots, its bytes
	for i := 1; i < len(path); i++ {
		switch c := path[i]; {
		case c == '/':
			if n > 0 && dots == n {
				return false
			}
			dots, n = 0, 0
			continue
		case c == '.':
			dots++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '~':
		default:
			return false
		}
		n++
	}
	return n == 0 || dots != n
}

// checkEscapedPath is checkPath for any path.
func checkEscapedPath(path string) error {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return &InputError{Field: "path", Reason: "must start with a single /"}
	}
	if hasControl(path, false) || strings.ContainsRune(path, ' ') {
		return &InputError{Field: "path", Reason: "must not contain white space or control characters"}
	}
	decoded, err := url.PathUnescape(stripQuery(path))
	if err != nil {
		return &InputError{Field: "path", Reason: "has a malformed %-escape"}
	}
	depth := 0
	for rest := decoded; rest != ""; {
		// The segments between slashes (either kind), empty ones skipped.
		i := strings.IndexAny(rest, "/\\")
		if i < 0 {
			i = len(rest)
		}
		seg := rest[:i]
		rest = rest[min(i+1, len(rest)):]
		switch {
		case seg == "":
		case isDot(seg, 1):
		case isDot(seg, 2):
			if depth--; depth < 0 {
				return &InputError{Field: "path", Reason: "its .. leaves the base URL's path"}
			}
		default:
			depth++
		}
	}
	return nil
}

// isDot reports whether seg is n dots, each written "." or "%2e" in either
// case.
func isDot(seg string, n int) bool {
	for ; n > 0; n-- {
		switch {
		case strings.HasPrefix(seg, "."):
			seg = seg[1:]
		case len(seg) >= 3 && strings.EqualFold(seg[:3], "%2e"):
			seg = seg[3:]
		default:
			return false
		}
	}
	return seg == ""
}

// checkOut checks the value a call decodes its result into: nil (discard
// it) or a non-nil pointer.
func checkOut(out any) error {
	if out == nil {
		return nil
	}
	if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
		return &InputError{Field: "out", Reason: "must be a non-nil pointer, or nil to discard the result"}
	}
	return nil
}
