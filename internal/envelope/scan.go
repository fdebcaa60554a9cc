package envelope

import (
	"strings"
	"unicode/utf8"
)

// The scanner checks a JSON text in one pass, accepting exactly what
// json.Valid accepts, and notes where the envelope's members lie, so a
// response is read once and unmarshalled once.

// maxDepth is encoding/json's nesting limit, so both agree on validity.
const maxDepth = 10000

// span is where a value lies in the body, body[start:end], and its kind:
// its first byte ('{', '[', '"', 't', 'f', 'n'), or '0' for any number; 0
// when the member is absent.
type span struct {
	start, end int
	k          byte
}

func newSpan(data []byte, start, end int) span {
	k := data[start]
	if k == '-' || isDigit(k) {
		k = '0'
	}
	return span{start, end, k}
}

func (s span) found() bool { return s.k != 0 }

func (s span) kind() byte { return s.k }

func (s span) bytes(body []byte) []byte { return body[s.start:s.end] }

// spans is what a scan found; the last member of a name wins, as with
// encoding/json.
type spans struct {
	response, topError, topRequestID span // top-level members
	respError, respRequestID         span // members of Response, when it is an object
	code, message                    span // members of an Error object (roleError scans)
}

// role says which member names an object's scan looks for.
type role uint8

const (
	roleNone     role = iota // a value the envelope does not look into
	roleTop                  // the top-level object: Response, Error, RequestId
	roleResponse             // the Response object: Error, RequestId
	roleError                // an Error object: Code, Message
)

type scanner struct {
	data  []byte
	pos   int
	depth int
	eof   bool // the input ended inside a value
	env   spans

	skim    bool // skip the payload's arrays and objects (Skim)
	skimmed skims
}

// document scans the whole input as one JSON text.
func (s *scanner) document() bool {
	s.skipSpace()
	if s.skim && s.pos < len(s.data) && s.data[s.pos] == '[' {
		// A top-level array is all payload.
		if !s.skip() {
			return false
		}
		s.skimmed.whole = true
	} else if !s.value(roleTop) {
		return false
	}
	s.skipSpace()
	return s.pos == len(s.data)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// more reports whether input is left, noting the end otherwise.
func (s *scanner) more() bool {
	if s.pos < len(s.data) {
		return true
	}
	s.eof = true
	return false
}

func (s *scanner) value(r role) bool {
	s.skipSpace()
	if !s.more() {
		return false
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return s.object(r)
	case '[':
		return s.array()
	case '"':
		return s.str()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || isDigit(c) {
			return s.number()
		}
		return false
	}
}

// enter consumes a container's opening bracket and the space after it. It
// reports whether the container is empty (its closer consumed too), and ok
// false past the nesting limit or the end of the input.
func (s *scanner) enter(closer byte) (empty, ok bool) {
	s.pos++
	if s.depth++; s.depth > maxDepth {
		return false, false
	}
	s.skipSpace()
	if !s.more() {
		return false, false
	}
	if s.data[s.pos] == closer {
		s.pos++
		s.depth--
		return true, true
	}
	return false, true
}

func (s *scanner) object(r role) bool {
	if empty, ok := s.enter('}'); empty || !ok {
		return ok
	}
	for {
		if !s.more() {
			return false
		}
		if s.data[s.pos] != '"' {
			return false
		}
		keyStart := s.pos
		if !s.str() {
			return false
		}
		keyEnd := s.pos
		s.skipSpace()
		if !s.more() {
			return false
		}
		if s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		s.skipSpace()
		var slot *span
		child := roleNone
		if r != roleNone {
			slot, child = s.member(r, s.data[keyStart:keyEnd])
		}
		start := s.pos
		// The envelope's members are read; the rest of the top-level and
		// Response objects, and a Response that is not an object, is payload.
		payload := s.skim && child == roleNone && (r == roleResponse && slot == nil ||
			r == roleTop && (slot == nil || slot == &s.env.response))
		if payload {
			if !s.skimValue(r) {
				return false
			}
		} else if !s.value(child) {
			return false
		}
		if slot != nil {
			*slot = newSpan(s.data, start, s.pos)
		}
		s.skipSpace()
		if !s.more() {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.skipSpace()
		case '}':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// member returns where to record the value of the member named by the quoted
// key in an object of role r, and the role to scan that value with.
func (s *scanner) member(r role, key []byte) (*span, role) {
	switch r {
	case roleTop:
		switch {
		case keyIs(key, "response"):
			// A later Response replaces an earlier one, members included.
			s.env.respError, s.env.respRequestID = span{}, span{}
			if s.skimmed.response {
				s.skimmed.stale, s.skimmed.response = true, false
			}
			if s.pos < len(s.data) && s.data[s.pos] == '{' {
				return &s.env.response, roleResponse
			}
			return &s.env.response, roleNone
		case keyIs(key, "error"):
			return &s.env.topError, roleNone
		case keyIs(key, "requestid"):
			return &s.env.topRequestID, roleNone
		}
	case roleResponse:
		switch {
		case keyIs(key, "error"):
			return &s.env.respError, roleNone
		case keyIs(key, "requestid"):
			return &s.env.respRequestID, roleNone
		}
	case roleError:
		switch {
		case keyIs(key, "code"):
			return &s.env.code, roleNone
		case keyIs(key, "message"):
			return &s.env.message, roleNone
		}
	}
	return nil, roleNone
}

// keyIs reports whether the quoted key names the member name (given in lower
// case) the way encoding/json matches a field: equal under bytes.EqualFold
// once unescaped, so "ERROR", "\u0045rror" and "Reſponse" match too.
func keyIs(quoted []byte, name string) bool {
	key := quoted[1 : len(quoted)-1]
	for _, c := range key {
		if c == '\\' || c >= utf8.RuneSelf {
			return strings.EqualFold(unquote(quoted), name)
		}
	}
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

func (s *scanner) array() bool {
	if empty, ok := s.enter(']'); empty || !ok {
		return ok
	}
	for {
		if !s.value(roleNone) {
			return false
		}
		s.skipSpace()
		if !s.more() {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str scans a string literal starting at its opening quote.
func (s *scanner) str() bool {
	data := s.data
	i := s.pos + 1
	for {
		for i < len(data) && data[i] >= 0x20 && data[i] != '"' && data[i] != '\\' {
			i++
		}
		if i >= len(data) {
			s.eof = true
			return false
		}
		switch data[i] {
		case '"':
			s.pos = i + 1
			return true
		case '\\':
			i++
		default: // a control character
			return false
		}
		if i >= len(data) {
			s.eof = true
			return false
		}
		switch data[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			i++
			for range 4 {
				if i >= len(data) {
					s.eof = true
					return false
				}
				if !isHex(data[i]) {
					return false
				}
				i++
			}
		default:
			return false
		}
	}
}

// number scans a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	data := s.data
	i := s.pos
	if data[i] == '-' {
		i++
		if i >= len(data) {
			s.eof = true
			return false
		}
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) {
			s.eof = true
			return false
		}
		if !isDigit(data[i]) {
			return false
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			s.eof = true
			return false
		}
		if !isDigit(data[i]) {
			return false
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	s.pos = i
	return true
}

func (s *scanner) literal(lit string) bool {
	for i := 0; i < len(lit); i++ {
		if s.pos+i >= len(s.data) {
			s.eof = true
			return false
		}
		if s.data[s.pos+i] != lit[i] {
			return false
		}
	}
	s.pos += len(lit)
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
