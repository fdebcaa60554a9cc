package mock

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// Gateway is another address of a Server's platform, as a platform is
// often reached through several gateways or regions: requests it passes on
// meet the same sessions, routes and record as the Server's own. A test
// makes it fail — Fail answers every request itself (a gateway's 503 page,
// 20013), Close kills it mid-run — to see a client fail over to another
// (client.WithEndpoints).
//
// A Gateway is safe for concurrent use. Close it when done; StartGateway
// does that for a test.
type Gateway struct {
	// URL is its base URL, "http://127.0.0.1:port".
	URL string

	s    *Server
	web  serving
	once sync.Once

	mu       sync.Mutex
	failing  *Reply // answered to every request instead of passing it on
	requests int
}

// NewGateway starts a Gateway to s on 127.0.0.1 on a free port. It panics
// when it cannot listen, as NewServer does.
func (s *Server) NewGateway() *Gateway {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("mock: listening for a gateway: %v", err))
	}
	g := &Gateway{URL: "http://" + ln.Addr().String(), s: s}
	g.web.start(ln, g.serve, s.cfg.keepAlives, func(err error) { s.fail("mock: a gateway stopped: %v", err) })
	return g
}

// StartGateway is NewGateway for a test: the Gateway closes at t's
// cleanup, before s does.
func StartGateway(t TB, s *Server) *Gateway {
	t.Helper()
	g := s.NewGateway()
	t.Cleanup(g.Close)
	return g
}

// serve passes the request on to the platform, or answers it with the
// failure of Fail.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.requests++
	failing := g.failing
	g.mu.Unlock()
	if failing == nil {
		g.s.serveHTTP(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
	rep := *failing
	g.s.sendReply(w, r, rep, rep.wire(g.s.cfg.now()))
}

// Fail makes the gateway answer every request with r itself, as a gateway
// that lost its backend does (Status(503), HTML(502, …), Code(20013)):
// nothing reaches the platform, nor its record.
func (g *Gateway) Fail(r Reply) {
	g.mu.Lock()
	g.failing = &r
	g.mu.Unlock()
}

// Heal makes the gateway pass requests on to the platform again.
func (g *Gateway) Heal() {
	g.mu.Lock()
	g.failing = nil
	g.mu.Unlock()
}

// Requests returns how many requests reached the gateway, passed on or
// answered by Fail.
func (g *Gateway) Requests() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests
}

// Close kills the gateway: it stops listening (a dial is refused) and drops
// every connection, requests in flight included, then waits for them to
// close. Closing it twice is harmless.
func (g *Gateway) Close() {
	g.once.Do(func() {
		g.web.stop()
	})
}
