package client_test

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// pattern is the generated content's period: a prime, so a resume at a
// wrong offset shows in the hash.
const pattern = 65521

// content is a file of size bytes generated from its version, never
// stored: byte i is a function of i and the version.
type content struct {
	size    int64
	version byte
	pat     []byte
}

func newContent(size int64, version byte) *content {
	c := &content{size: size, version: version, pat: make([]byte, pattern)}
	x := uint32(2166136261) ^ uint32(version)
	for i := range c.pat {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		c.pat[i] = byte(x)
	}
	return c
}

// readAt fills p with the content from off.
func (c *content) readAt(p []byte, off int64) int {
	n := 0
	for n < len(p) && off < c.size {
		i := int(off % pattern)
		m := copy(p[n:], c.pat[i:])
		m = int(min(int64(m), c.size-off))
		n += m
		off += int64(m)
	}
	return n
}

// reader returns the content from off.
func (c *content) reader(off int64) io.Reader { return &contentReader{c: c, off: off} }

type contentReader struct {
	c   *content
	off int64
}

func (r *contentReader) Read(p []byte) (int, error) {
	if r.off >= r.c.size {
		return 0, io.EOF
	}
	n := r.c.readAt(p, r.off)
	r.off += int64(n)
	return n, nil
}

// sum is the content's SHA-256.
func (c *content) sum() [32]byte {
	h := sha256.New()
	_, _ = io.CopyBuffer(h, c.reader(0), make([]byte, 1<<20))
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// sumLater starts hashing the content on a goroutine of its own and
// returns what waits for its SHA-256, so that a gibibyte is hashed while
// it moves rather than before. The buffer and the hash are made before it
// returns: allocations counted from then on are none of its own. The
// goroutine has ended by t's cleanup, whatever the test did.
func (c *content) sumLater(t testing.TB) func() [32]byte {
	h, buf, r := sha256.New(), make([]byte, 1<<20), c.reader(0)
	done := make(chan [32]byte, 1)
	go func() {
		_, _ = io.CopyBuffer(h, r, buf)
		var s [32]byte
		h.Sum(s[:0])
		done <- s
	}()
	wait := sync.OnceValue(func() [32]byte { return <-done })
	t.Cleanup(func() { wait() })
	return wait
}

// fileServer serves one generated file over loopback, with ranges and
// validators as asked, and cuts its answers where told: the i-th answer
// that reaches cuts[i] (an offset in the file) stops there, with a reset
// (RST) or an orderly close (FIN, a truncated body).
type fileServer struct {
	*httptest.Server
	mu        sync.Mutex
	c         *content
	etag      bool // send an ETag
	lastMod   bool // send a Last-Modified
	ranges    bool // send Accept-Ranges: bytes and honour Range
	cuts      []int64
	rst       bool
	changeAt  int  // the answer before which the file changes (0: never)
	noIfRange bool // answer a Range whatever its If-Range says
	ranged    []string
	ifRange   []string
	served    atomic.Int64
	answers   int
	inflight  sync.WaitGroup // the handlers still running
}

// servedAll is the bytes served once every handler has returned: a client
// can read the last byte before the handler that wrote it counts it.
func (f *fileServer) servedAll() int64 {
	f.inflight.Wait()
	return f.served.Load()
}

func newFileServer(t testing.TB, size int64) *fileServer {
	f := &fileServer{c: newContent(size, 1), etag: true, ranges: true}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fileServer) validator() (etag, lastMod string) {
	v := int(f.c.version)
	if f.etag {
		etag = fmt.Sprintf(`"v%d"`, v)
	}
	if f.lastMod {
		lastMod = fmt.Sprintf("Mon, 07 Dec 2026 10:%02d:00 GMT", v)
	}
	return
}

func (f *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	f.inflight.Add(1)
	defer f.inflight.Done()
	f.mu.Lock()
	f.answers++
	if f.changeAt == f.answers {
		f.c = newContent(f.c.size, f.c.version+1)
	}
	c := f.c
	f.ranged = append(f.ranged, r.Header.Get("Range"))
	f.ifRange = append(f.ifRange, r.Header.Get("If-Range"))
	cut := int64(-1)
	if len(f.cuts) > 0 {
		cut = f.cuts[0]
	}
	etag, lastMod := f.validator()
	f.mu.Unlock()

	start, status := int64(0), http.StatusOK
	if rg := r.Header.Get("Range"); f.ranges && rg != "" {
		ir := r.Header.Get("If-Range")
		if ir == "" || ir == etag || ir == lastMod || f.noIfRange {
			start, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
			status = http.StatusPartialContent
		}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(c.size-start, 10))
	if etag != "" {
		h.Set("ETag", etag)
	}
	if lastMod != "" {
		h.Set("Last-Modified", lastMod)
	}
	if f.ranges {
		h.Set("Accept-Ranges", "bytes")
	}
	if status == http.StatusPartialContent {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, c.size-1, c.size))
	}
	if cut < 0 || cut <= start {
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		n, _ := io.CopyBuffer(w, c.reader(start), make([]byte, 64<<10))
		f.served.Add(n)
		return
	}
	f.mu.Lock()
	f.cuts = f.cuts[1:]
	f.mu.Unlock()
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	n, _ := io.CopyBuffer(buf, io.LimitReader(c.reader(start), cut-start), make([]byte, 64<<10))
	_ = buf.Flush()
	f.served.Add(n)
	if tc, ok := conn.(*net.TCPConn); ok && f.rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (f *fileServer) rangesAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ranged...)
}

// hashWriter is a writer that can neither seek nor write at an offset.
type hashWriter struct {
	h hash.Hash
	n int64
}

func newHashWriter() *hashWriter { return &hashWriter{h: sha256.New()} }

func (w *hashWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.h.Write(p)
}

func (w *hashWriter) sum() [32]byte {
	var s [32]byte
	w.h.Sum(s[:0])
	return s
}

// sink accepts uploads: it hashes each body as it arrives, holding none
// of it, and answers the statuses scripted (the last repeats). resetAfter
// > 0 resets the connection once that many bytes of a body arrived.
type sink struct {
	*httptest.Server
	mu         sync.Mutex
	statuses   []int
	resetAfter int64
	bodies     []upload
}

// upload is a body a sink received.
type upload struct {
	n             int64
	sum           [32]byte
	contentLength int64
	contentType   string
}

func newSink(t testing.TB, statuses ...int) *sink {
	s := &sink{statuses: statuses}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	var body io.Reader = r.Body
	if s.resetAfter > 0 {
		body = io.LimitReader(r.Body, s.resetAfter)
	}
	n, _ := io.CopyBuffer(h, body, make([]byte, 64<<10))
	u := upload{n: n, contentLength: r.ContentLength, contentType: r.Header.Get("Content-Type")}
	h.Sum(u.sum[:0])
	s.mu.Lock()
	s.bodies = append(s.bodies, u)
	status := s.statuses[min(len(s.bodies), len(s.statuses))-1]
	s.mu.Unlock()
	if s.resetAfter > 0 {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status >= 400 {
		fmt.Fprintf(w, `{"Response":{"Error":{"Code":%d,"Message":"scripted"}}}`, status)
		return
	}
	_, _ = io.WriteString(w, `{"Response":{"RequestId":"up-1"}}`)
}

func (s *sink) received() []upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]upload(nil), s.bodies...)
}
