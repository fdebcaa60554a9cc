package mock

import "strconv"

// Kind names what a Reply does, and is recorded with every Request so a test
// can see what each attempt was answered.
type Kind uint8

// The kinds of replies.
const (
	// KindNone is the zero Kind: nothing was answered yet.
	KindNone Kind = iota
	// KindOK is a success envelope (OK).
	KindOK
	// KindError is an Error envelope (Code), including the Server's own
	// session and login failures.
	KindError
	// KindStatus is a bare status with an empty body (Status).
	KindStatus
	// KindHTML is an HTML page, as a gateway sends (HTML).
	KindHTML
	// KindRaw is a body sent as given (Raw).
	KindRaw
	// KindLogin is a successful login that issued a session (LoginOK).
	KindLogin
	// KindResetBeforeResponse is a connection reset before any response byte.
	KindResetBeforeResponse
	// KindResetMidBody is a connection reset after the headers and part of
	// the body.
	KindResetMidBody
	// KindTruncatedJSON is a complete HTTP response whose JSON body is cut.
	KindTruncatedJSON
	// KindSlowHeaders is a success sent after a delay.
	KindSlowHeaders
	// KindSlowBody is a success whose body trickles in.
	KindSlowBody
	// KindOversized is a large JSON success body.
	KindOversized
	// KindNetworkError is an error from the transport (Mock) or a reset
	// (Server).
	KindNetworkError
	// KindExhausted is a request that came after a script's Exhausted.
	KindExhausted
	// KindUnmatched is a request to a route nobody scripted (Mock only; the
	// Server answers those with a 404 KindError).
	KindUnmatched
	// KindResponder is a request a responder registered on Mock.Transport
	// answered (Mock only).
	KindResponder
	// KindFile is a File served, whole or a range of it (File.Reply).
	KindFile
)

var kindNames = [...]string{
	"none", "ok", "error", "status", "html", "raw", "login",
	"reset-before-response", "reset-mid-body", "truncated-json",
	"slow-headers", "slow-body", "oversized", "network-error",
	"exhausted", "unmatched", "responder", "file",
}

// String returns the kind's name, e.g. "reset-mid-body".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// sendsStatus reports whether a reply of kind k gets as far as a status line.
func (k Kind) sendsStatus() bool {
	return k != KindResetBeforeResponse && k != KindNetworkError && k != KindUnmatched
}
