package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/envelope"
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
	return decode(status, header, body, out, fastest)
}

// decoding is how decode reads a body. The tests hold every way to the
// same answers.
type decoding struct {
	// skim leaves the payload that goes to json.Unmarshal to it to check;
	// without it every body is checked whole before it is read.
	skim bool
	// plain decodes a small success that can hold no Error member
	// (envelope.Plain) without a scan.
	plain bool
	// aheadMin, when not 0, is the smallest body whose likely result is
	// decoded while the body is scanned (decodeahead.go).
	aheadMin int
}

// fastest is how DecodeResponse reads a body.
var fastest = decoding{skim: true, plain: true, aheadMin: aheadMin}

// decode is DecodeResponse, reading the body the way how says. A plain
// success is decoded before the full reading's frame, which holds a whole
// envelope, is on the stack.
func decode(status int, header http.Header, body []byte, out any, how decoding) error {
	var tried *ahead
	if how.plain && status >= 200 && status <= 299 {
		var ok bool
		if tried, ok = decodePlain(body, out); ok {
			return nil
		}
	}
	return decodeAny(status, header, body, out, how, tried)
}

// decodeAny is decode for any body. tried, when not nil, is the result
// decodePlain unmarshalled and failed on: its error is the answer if the
// full reading finds the same result, so no UnmarshalJSON of out's runs
// twice.
func decodeAny(status int, header http.Header, body []byte, out any, how decoding, tried *ahead) error {
	trimmed := envelope.TrimSpace(body)
	var (
		env   envelope.Envelope
		early = tried
	)
	switch {
	case len(trimmed) == 0:
	case tried != nil:
		env = scan(status, body, out, how.skim)
	default:
		env, early = scanAhead(status, body, out, how)
	}
	if f, ok := env.Failure(); ok {
		ae := &apierrors.APIError{
			Code:       apierrors.Code(f.Code),
			RawCode:    f.RawCode,
			Message:    f.Message,
			HTTPStatus: status,
			Call:       apierrors.Call{RequestID: f.RequestID},
		}
		if f.NoCode && (status < 200 || status > 299) {
			ae.Code = apierrors.Code(status)
		}
		if ae.RequestID == "" {
			ae.RequestID = header.Get("X-Request-Id")
		}
		return ae
	}
	if status < 200 || status > 299 {
		ae := &apierrors.APIError{
			Code:       apierrors.Code(status),
			HTTPStatus: status,
			Body:       snippet(trimmed),
			Call:       apierrors.Call{RequestID: env.RequestID()},
		}
		if ae.RequestID == "" {
			ae.RequestID = header.Get("X-Request-Id")
		}
		return ae
	}

	if !env.JSON {
		if len(trimmed) == 0 {
			if out != nil && !isPointer(out) {
				return badPointer(status, header, body, out)
			}
			return nil
		}
		return malformed(status, header, body, trimmed, env)
	}

	if out == nil {
		return nil
	}
	result := env.Result()
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
	fresh, err := early.unmarshal(result, dst.Type().Elem())
	if err != nil {
		if env.Unchecked {
			// The payload was skimmed, left to json.Unmarshal to check: a
			// body that is not JSON after all gets the answer a check
			// gives. Any error calls for the check, not only a
			// *json.SyntaxError: that encoding/json checks syntax before it
			// decodes is how it works today, not what it promises.
			if checked := envelope.Scan(body); !checked.JSON {
				return malformed(status, header, body, trimmed, checked)
			}
		}
		return newDecodeError(status, header, env.RequestID(), body, reasonMismatch, err)
	}
	dst.Elem().Set(fresh.Elem())
	return nil
}

// decodePlain decodes a success that envelope.Plain reads into out and
// reports whether it did. It leaves out untouched and reports false when
// body is not such a success, or its result does not unmarshal into out:
// the full reading then gives the answer, with what was tried (nil when
// nothing was).
func decodePlain(body []byte, out any) (tried *ahead, ok bool) {
	if !unmarshalsInto(out) {
		return nil, false
	}
	result := envelope.Plain(body)
	if result == nil {
		return nil, false
	}
	dst := reflect.ValueOf(out).Elem()
	fresh := reflect.New(dst.Type())
	if err := json.Unmarshal(result, fresh.Interface()); err != nil {
		return &ahead{span: result, fresh: fresh, err: err}, false
	}
	dst.Set(fresh.Elem())
	return nil, true
}

// malformed is the DecodeError of a 2xx body that is not empty and not
// JSON; env is its checked scan.
func malformed(status int, header http.Header, body, trimmed []byte, env envelope.Envelope) error {
	reason := reasonNotJSON
	switch {
	case trimmed[0] == '<':
		reason = reasonHTML
	case env.Truncated:
		reason = reasonTruncated
	}
	var raw json.RawMessage
	err := json.Unmarshal(body, &raw)
	if err == nil {
		err = errors.New("invalid JSON")
	}
	return newDecodeError(status, header, "", body, reason, err)
}

// scan reads the envelope of a body that is not empty. A payload that goes
// to json.Unmarshal, which checks it anyway, is skimmed rather than
// checked, so a large body is checked once; what goes nowhere else (a
// failure, an HTTP-level error, a result for a nil out or a
// *json.RawMessage) is checked here.
func scan(status int, body []byte, out any, skim bool) envelope.Envelope {
	if !skim || status < 200 || status > 299 || !unmarshalsInto(out) {
		return envelope.Scan(body)
	}
	env := envelope.Skim(body)
	if env.Unchecked {
		if _, failed := env.Failure(); failed {
			return envelope.Scan(body)
		}
	}
	return env
}

// unmarshalsInto reports whether the result of a success would go to
// json.Unmarshal: out is a non-nil pointer other than a *json.RawMessage.
func unmarshalsInto(out any) bool {
	if _, raw := out.(*json.RawMessage); raw {
		return false
	}
	return isPointer(out)
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
		Reason:     reason,
		BodyLen:    len(body),
		Snippet:    snippet(trimSpace(body)),
		Err:        err,
		Call:       apierrors.Call{RequestID: requestID},
	}
}

// snippet returns the start of b, at most maxSnippet bytes, cut before a
// rune that would not fit whole.
func snippet(b []byte) string { return envelope.Snippet(b, maxSnippet) }

// trimSpace cuts JSON white space from both ends of b.
func trimSpace(b []byte) []byte { return envelope.TrimSpace(b) }
