package client

import (
	"context"
	stderrors "errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// sendOnce is the client's transport: the application's or the default
// one, wrapped so net/http never sends a call again by itself when the SDK
// would not.
//
// http.Transport resends a request on a new connection when the pooled
// connection it was written to breaks before the answer, if the request is
// "replayable": a GET, HEAD, OPTIONS or TRACE, or one that carries an
// Idempotency-Key header with a rewindable body. The SDK puts its own
// Idempotency-Key on every non-idempotent call, yet a call the platform may
// have acted on is sent again only when the caller said it is safe
// (IdempotencyKey, Idempotent(true)): a platform that ignores the key would
// open the door twice. And when it is sent again, it is the SDK's attempt,
// counted, spaced by the backoff and charged to the budget. So a call with
// an idempotency key reaches net/http as a request it cannot replay.
//
// To an *http.Transport the key goes under its lower-case name, which its
// replay check does not look for (header names are case-insensitive on the
// wire, and HTTP/2 sends them lower-case anyway): it still resends a request
// it never wrote to a stale pooled connection, which is safe. Any other
// transport (a test double, an instrumenting wrapper) sees the header as set
// and gets no GetBody instead, which no replay can do without.
//
// Idempotent methods without a key keep net/http's replay, which saves a GET
// from a connection the server had just closed.
//
// It is also the last moment a request can be held back: one whose
// Authorization is the session the client condemned last (another call saw
// it refused after this request had its session) fails with
// errStaleSession instead of leaving, and its call asks for a newer
// session (judge's staleSession).
type sendOnce struct {
	rt   http.RoundTripper       // nil: http.DefaultTransport
	auth string                  // the client's session header, as it sets it
	dead *atomic.Pointer[string] // that header's value for the newest condemned session
}

// errStaleSession is a request held back because its session was
// condemned since it was handed out. Nothing was sent.
var errStaleSession = stderrors.New("devcloud: the session was refused before the request left")

// sendOnceKey marks, in a request's context, a request net/http must not
// resend; its value is the name of the idempotency key header.
type sendOnceKey struct{}

// withSendOnce marks ctx's request, whose idempotency key is in header, as
// one net/http must not resend.
func withSendOnce(ctx context.Context, header string) context.Context {
	return context.WithValue(ctx, sendOnceKey{}, header)
}

// RoundTrip sends req through the wrapped transport, not replayable when it
// is marked so.
func (t *sendOnce) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := t.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t.dead != nil {
		if d := t.dead.Load(); d != nil {
			if v := req.Header[t.auth]; len(v) == 1 && v[0] == *d {
				return nil, errStaleSession
			}
		}
	}
	req, err := withBody(req) // a streamed body (upload.go)
	if err != nil {
		return nil, err
	}
	header, _ := req.Context().Value(sendOnceKey{}).(string)
	if header == "" {
		return rt.RoundTrip(req)
	}
	once := req.WithContext(req.Context()) // a shallow copy: req stays as it was
	if _, ok := rt.(*http.Transport); ok {
		if v, ok := req.Header[header]; ok {
			once.Header = req.Header.Clone()
			delete(once.Header, header)
			once.Header[strings.ToLower(header)] = v
			return rt.RoundTrip(once)
		}
	}
	once.GetBody = nil
	if once.Body == nil || once.Body == http.NoBody {
		// An empty body that is not http.NoBody: net/http finds it empty
		// and sends Content-Length: 0 as before, but cannot replay it.
		once.Body = io.NopCloser(emptyReader{})
	}
	return rt.RoundTrip(once)
}

// CloseIdleConnections closes the wrapped transport's idle connections, as
// http.Client.CloseIdleConnections would without the wrapper.
func (t *sendOnce) CloseIdleConnections() {
	rt := t.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }
