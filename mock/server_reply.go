package mock

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// sendReply sends a reply, doing its fault for real on the connection.
func (s *Server) sendReply(w http.ResponseWriter, r *http.Request, rep Reply, p wireReply) {
	ctx := r.Context()
	if rep.gate != nil && !rep.gate.wait(ctx, s.closing) {
		panic(http.ErrAbortHandler)
	}
	s.pause(ctx, rep.delay)
	switch rep.kind {
	case KindResetBeforeResponse, KindNetworkError:
		if conn, _, err := hijack(w); err == nil {
			reset(conn)
		}
	case KindResetMidBody:
		s.resetMidBody(w, p)
	case KindFile:
		if p.part != nil && p.part.cut >= 0 {
			resetAfter(w, p)
			return
		}
		writeWhole(w, p)
	case KindSlowHeaders:
		s.pause(ctx, rep.dur)
		writeWhole(w, p)
	case KindSlowBody:
		writeHeader(w, p)
		flush(w)
		for _, piece := range split(p.body, trickles) {
			s.pause(ctx, rep.dur/trickles)
			if _, err := w.Write(piece); err != nil {
				return
			}
			flush(w)
		}
	default:
		writeWhole(w, p)
	}
}

// pause waits d. When the client goes away or the Server closes first, it
// aborts the handler (http.ErrAbortHandler drops the connection quietly), so
// no slow reply holds up Close.
func (s *Server) pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-s.closing:
		panic(http.ErrAbortHandler)
	}
}

func writeHeader(w http.ResponseWriter, p wireReply) {
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	if _, ok := p.header["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: send no Content-Type at all
	}
	w.WriteHeader(p.status)
}

func writeWhole(w http.ResponseWriter, p wireReply) {
	writeHeader(w, p)
	_, _ = io.Copy(w, p.open())
}

func flush(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
}

func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w).Hijack()
}

// reset closes conn with SO_LINGER 0, so the peer gets a TCP RST instead of
// an orderly FIN.
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// resetAfter writes the status line, the headers and the part of a File's
// transfer before its cut straight to the socket, then resets.
func resetAfter(w http.ResponseWriter, p wireReply) {
	conn, buf, err := hijack(w)
	if err != nil {
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", p.status, http.StatusText(p.status))
	_ = p.header.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = io.Copy(buf, p.open())
	_ = buf.Flush()
	reset(conn)
}

// resetMidBody writes the status line, the headers (with the full
// Content-Length) and half of the body straight to the socket, then resets.
func (s *Server) resetMidBody(w http.ResponseWriter, p wireReply) {
	conn, buf, err := hijack(w)
	if err != nil {
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", p.status, http.StatusText(p.status))
	_ = p.header.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(p.body[:len(p.body)/2])
	_ = buf.Flush()
	reset(conn)
}
