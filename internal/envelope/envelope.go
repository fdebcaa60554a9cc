// Package envelope reads the platform's JSON envelope: whether a body is
// JSON at all, what its Error member reports, its request id, and the part
// that goes into the caller's value. It scans each body once, accepting
// exactly what encoding/json accepts and matching member names as
// encoding/json matches struct fields (case-insensitively, the last
// duplicate winning), and reads strings as encoding/json does, so the
// client gets encoding/json's answers without unmarshalling the body twice.
// Skim leaves the payload that goes to json.Unmarshal to it to check, so a
// large body is not checked twice either.
package envelope

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// MaxSnippet bounds the JSON text kept of a value that is not a string or a
// number where text is wanted (a Message sent as an object), in bytes.
const MaxSnippet = 256

// Envelope is what one scan of a body found.
type Envelope struct {
	// JSON reports whether the body is one JSON text, as json.Valid does.
	JSON bool
	// Truncated reports that the body is not JSON because it ended inside a
	// value.
	Truncated bool
	// Unchecked reports that Skim skipped part of the Result unchecked:
	// the body is then JSON if and only if Result is.
	Unchecked bool

	body  []byte
	spans spans
}

// Scan reads body once.
func Scan(body []byte) Envelope {
	s := scanner{data: body}
	ok := s.document()
	return Envelope{JSON: ok, Truncated: !ok && s.eof, body: body, spans: s.env}
}

// Failure is what an Error member reports.
type Failure struct {
	// Code is Error.Code, a JSON number or a numeric string with an integral
	// value that fits an int32 (20005, "20005", 2.0005e4).
	Code int
	// RawCode is the code as sent when it is not such a number
	// ("InvalidParameter", 1e40, true), else "".
	RawCode string
	// NoCode reports that the code was absent, null or "" (Code and RawCode
	// are then zero).
	NoCode bool
	// Message is Error.Message: a string, a number's text, or the JSON
	// text (cut to MaxSnippet) of another kind of value.
	Message string
	// RequestID is the RequestId beside the Error member, else the one at
	// the other level, else "".
	RequestID string
}

// Failure returns what the body's Error member reports: the one inside the
// top-level Response object first, then a top-level one. It reports false
// when the body is not JSON or neither reports a failure: no Error, null,
// an empty string, code 0 (0, "0", 0.0), an object with neither code nor
// message, or a value of another kind (number, bool, array).
func (e *Envelope) Failure() (Failure, bool) {
	if !e.JSON {
		return Failure{}, false
	}
	sp := &e.spans
	sides := [2]struct{ err, id, other span }{
		{sp.respError, sp.respRequestID, sp.topRequestID},
		{sp.topError, sp.topRequestID, sp.respRequestID},
	}
	for _, side := range sides {
		if !side.err.found() {
			continue
		}
		f, ok := readError(e.body, side.err)
		if !ok {
			continue
		}
		f.RequestID = stringValue(e.body, side.id)
		if f.RequestID == "" {
			f.RequestID = stringValue(e.body, side.other)
		}
		return f, true
	}
	return Failure{}, false
}

// RequestID returns the body's request id: Response.RequestId, else the
// top-level RequestId, else "". A number is taken as its text; other kinds
// are ignored.
func (e *Envelope) RequestID() string {
	if !e.JSON {
		return ""
	}
	if id := stringValue(e.body, e.spans.respRequestID); id != "" {
		return id
	}
	return stringValue(e.body, e.spans.topRequestID)
}

// Result returns the part of a JSON body that goes into the caller's value:
// the top-level Response member when it is an object, else the whole body
// without surrounding white space. It returns nil when the body is not
// JSON.
func (e *Envelope) Result() []byte {
	if !e.JSON {
		return nil
	}
	if r := e.spans.response; r.kind() == '{' {
		return r.bytes(e.body)
	}
	return TrimSpace(e.body)
}

// readError reads the Error member at sp. It reports false when the member
// reports no failure.
func readError(body []byte, sp span) (Failure, bool) {
	switch sp.kind() {
	case '"':
		msg := stringValue(body, sp)
		if strings.TrimSpace(msg) == "" {
			return Failure{}, false
		}
		return Failure{Message: msg, NoCode: true}, true
	case '{':
	default:
		return Failure{}, false
	}
	s := scanner{data: body[:sp.end], pos: sp.start}
	if !s.value(roleError) {
		return Failure{}, false // cannot happen: the span is valid JSON
	}
	f := Failure{Message: textValue(body, s.env.message)}
	code := s.env.code
	switch code.kind() {
	case 0, 'n':
		f.NoCode = true
	case '"':
		text := strings.TrimSpace(stringValue(body, code))
		if text == "" {
			f.NoCode = true
			break
		}
		f.Code, f.RawCode = parseCode(text)
	case '0':
		f.Code, f.RawCode = parseCode(string(code.bytes(body)))
	default: // true, false, an object or an array: kept as sent
		f.RawCode = Snippet(code.bytes(body), MaxSnippet)
	}
	switch {
	case f.NoCode:
		return f, f.Message != ""
	case f.Code == 0 && f.RawCode == "":
		return Failure{}, false // code 0: success
	}
	return f, true
}

// parseCode reads a code given as text. A JSON number with an integral value
// that fits an int32 is a code (20005, 2.0005e4); anything else is kept as
// the raw code, so "InvalidParameter" or an out-of-range 1e40 is not lost.
func parseCode(text string) (int, string) {
	s := scanner{data: []byte(text)}
	if !s.number() || s.pos != len(text) {
		return 0, text
	}
	if n, err := strconv.ParseInt(text, 10, 32); err == nil {
		return int(n), ""
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, text
	}
	return int(int32(f)), ""
}

// TrimSpace cuts JSON white space from both ends of b.
func TrimSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
