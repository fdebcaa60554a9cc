package envelope

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

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

// Plain returns LikelyResult(body) for a body that can hold no Error member
// anywhere: one without a backslash (a member name written with escapes)
// and without the letters "error" in any case (no other letters fold into
// them as encoding/json matches names). For such a body the guess is sure
// once it is known to be JSON: when the likely result is one JSON value,
// body is the success whose Result it is, the Response object being the
// only top-level member. Plain returns nil for any other body, and for one
// of 2×maxDepth bytes or more: such a result may nest as deep as JSON
// allows, the body one level deeper than that.
func Plain(body []byte) []byte {
	if len(body) >= 2*maxDepth {
		return nil
	}
	result := LikelyResult(body)
	if result == nil || mayNameError(body) {
		return nil
	}
	return result
}

// mayNameError reports whether b has a backslash or the letters "error" in
// any case. It reads b eight bytes at a time, and looks closer only where
// a byte is an r.
func mayNameError(b []byte) bool {
	const lower = ones * 0x20 // or-ed in, takes A–Z to a–z; only R and r become r
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if hasZero(w ^ ones*'\\') {
			return true
		}
		for rs := zeroBytes(w | lower ^ ones*'r'); rs != 0; rs &= rs - 1 {
			if spellsError(b, i+bits.TrailingZeros64(rs)/8) {
				return true
			}
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '\\' || spellsError(b, i) {
			return true
		}
	}
	return false
}

// spellsError reports whether b[i] is the first r of "error" in any case.
func spellsError(b []byte, i int) bool {
	if i < 1 || i+4 > len(b) {
		return false
	}
	w := b[i-1 : i+4]
	return w[0]|0x20 == 'e' && w[1]|0x20 == 'r' && w[2]|0x20 == 'r' && w[3]|0x20 == 'o' && w[4]|0x20 == 'r'
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
