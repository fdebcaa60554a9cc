package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// Reply describes one answer of the platform. Both flavours send the same
// Replies: the Server on a real connection, the Mock as an *http.Response
// (or a transport error).
//
// A Reply is a value: the With… methods return a modified copy, so one Reply
// can be shared between routes and tests. The zero Reply answers 200 with an
// empty body.
type Reply struct {
	kind        Kind
	status      int
	code        int
	codeString  bool
	message     string
	hasMessage  bool
	payload     json.RawMessage
	contentType string
	body        string
	header      http.Header
	retryAfter  time.Duration
	requestID   string
	delay       time.Duration
	flat        bool
	times       int
	size        int
	dur         time.Duration
	err         error
	gate        *Gate
	poll        *LongPoll            // the endpoint that answers instead (LongPoll.Reply)
	fn          func(*Request) Reply // the function that answers instead (Func)
	file        *File                // the file served (File.Reply)
	part        *part                // what of it this answer sends
}

// OK is a 200 success: {"Response": {...payload's fields..., "RequestId": id}}.
//
// The payload is marshalled with encoding/json (pass a json.RawMessage for
// JSON you wrote by hand). When it is an object, its members are merged into
// Response beside a generated RequestId (a RequestId member in the payload
// wins). When it is not an object (an array, a string, a number), Response is
// that value as-is and the request id travels only in the X-Request-Id
// header. A nil payload gives {"Response": {"RequestId": id}}.
//
// OK panics if the payload cannot be marshalled: that is a mistake in the
// test, not a platform answer.
func OK(payload any) Reply {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("mock.OK: cannot marshal payload %T: %v", payload, err))
	}
	return Reply{kind: KindOK, payload: raw}
}

// Code is the platform's failure envelope:
//
//	{"Response": {"Error": {"Code": code, "Message": msg}, "RequestId": id}}
//
// The message is the catalog's Chinese text for code (errors.Lookup), or
// "error <code>" for a code the catalog does not know. A code between 400
// and 599 is sent with that HTTP status, as the platform's HTTP codes are;
// any other code (the logic codes 10000…40007) comes in a 200, as the
// platform sends them. WithStatus changes either.
func Code(code apierrors.Code) Reply {
	c := int(code)
	status := http.StatusOK
	if c >= 400 && c <= 599 {
		status = c
	}
	return Reply{kind: KindError, code: c, status: status}
}

// Status is a bare HTTP status with an empty body and no Content-Type, as a
// load balancer may send.
func Status(status int) Reply {
	return Reply{kind: KindStatus, status: status}
}

// HTML is a text/html page with the given status, as a gateway sends in
// front of a failing service. An empty page is replaced by an nginx-style
// page for the status, e.g. "<html>…<h1>502 Bad Gateway</h1>…".
func HTML(status int, page string) Reply {
	if page == "" {
		page = gatewayPage(status)
	}
	return Reply{kind: KindHTML, status: status, contentType: "text/html", body: page}
}

// Raw is a response sent exactly as given. An empty contentType sends no
// Content-Type header at all (the Server suppresses Go's sniffing).
func Raw(status int, contentType, body string) Reply {
	return Reply{kind: KindRaw, status: status, contentType: contentType, body: body}
}

// LoginOK answers a login route with a fresh session once the login passes
// the flavour's checks (see Server and Mock); a failing check answers its
// code instead. It is the default script of the login route, so a login
// script such as OnLogin(Code(10004), LoginOK()) means "one 10004, then
// normal logins". It panics when scripted on any other route.
func LoginOK() Reply {
	return Reply{kind: KindLogin}
}

// Func is a reply computed from the request, as httpmock's responders are:
// f gets the request (its path values, query, headers and body) and returns
// the Reply to send, any Reply but another Func. It answers as many requests
// as the Func stands for in its script (Times, or every request as the last
// reply), so a script can hand out fixed replies first and then compute:
//
//	srv.On("GET", "/v1/devices/{id}",
//		mock.Code(20005).Times(2),
//		mock.Func(func(r *mock.Request) mock.Reply {
//			return mock.OK(map[string]string{"DeviceId": r.PathValue("id")})
//		}),
//	)
//
// f runs before the request is recorded, so r.Seq is 0 and the reply
// fields are unset; modifiers belong on the Reply f returns. f may be
// called from several goroutines at once.
func Func(f func(r *Request) Reply) Reply {
	if f == nil {
		panic("mock: Func needs a function")
	}
	return Reply{kind: KindOK, fn: f}
}

// WithMessage replaces the Error's Message (Code) and is ignored by other
// replies.
func (r Reply) WithMessage(msg string) Reply {
	r.message, r.hasMessage = msg, true
	return r
}

