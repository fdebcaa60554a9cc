package envelope

import (
	"encoding/json"
	"unicode/utf8"
)

// stringValue returns the string at sp, or the text of a number; "" for
// other kinds or when sp is not found.
func stringValue(body []byte, sp span) string {
	switch sp.kind() {
	case '"':
		return unquote(body[sp.start:sp.end])
	case '0':
		return string(body[sp.start:sp.end])
	}
	return ""
}

// textValue is stringValue that keeps any other non-null value as its JSON
// text (cut to MaxSnippet), so a message sent as an object is not lost.
func textValue(body []byte, sp span) string {
	switch sp.kind() {
	case 0, 'n':
		return ""
	case '"', '0':
		return stringValue(body, sp)
	}
	return Snippet(sp.bytes(body), MaxSnippet)
}

// unquote returns the string of a valid JSON string literal q as
// encoding/json reads it: escapes resolved, and every byte that is not
// part of valid UTF-8 (and every lone surrogate escape) replaced by U+FFFD.
// A plain ASCII or valid UTF-8 literal without escapes, the usual case, is
// converted without encoding/json.
func unquote(q []byte) string {
	inner := q[1 : len(q)-1]
	high := false
	for _, c := range inner {
		if c == '\\' {
			return unquoteSlow(q, inner)
		}
		high = high || c >= utf8.RuneSelf
	}
	if high && !utf8.Valid(inner) {
		return unquoteSlow(q, inner)
	}
	return string(inner)
}

func unquoteSlow(q, inner []byte) string {
	var s string
	if json.Unmarshal(q, &s) != nil {
		return string(inner) // cannot happen: q is a valid literal
	}
	return s
}

// Snippet returns the start of b, at most max bytes, cut before a rune that
// would not fit whole.
func Snippet(b []byte, max int) string {
	if len(b) <= max {
		return string(b)
	}
	n := max
	for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(b[n]); i++ {
		n--
	}
	return string(b[:n])
}
