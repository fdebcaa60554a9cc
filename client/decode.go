package client

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// maxSnippet bounds APIError.Body and DecodeError.Snippet, in bytes.
const maxSnippet = 256

// The reasons a DecodeError gives.
const (
	reasonNotJSON    = "not JSON"
	reasonTruncated  = "truncated JSON"
	reasonHTML       = "HTML page"
	reasonMismatch   = "does not fit the result type"
	reasonBadPointer = "result must be a non-nil pointer"
)

// DecodeResponse turns one HTTP response into the caller's value or a typed
// error. It is pure: it reads its arguments and nothing else, and never
// panics, whatever the input (nil header, nil body, any out).
//
// The body is JSON when it parses as JSON; Content-Type is not consulted.
// Member names (Response, Error, RequestId, Code, Message) are matched the
// way encoding/json matches struct fields, case-insensitively, so "error"
// is an Error member too; when a name repeats, the last member wins.
//
// Failure. The body has an Error member, inside the top-level Response
// object or at the top level (Response's wins when both report a failure).
// That is an [*apierrors.APIError] whatever the HTTP status, 200 included.
// Its Code is Error.Code, a JSON number or a numeric string ("20005"); a
// code that is not a number ("InvalidParameter") is kept in RawCode with
// Code 0. A code of 0 ("0", 0.0), "Error": null and an empty Error object
// mean no error. An Error that has a Message but no code (absent, null or
// "") is still a failure: its Code is the HTTP status when that is not 2xx,
// else 0 with an empty RawCode. An Error that is a non-empty string is read
// as such a message; one of another kind (number, bool, array) is not an
// error report and is ignored. The request id is the RequestId beside Error, else the
// one at the other level, else the X-Request-Id header.
//
// HTTP-level failure. Any status outside 200–299 without an Error member
// (empty body, a gateway's HTML page, plain text, JSON without Error) is an
// *APIError whose Code is the status (400…504 are in the catalog; 418, 599,
// and 1xx/3xx statuses, which the client does not follow, get it too), with
// HTTPStatus set and Body holding the first 256 bytes of the body, cut on a
// rune boundary. The request id comes from a JSON body (Response.RequestId,
// then top-level RequestId) when it has one, else from X-Request-Id.
//
// Success. A 2xx status without failure. If the top level is an object whose
// Response member is an object, out receives that object; otherwise it
// receives the whole body. An empty body (or only whitespace, as with 204)
// or a body of null leaves out untouched. A nil out only checks for errors;
// out may be a *json.RawMessage.
//
// Malformed success body. A 2xx body that is not JSON, is truncated, is an
// HTML page, or is JSON that does not fit out, is an [*apierrors.DecodeError]
// whose Reason says which, with the body's length, a snippet of at most 256
// bytes and the JSON error in Err; so is an out that is not a non-nil
// pointer. This holds when out is nil too: a 2xx body that is not JSON may be
// a captive portal or proxy page, not the platform's answer.
//
// out is written only when DecodeResponse returns nil: the result is decoded
// into a fresh value of out's type and stored in *out once it fitted, so a
// failed call never leaves out half-written. Hence *out is replaced, not
// merged into as json.Unmarshal would: fields the body lacks end up zero.
//
// Attempts, Method, Path and RetryAfter of the returned errors are left
// empty; the client fills them in.
func DecodeResponse(status int, header http.Header, body []byte, out any) error {
	trimmed := trimSpace(body)
	var (
		env    envelope
		isJSON bool
		eof    bool
	)
	if len(trimmed) > 0 {
		s := scanner{data: body}
		isJSON = s.document()
		eof = s.eof
		env = s.env
	}
	if isJSON {
		if ae := env.failure(body, status); ae != nil {
			if ae.RequestID == "" {
				ae.RequestID = header.Get("X-Request-Id")
			}
			return ae
		}
	}
	if status < 200 || status > 299 {
		ae := &apierrors.APIError{
			Code:       apierrors.Code(status),
			HTTPStatus: status,
			Body:       snippet(trimmed),
		}
		if isJSON {
			ae.RequestID = env.requestID(body)
		}
		if ae.RequestID == "" {
			ae.RequestID = header.Get("X-Request-Id")
		}
		return ae
	}

	if !isJSON {
		if len(trimmed) == 0 {
			if out != nil && !isPointer(out) {
				return badPointer(status, header, body, out)
			}
			return nil
		}
		reason := reasonNotJSON
		switch {
		case trimmed[0] == '<':
			reason = reasonHTML
		case eof:
			reason = reasonTruncated
		}
		var raw json.RawMessage
		err := json.Unmarshal(body, &raw)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return newDecodeError(status, header, "", body, reason, err)
	}

	if out == nil {
		return nil
	}
	result := trimmed
	if r := env.response; r.kind() == '{' {
		result = r.bytes(body)
	}
	if result[0] == 'n' { // null
		if !isPointer(out) {
			return badPointer(status, header, body, out)
		}
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok && raw != nil {
		*raw = append(json.RawMessage(nil), result...)
		return nil
	}
	dst := reflect.ValueOf(out)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return badPointer(status, header, body, out)
	}
	fresh := reflect.New(dst.Type().Elem())
	if err := json.Unmarshal(result, fresh.Interface()); err != nil {
		return newDecodeError(status, header, env.requestID(body), body, reasonMismatch, err)
	}
	dst.Elem().Set(fresh.Elem())
	return nil
}

