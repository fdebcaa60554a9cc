package envelope

import "bytes"

// LikelyResult returns the part of body that Result is likely to return
// when body is a success, found without reading the body through: the
// value of a first top-level member named exactly "Response" when that
// value is an object and the body ends right after it. It returns nil when
// body does not begin and end that way. It is a guess: only a scan tells
// whether the guess is the Result, so a caller may start decoding the guess
// while a scan of the same body runs, and keep the decoded value only when
// Result turns out to be the same bytes (see Same).
func LikelyResult(body []byte) []byte {
	const name = `"Response"`
	i := skipSpaceFrom(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil
	}
	i = skipSpaceFrom(body, i+1)
	if len(body)-i < len(name) || string(body[i:i+len(name)]) != name {
		return nil
	}
	i = skipSpaceFrom(body, i+len(name))
	if i >= len(body) || body[i] != ':' {
		return nil
	}
	start := skipSpaceFrom(body, i+1)
	end := len(trimRightSpace(body)) - 1 // the top-level object's closing brace
	if start >= end || body[start] != '{' || body[end] != '}' {
		return nil
	}
	end = len(trimRightSpace(body[:end]))
	if end <= start+1 || body[end-1] != '}' {
		return nil
	}
	return body[start:end]
}

// Same reports whether a and b are the same bytes of one body: the same
// start and the same length. Two empty slices are never the same.
func Same(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

// trimRightSpace cuts JSON white space from the end of b.
func trimRightSpace(b []byte) []byte { return bytes.TrimRight(b, " \t\r\n") }

// skipSpaceFrom returns the index of the first byte of b at or after i
// that is not JSON white space, or len(b).
func skipSpaceFrom(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
