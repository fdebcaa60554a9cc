package envelope

import (
	"encoding/binary"
	"math/bits"
)

// Skim reads body as Scan does, except that the arrays and objects of the
// payload inside the Result, which the caller hands to encoding/json, are
// skipped by matching brackets rather than checked: json.Unmarshal checks
// them anyway, so a large body is validated once instead of twice.
//
// Everything else is checked as Scan checks it: the envelope's own members
// (Error, RequestId) and their values, the member names and punctuation of
// the objects Result is found in, numbers and literals, and whatever lies
// outside the Result. When Skim skipped something, Unchecked is set; then
// JSON reports that the body is JSON if and only if Result is, and Result
// is an object or an array. When Skim cannot tell (the body is not JSON, or
// what it skipped is not all inside the Result) it returns what Scan
// returns, with Unchecked false.
func Skim(body []byte) Envelope {
	s := scanner{data: body, skim: true}
	if !s.document() {
		return Scan(body)
	}
	sk := &s.skimmed
	unchecked := sk.whole || sk.top > 0 || sk.response || sk.stale
	if s.env.response.kind() == '{' {
		// The Result is the Response object: what was skipped in an
		// earlier Response, or beside it at the top level, is not part of
		// it and must be checked here.
		if sk.stale || sk.top > len(sk.topSpans) || !s.checkTop() {
			return Scan(body)
		}
		unchecked = sk.response
	}
	return Envelope{JSON: true, Unchecked: unchecked, body: body, spans: s.env}
}

// skims is what a Skim left unchecked.
type skims struct {
	whole    bool    // the top-level value itself
	top      int     // values of top-level members
	topSpans [4]span // the first of them
	response bool    // values of members of the latest Response object
	stale    bool    // values of members of an earlier Response object
}

// skimValue skips the value of a member that belongs to the payload when it
// is an array or an object, and scans it otherwise. r is the role of the
// object the member is in.
func (s *scanner) skimValue(r role) bool {
	if s.pos >= len(s.data) || s.data[s.pos] != '{' && s.data[s.pos] != '[' {
		return s.value(roleNone)
	}
	start := s.pos
	if !s.skip() {
		return false
	}
	sk := &s.skimmed
	switch r {
	case roleTop:
		if sk.top < len(sk.topSpans) {
			sk.topSpans[sk.top] = span{start: start, end: s.pos, k: s.data[start]}
		}
		sk.top++
	case roleResponse:
		sk.response = true
	}
	return true
}

// checkTop checks the top-level values a Skim skipped, each where it lies
// in the top-level object.
func (s *scanner) checkTop() bool {
	for _, sp := range s.skimmed.topSpans[:min(s.skimmed.top, len(s.skimmed.topSpans))] {
		c := scanner{data: s.data, pos: sp.start, depth: 1}
		if !c.value(roleNone) || c.pos != sp.end {
			return false
		}
	}
	return true
}

// skip moves past the array or object at s.pos by matching its brackets
// outside strings, checking nothing else. It reports false when the input
// ends first or the nesting passes maxDepth.
//
// It reads the input eight bytes at a time. A word without a backslash (the
// usual case) has its strings and brackets found by bit arithmetic; only a
// word that may end the skip or go too deep has its brackets counted one by
// one, and only a word with a backslash is read byte by byte.
func (s *scanner) skip() bool {
	data := s.data
	base, depth := s.depth, s.depth
	var carry uint64 // highs when the next byte is inside a string, else 0
	i := s.pos
	for i+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[i:])
		if hasZero(w ^ (ones * '\\')) {
			st := skipState{depth: depth, base: base, inStr: carry != 0}
			next, verdict := st.bytes(data, i, i+8)
			if verdict != 0 {
				return s.skipped(next, verdict)
			}
			i, depth, carry = next, st.depth, 0
			if st.inStr {
				carry = highs
			}
			continue
		}
		// The high bit of byte k of inside is set when byte k is inside a
		// string: the quotes up to it, and the state the word began in,
		// have odd parity.
		inside := zeroBytes(w ^ (ones * '"'))
		inside ^= inside << 8
		inside ^= inside << 16
		inside ^= inside << 32
		inside ^= carry
		carry = uint64(int64(inside)>>63) & highs
		// Or-ing in 0x26 takes the four brackets to 0x7f, and no other byte
		// that valid JSON has outside strings; nor can a byte that
		// zeroBytesAfter marks beside a bracket follow one there. Bit 1
		// tells an opening bracket from a closing one.
		brackets := zeroBytesAfter(w|ones*0x26^ones*0x7f) &^ inside
		if brackets == 0 {
			i += 8
			continue
		}
		open := brackets & (w << 6)
		no := bits.OnesCount64(open)
		nc := bits.OnesCount64(brackets) - no
		if nc < depth-base && no <= maxDepth-depth {
			// The word neither ends the skip nor goes too deep.
			depth += no - nc
			i += 8
			continue
		}
		st := skipState{depth: depth, base: base}
		for ; brackets != 0; brackets &= brackets - 1 {
			bit := brackets & -brackets
			k := bits.TrailingZeros64(bit) / 8
			if verdict := st.bracket(bit&open != 0); verdict != 0 {
				return s.skipped(i+k+1, verdict)
			}
		}
		depth = st.depth
		i += 8
	}
	st := skipState{depth: depth, base: base, inStr: carry != 0}
	next, verdict := st.bytes(data, i, len(data))
	return s.skipped(next, verdict)
}

// skipped ends a skip with the verdict of skipState.bytes at next.
func (s *scanner) skipped(next, verdict int) bool {
	if verdict <= 0 {
		return false
	}
	s.pos = next
	return true
}

// skipState is where a skip is: its nesting depth, the depth it ends at,
// and whether it is inside a string, right after a backslash there.
type skipState struct {
	depth, base    int
	inStr, escaped bool
}

// bytes steps through data from i a byte at a time, up to end and on while
// a backslash's escape is open. It returns where it stopped and a verdict:
// 1 when the skip ended there, past its closing bracket; -1 when it went
// too deep; 0 when it has not ended.
func (st *skipState) bytes(data []byte, i, end int) (int, int) {
	for ; i < len(data) && (i < end || st.escaped); i++ {
		c := data[i]
		switch {
		case st.escaped:
			st.escaped = false
		case st.inStr:
			st.escaped = c == '\\'
			st.inStr = c != '"'
		case c == '"':
			st.inStr = true
		case c == '{' || c == '[' || c == '}' || c == ']':
			if verdict := st.bracket(c == '{' || c == '['); verdict != 0 {
				return i + 1, verdict
			}
		}
	}
	return i, 0
}

// bracket counts an opening or closing bracket outside strings, returning a
// verdict as bytes does.
func (st *skipState) bracket(opening bool) int {
	if opening {
		if st.depth++; st.depth > maxDepth {
			return -1
		}
		return 0
	}
	if st.depth--; st.depth == st.base {
		return 1
	}
	return 0
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasZero reports whether a byte of v is zero.
func hasZero(v uint64) bool { return (v-ones)&^v&highs != 0 }

// zeroBytesAfter is zeroBytes that may also mark a byte 0x01 that follows a
// marked byte (a higher one).
func zeroBytesAfter(v uint64) uint64 { return (v - ones) &^ v & highs }

// zeroBytes returns v with the high bit of each byte set when that byte of v
// is zero, and every other bit clear.
func zeroBytes(v uint64) uint64 {
	const lows = ones * 0x7f
	return ^((v&lows + lows) | v | lows)
}