func isPointer(out any) bool {
	v := reflect.ValueOf(out)
	return v.Kind() == reflect.Pointer && !v.IsNil()
}

func badPointer(status int, header http.Header, body []byte, out any) error {
	return newDecodeError(status, header, "", body, reasonBadPointer,
		&json.InvalidUnmarshalError{Type: reflect.TypeOf(out)})
}

func newDecodeError(status int, header http.Header, requestID string, body []byte, reason string, err error) *apierrors.DecodeError {
	if requestID == "" {
		requestID = header.Get("X-Request-Id")
	}
	return &apierrors.DecodeError{
		HTTPStatus: status,
		RequestID:  requestID,
		Reason:     reason,
		BodyLen:    len(body),
		Snippet:    snippet(trimSpace(body)),
		Err:        err,
	}
}

// snippet returns the start of b, at most maxSnippet bytes, cut before a
// rune that would not fit whole.
func snippet(b []byte) string {
	if len(b) <= maxSnippet {
		return string(b)
	}
	n := maxSnippet
	for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(b[n]); i++ {
		n--
	}
	return string(b[:n])
}

// trimSpace cuts JSON whitespace from both ends of b.
func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// failure returns the APIError the body reports, or nil when it reports none.
// The RequestID is left empty when the body has none.
func (e *envelope) failure(body []byte, status int) *apierrors.APIError {
	// The Tencent-style envelope's Error first, then a flat one.
	sides := [2]struct{ err, id, other span }{
		{e.respError, e.respRequestID, e.topRequestID},
		{e.topError, e.topRequestID, e.respRequestID},
	}
	for _, side := range sides {
		if !side.err.found() {
			continue
		}
		rep, ok := readError(body, side.err)
		if !ok {
			continue
		}
		ae := &apierrors.APIError{
			Code:       rep.code,
			RawCode:    rep.raw,
			Message:    rep.message,
			HTTPStatus: status,
		}
		if rep.noCode && (status < 200 || status > 299) {
			ae.Code = apierrors.Code(status)
		}
		ae.RequestID = stringValue(body, side.id)
		if ae.RequestID == "" {
			ae.RequestID = stringValue(body, side.other)
		}
		return ae
	}
	return nil
}

// requestID returns the body's request id: Response.RequestId, else the
// top-level RequestId, else "".
func (e *envelope) requestID(body []byte) string {
	if id := stringValue(body, e.respRequestID); id != "" {
		return id
	}
	return stringValue(body, e.topRequestID)
}

// errorReport is what an Error member says.
type errorReport struct {
	code    apierrors.Code
	raw     string // the code as sent, when it is not a number
	message string
	noCode  bool // the code was absent, null or ""
}

// readError reads the Error member at sp. It reports false when the member
// reports no failure: null, an empty string, code 0, an object with neither
// code nor message, or a value of another kind (number, bool, array), which
// is not an error report.
func readError(body []byte, sp span) (errorReport, bool) {
	switch sp.kind() {
	case '"':
		msg := stringValue(body, sp)
		if strings.TrimSpace(msg) == "" {
			return errorReport{}, false
		}
		return errorReport{message: msg, noCode: true}, true
	case '{':
	default:
		return errorReport{}, false
	}
	s := scanner{data: body[:sp.end], pos: sp.start}
	if !s.value(roleError) {
		return errorReport{}, false // cannot happen: the span is valid JSON
	}
	rep := errorReport{message: textValue(body, s.env.message)}
	code := s.env.code
	switch code.kind() {
	case 0, 'n':
		rep.noCode = true
	case '"':
		text := strings.TrimSpace(stringValue(body, code))
		if text == "" {
			rep.noCode = true
			break
		}
		rep.code, rep.raw = parseCode(text)
	case '0':
		rep.code, rep.raw = parseCode(string(code.bytes(body)))
	default: // true, false, an object or an array: kept as sent
		rep.raw = snippet(code.bytes(body))
	}
	switch {
	case rep.noCode:
		return rep, rep.message != ""
	case rep.code == 0 && rep.raw == "":
		return errorReport{}, false // code 0: success
	}
	return rep, true
}

// parseCode reads a code given as text. A JSON number with an integral value
// that fits an int32 is a code (20005, 2.0005e4); anything else is kept as
// the raw code, so "InvalidParameter" or an out-of-range 1e40 is not lost.
func parseCode(text string) (apierrors.Code, string) {
	s := scanner{data: []byte(text)}
	if !s.number() || s.pos != len(text) {
		return 0, text
	}
	if n, err := strconv.ParseInt(text, 10, 32); err == nil {
		return apierrors.Code(n), ""
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, text
	}
	return apierrors.Code(int32(f)), ""
}

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
// text (cut to maxSnippet), so a message sent as an object is not lost.
func textValue(body []byte, sp span) string {
	switch sp.kind() {
	case 0, 'n':
		return ""
	case '"', '0':
		return stringValue(body, sp)
	}
	return snippet(sp.bytes(body))
}

// unquote returns the string of a valid JSON string literal q.
func unquote(q []byte) string {
	inner := q[1 : len(q)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(q, &s) != nil {
				return string(inner)
			}
			return s
		}
	}
	return string(inner)
}

// The scanner below is a strict JSON validator (it accepts exactly what
// json.Valid accepts) that, in the same single pass, notes where the
// envelope's members are. DecodeResponse scans each body once with it and
// then hands json.Unmarshal only the part that goes into out, so a success
// costs one scan plus the decode the caller would have paid anyway, instead
// of decoding the body twice.
