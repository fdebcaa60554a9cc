package errors

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxMessage bounds the server message shown by Error, so one error stays one
// readable line.
const maxMessage = 256

// Call is what every error of a call carries, whatever went wrong, in the
// manner of os.PathError's Op and Path: APIError, DecodeError and
// TransportError embed it, so err.Method, err.Attempts and the rest read
// the same on all three.
type Call struct {
	// Method and Path name the call; Path never carries the query.
	Method, Path string
	// Attempts is how many requests the call sent, retries and relogin
	// replays included; 0 when nothing was sent.
	Attempts int
	// RequestID is the platform's request id, when an answer carried one.
	RequestID string
}

// CallOf returns the Call that err carries when err is an *APIError,
// *DecodeError or *TransportError (err itself, not an error it wraps), and
// nil otherwise. The pointer is into err: a caller that changes the Call
// changes err.
func CallOf(err error) *Call {
	switch e := err.(type) {
	case *APIError:
		return &e.Call
	case *DecodeError:
		return &e.Call
	case *TransportError:
		return &e.Call
	}
	return nil
}

// APIError is a failure the platform reported: an Error member in the body
// (whatever the HTTP status), or an HTTP status ≥ 400 without one, in which
// case Code is the status.
//
// It matches errors.Is(err, Code(n)) for its code and unwraps to Err, the
// cause that ended the call early (context.Canceled, an exhausted retry
// budget), when there is one.
type APIError struct {
	// Code is the platform code, or the HTTP status for an HTTP-level failure.
	// It is 0 when the server sent a code that is not a number (see RawCode).
	Code Code
	// RawCode is the code as the server sent it when it is not a number.
	RawCode string
	// Message is the server's message, as sent but for the values of the
	// request that must never be shown (session token, CSRF token, secret,
	// signature, query values), which the client replaces with
	// "[redacted]" should the server echo them.
	Message string
	// HTTPStatus is the response's HTTP status.
	HTTPStatus int
	// Call names the call: method, path, attempts and the platform's
	// request id (from the body or X-Request-Id).
	Call
	// RetryAfter is the delay the server asked for, when it sent Retry-After.
	RetryAfter time.Duration
	// Body is a short snippet (at most 256 bytes) of a body that carried no
	// Error member, such as a gateway's HTML page, redacted as Message. It
	// is not shown by Error or GoString.
	Body string
	// Err is the cause that stopped the call before the policy's own limit,
	// if any: context.Canceled, context.DeadlineExceeded, an exhausted retry
	// budget, a Retry-After beyond the cap.
	Err error
}