// WithStatus replaces the HTTP status, e.g. Code(500).WithStatus(200) for an
// HTTP-class code inside a 200, or OK(x).WithStatus(201).
func (r Reply) WithStatus(status int) Reply {
	r.status = status
	return r
}

// WithHeader sets a response header, after the reply's own headers (so it can
// replace Content-Type, X-Request-Id or Date). Faults that send no headers
// ignore it.
func (r Reply) WithHeader(key, value string) Reply {
	h := make(http.Header, len(r.header)+1)
	for k, v := range r.header {
		h[k] = v
	}
	h.Set(key, value)
	r.header = h
	return r
}

// WithRetryAfter sends a Retry-After header of d in whole seconds, rounded
// up. For the HTTP-date form use WithHeader("Retry-After", date).
func (r Reply) WithRetryAfter(d time.Duration) Reply {
	r.retryAfter = d
	return r
}

// WithRequestID fixes the request id (in the body and X-Request-Id) instead
// of a generated one, for exact assertions and Example output. It also makes
// Status, HTML and Raw replies carry X-Request-Id.
func (r Reply) WithRequestID(id string) Reply {
	r.requestID = id
	return r
}

// WithDelay waits d before sending anything. The wait ends early when the
// client gives up or the Server closes.
func (r Reply) WithDelay(d time.Duration) Reply {
	r.delay = d
	return r
}

// Flat drops the Response envelope: {"Error": {...}, "RequestId": id} or the
// payload's members beside RequestId at the top level.
func (r Reply) Flat() Reply {
	r.flat = true
	return r
}

// CodeAsString sends Error.Code as a JSON string ("20005"), which the
// platform sometimes does.
func (r Reply) CodeAsString() Reply {
	r.codeString = true
	return r
}

// Times makes the reply answer n consecutive requests of a script, e.g.
// On("GET", "/v1/devices", Code(20005).Times(2), OK(x)). It panics if n < 1.
func (r Reply) Times(n int) Reply {
	if n < 1 {
		panic("mock: Reply.Times needs n >= 1, got " + strconv.Itoa(n))
	}
	r.times = n
	return r
}

// Kind returns what the reply does.
func (r Reply) Kind() Kind { return r.kind }

// String describes the reply briefly, e.g. "error 20005" or "ok", for
// failure messages.
func (r Reply) String() string {
	s := r.kind.String()
	switch {
	case r.poll != nil:
		s = "long-poll"
	case r.fn != nil:
		s = "func"
	case r.kind == KindError:
		s += " " + strconv.Itoa(r.code)
	case r.kind == KindStatus || r.kind == KindHTML || r.kind == KindRaw:
		s += " " + strconv.Itoa(r.status)
	case r.kind == KindSlowHeaders || r.kind == KindSlowBody:
		s += " " + r.dur.String()
	case r.kind == KindOversized:
		s += " " + strconv.Itoa(r.size) + "B"
	}
	if r.times > 1 {
		s += " ×" + strconv.Itoa(r.times)
	}
	return s
}

// count is how many requests of a script the reply answers.
func (r Reply) count() int {
	if r.times < 1 {
		return 1
	}
	return r.times
}

// errorMessage is the Error's Message: the override, the catalog's text, or
// "error <code>".
func (r Reply) errorMessage() string {
	if r.hasMessage {
		return r.message
	}
	if info, ok := apierrors.Lookup(r.code); ok {
		return info.Message
	}
	return "error " + strconv.Itoa(r.code)
}

// as returns c carrying r's modifiers (delay, gate, headers, Retry-After,
// request id, flat): a scripted LoginOK().WithDelay(d) keeps its delay whether the
// login passes or fails.
func (r Reply) as(c Reply) Reply {
	c.delay, c.header, c.retryAfter, c.requestID, c.flat, c.gate = r.delay, r.header, r.retryAfter, r.requestID, r.flat, r.gate
	return c
}

// loginSuccess is the answer of a LoginOK that passed: the session's tokens.
func (r Reply) loginSuccess(token, csrf string, ttl time.Duration) Reply {
	ok := r.as(OK(loginPayload{Token: token, CSRFToken: csrf, ExpiresIn: expiresIn(ttl)}))
	ok.kind = KindLogin
	if r.status != 0 {
		ok.status = r.status
	}
	return ok
}

func gatewayPage(status int) string {
	line := strconv.Itoa(status) + " " + http.StatusText(status)
	return "<html>\r\n<head><title>" + line + "</title></head>\r\n<body>\r\n<center><h1>" + line +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}
