package mock

import (
	"net"
	"os"
	"syscall"
	"time"
)

// Faults are Replies that break the exchange instead of answering it. The
// Server performs them on the wire; the Mock, which has no wire, returns the
// closest thing an http.Client would see: a transport error, or a body whose
// Read fails.

// ResetBeforeResponse resets the connection before any response byte: the
// Server hijacks it and closes it with SO_LINGER 0 (a TCP RST); the Mock
// returns a "connection reset by peer" *net.OpError from the transport.
//
// On a reused keep-alive connection Go's http.Transport replays a GET, or any
// request with an Idempotency-Key header, once by itself; the Server avoids
// that by closing every connection after one response (see WithKeepAlives).
func ResetBeforeResponse() Reply {
	return Reply{kind: KindResetBeforeResponse}
}

// ResetMidBody sends a 200 with a JSON Content-Type, a Content-Length for the
// whole body and half of the body, then resets the connection. The client's
// Do succeeds; reading the body fails. The Mock's body fails its Read with a
// "connection reset by peer" error after the same half.
func ResetMidBody() Reply {
	return Reply{kind: KindResetMidBody, status: 200}
}

// TruncatedJSON is a 200 JSON success cut in half, with a Content-Length that
// matches the cut body: HTTP is complete, the JSON is not.
func TruncatedJSON() Reply {
	return Reply{kind: KindTruncatedJSON, status: 200}
}

// SlowHeaders is OK(nil) sent after d, so a client deadline shorter than d
// fires before any header arrives.
func SlowHeaders(d time.Duration) Reply {
	return Reply{kind: KindSlowHeaders, status: 200, dur: d}
}

// SlowBody sends the headers of a 200 JSON success at once, then trickles the
// body in ten pieces spread over d, so a client deadline shorter than d fires
// while the body is read.
func SlowBody(d time.Duration) Reply {
	return Reply{kind: KindSlowBody, status: 200, dur: d}
}

// Oversized is a 200 JSON success of exactly n bytes (a Padding string member
// fills it; for n below about 70 bytes the body is that minimum), with a
// matching Content-Length. The body is generated as it is read, so a large
// n costs no memory.
func Oversized(n int) Reply {
	return Reply{kind: KindOversized, status: 200, size: n}
}

// NetworkError makes the Mock's transport return err (wrapped by http.Client
// in a *url.Error). A nil err means a reset connection. The Server cannot
// send an arbitrary error over a wire and resets the connection instead, as
// ResetBeforeResponse.
func NetworkError(err error) Reply {
	if err == nil {
		err = errConnReset()
	}
	return Reply{kind: KindNetworkError, err: err}
}

// ConnectionRefused is NetworkError with the error a dial to a closed port
// gives: a *net.OpError with Op "dial" wrapping ECONNREFUSED. The request
// never left, which is what the SDK may always retry. For a real refusal use
// RefusedURL as the base URL; the Server resets the connection instead.
func ConnectionRefused() Reply {
	return NetworkError(&net.OpError{
		Op:   "dial",
		Net:  "tcp",
		Addr: fakeAddr,
		Err:  os.NewSyscallError("connect", syscall.ECONNREFUSED),
	})
}

// RefusedURL returns an http:// URL on a loopback port that nothing listens
// on, so a dial to it is refused at once. The port was free a moment ago; it
// is not reserved.
func RefusedURL() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "http://127.0.0.1:1"
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

var fakeAddr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443}

func errConnReset() error {
	return &net.OpError{
		Op:   "read",
		Net:  "tcp",
		Addr: fakeAddr,
		Err:  os.NewSyscallError("read", syscall.ECONNRESET),
	}
}