// Error returns one line: method and path, code with its catalog text, the
// server's message, request id and attempts, and the cause if any. It never
// includes headers, query values or the body.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("devcloud: ")
	writeOp(&b, e.Method, e.Path)
	b.WriteString("code ")
	if e.Code == 0 && e.RawCode != "" {
		b.WriteString(strconv.Quote(clip(e.RawCode, 64)))
	} else {
		b.WriteString(strconv.Itoa(int(e.Code)))
		if info, ok := Lookup(int(e.Code)); ok {
			b.WriteString(" ")
			b.WriteString(info.Message)
			b.WriteString(" (")
			b.WriteString(info.Description)
			b.WriteString(")")
		}
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != int(e.Code) {
		b.WriteString(", HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(clip(e.Message, maxMessage)))
	}
	writeTail(&b, e.RequestID, e.Attempts)
	if e.RetryAfter > 0 {
		b.WriteString(" retry after ")
		b.WriteString(e.RetryAfter.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(causeText(e.Err))
	}
	return b.String()
}

// Is reports whether target is e's Code, so errors.Is(err, Code(20005)) holds
// for a 20005 failure.
func (e *APIError) Is(target error) bool {
	c, ok := target.(Code)
	return ok && e.Code != 0 && c == e.Code
}

// Unwrap returns the cause that ended the call early, or nil.
func (e *APIError) Unwrap() error { return e.Err }

// ErrorType returns the failure's class for telemetry, as OpenTelemetry's
// error.type attribute wants it: the platform code ("20005"), or the HTTP
// status ("503") when the code is not a number. A server-sent non-numeric
// code is never returned: it is not a bounded set of values.
func (e *APIError) ErrorType() string {
	switch {
	case e.Code != 0:
		return strconv.Itoa(int(e.Code))
	case e.HTTPStatus != 0:
		return strconv.Itoa(e.HTTPStatus)
	}
	return "_OTHER"
}

// DecodeError is a response whose body could not be decoded: a 2xx body that
// is not JSON, is truncated, or does not fit the caller's value.
type DecodeError struct {
	// HTTPStatus is the response's HTTP status.
	HTTPStatus int
	// Call names the call: method, path, attempts and the X-Request-Id
	// header, when there was one.
	Call
	// Reason says briefly what was wrong ("not JSON", "truncated JSON", …).
	Reason string
	// BodyLen is the body's length in bytes.
	BodyLen int
	// Snippet is the start of the body, at most 256 bytes, redacted as
	// APIError.Message (and empty for a login's answer, which carries the
	// new session). It is kept for debugging and not shown by Error or
	// GoString.
	Snippet string
	// Err is the JSON decoder's error.
	Err error
}

// Error returns one line naming the call, the reason, status and body length.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("devcloud: ")
	writeOp(&b, e.Method, e.Path)
	b.WriteString("cannot decode response body")
	if e.Reason != "" {
		b.WriteString(" (")
		b.WriteString(e.Reason)
		b.WriteString(")")
	}
	b.WriteString(": HTTP ")
	b.WriteString(strconv.Itoa(e.HTTPStatus))
	b.WriteString(", ")
	b.WriteString(strconv.Itoa(e.BodyLen))
	b.WriteString(" bytes")
	writeTail(&b, e.RequestID, e.Attempts)
	return b.String()
}

// Unwrap returns the JSON decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// TransportError is a call that got no usable response: the connection was
// refused or reset, the body could not be read, the response was larger than
// the client accepts, or the context ended first.
type TransportError struct {
	// Call names the call: method, path and attempts (no request id: no
	// answer was read).
	Call
	// Err is the cause. Error drops the `Op "URL": ` part of any *url.Error
	// in it and cuts that URL to scheme, host and path wherever else it
	// appears, so no query value is ever shown.
	Err error
}

// Error returns one line naming the call, the cause and the attempts.
func (e *TransportError) Error() string {
	var b strings.Builder
	b.WriteString("devcloud: ")
	writeOp(&b, e.Method, e.Path)
	b.WriteString("transport: ")
	if e.Err != nil {
		b.WriteString(causeText(e.Err))
	} else {
		b.WriteString("no response")
	}
	writeTail(&b, "", e.Attempts)
	return b.String()
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

func writeOp(b *strings.Builder, method, path string) {
	if method == "" && path == "" {
		return
	}
	b.WriteString(method)
	if path != "" {
		if method != "" {
			b.WriteString(" ")
		}
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		b.WriteString(path)
	}
	b.WriteString(": ")
}

func writeTail(b *strings.Builder, requestID string, attempts int) {
	if requestID == "" && attempts == 0 {
		return
	}
	b.WriteString(" (")
	if requestID != "" {
		b.WriteString("request id ")
		b.WriteString(strconv.Quote(clip(requestID, 128)))
		if attempts > 0 {
			b.WriteString(", ")
		}
	}
	if attempts == 1 {
		b.WriteString("1 attempt")
	} else if attempts > 1 {
		b.WriteString(strconv.Itoa(attempts))
		b.WriteString(" attempts")
	}
	b.WriteString(")")
}

// causeText returns err's text on one line with the URL of every *url.Error
// in its tree taken out. The `Op "URL": ` framing that url.Error adds is
// removed, which keeps what wraps it ("retry budget exhausted: …") and what it
// wraps ("dial tcp …: connection refused"); a URL quoted some other way is cut
// to scheme, host and path.
func causeText(err error) string {
	s := err.Error()
	walkErrors(err, 0, func(err error) {
		ue, ok := err.(*url.Error)
		if !ok || ue.URL == "" {
			return
		}
		quoted := strconv.Quote(ue.URL)
		s = strings.ReplaceAll(s, ue.Op+" "+quoted+": ", "")
		safe := redactURL(ue.URL)
		s = strings.ReplaceAll(s, quoted, strconv.Quote(safe))
		s = strings.ReplaceAll(s, ue.URL, safe)
	})
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// walkErrors calls f on err and every error it wraps, depth first. The depth
// bound guards against a chain that wraps itself.
func walkErrors(err error, depth int, f func(error)) {
	if err == nil || depth > 32 {
		return
	}
	f(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), depth+1, f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrors(e, depth+1, f)
		}
	}
}

// redactURL returns raw without user info, query and fragment.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
