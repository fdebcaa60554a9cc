package mock

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File is a file the fake platform serves on a route of either flavour, as
// the platform serves recordings, snapshots and firmware: with
// Accept-Ranges: bytes, an ETag and a Last-Modified, a 206 to a Range whose
// If-Range still matches, and a 200 of the whole file otherwise. It can cut
// its transfers after a given number of bytes, and stand for a file that
// changes between two requests.
//
//	f := mock.GeneratedFile(200 << 20).ResetAt(60 << 20)
//	srv.On("GET", "/v1/recordings/{id}", f.Reply())
//
// A File is safe for concurrent use.
type File struct {
	mu       sync.Mutex
	data     []byte // nil: generated
	size     int64
	version  int
	noRanges bool
	cuts     []int64
	ranges   []string
	served   atomic.Int64
}

// GeneratedFile is a file of size bytes generated as it is read, never
// stored, so a test can serve gigabytes: its byte i depends on i and on
// the file's version.
func GeneratedFile(size int64) *File {
	return &File{size: max(size, 0), version: 1}
}

// NewFile is a file holding data.
func NewFile(data []byte) *File {
	return &File{data: data, size: int64(len(data)), version: 1}
}

// ResetAt makes the File cut its next transfers: the first transfer that
// reaches offset cuts[0] of the file stops there with a connection reset,
// the next one to reach cuts[1] stops there, and so on (a cut a transfer
// starts past is dropped). The Server resets
// the connection for real once that many bytes went out; the Mock's body
// fails its Read with "connection reset by peer".
func (f *File) ResetAt(cuts ...int64) *File {
	f.mu.Lock()
	f.cuts = append(f.cuts, cuts...)
	f.mu.Unlock()
	return f
}

// WithoutRanges makes the File answer every request with the whole file
// and no Accept-Ranges, as a server that does not serve ranges.
func (f *File) WithoutRanges() *File {
	f.mu.Lock()
	f.noRanges = true
	f.mu.Unlock()
	return f
}

// Change stands for a new version of the file: the same size, other
// content (a generated file's bytes change; a NewFile's bytes are each
// shifted by one), a new ETag and Last-Modified.
func (f *File) Change() {
	f.mu.Lock()
	f.version++
	f.mu.Unlock()
}

// Reply answers with the File, in either flavour.
func (f *File) Reply() Reply { return Reply{kind: KindFile, file: f} }

// Served is how many bytes of the file went out, on every transfer.
func (f *File) Served() int64 { return f.served.Load() }

// Ranges is the Range header of each request the File answered, "" for
// none, in order.
func (f *File) Ranges() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ranges...)
}

// SHA256 is the hash of the file's current content.
func (f *File) SHA256() [32]byte {
	f.mu.Lock()
	s := f.section(0, f.size, -1)
	f.mu.Unlock()
	s.count = false
	h := sha256.New()
	_, _ = io.CopyBuffer(h, s, make([]byte, 64<<10))
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// ETag is the file's current ETag.
func (f *File) ETag() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.etagLocked()
}

func (f *File) etagLocked() string { return `"v` + strconv.Itoa(f.version) + `"` }

func (f *File) lastModifiedLocked() string {
	return time.Date(2026, 1, 1, 0, 0, f.version, 0, time.UTC).Format(http.TimeFormat)
}

// replyTo is the File's answer to rec: a 200 of the whole file, or a 206 of
// the range asked for while If-Range matches, cut if a cut falls in it.
func (f *File) replyTo(rec *Request) Reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	asked := rec.Header.Get("Range")
	f.ranges = append(f.ranges, asked)
	etag, lastMod := f.etagLocked(), f.lastModifiedLocked()
	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", etag)
	h.Set("Last-Modified", lastMod)
	start, status := int64(0), http.StatusOK
	if !f.noRanges {
		h.Set("Accept-Ranges", "bytes")
		if from, ok := rangeFrom(asked); ok {
			if ir := rec.Header.Get("If-Range"); ir == "" || ir == etag || ir == lastMod {
				if from >= f.size {
					h.Set("Content-Range", "bytes */"+strconv.FormatInt(f.size, 10))
					return Reply{kind: KindStatus, status: http.StatusRequestedRangeNotSatisfiable, header: h}
				}
				start, status = from, http.StatusPartialContent
				h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, f.size-1, f.size))
			}
		}
	}
	for len(f.cuts) > 0 && f.cuts[0] <= start {
		f.cuts = f.cuts[1:] // a transfer that starts past a cut never reaches it
	}
	cut := int64(-1)
	if len(f.cuts) > 0 && f.cuts[0] < f.size {
		cut = f.cuts[0] - start
		f.cuts = f.cuts[1:]
	}
	return Reply{kind: KindFile, status: status, header: h, file: f, part: f.section(start, f.size-start, cut)}
}

// rangeFrom parses "bytes=N-", the only form the SDK sends.
func rangeFrom(v string) (int64, bool) {
	v, ok := strings.CutPrefix(v, "bytes=")
	if !ok || !strings.HasSuffix(v, "-") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(v, "-"), 10, 64)
	return n, err == nil && n >= 0
}

// section is n bytes of a version of f from off, cut after cut bytes (-1:
// never). It reads as an io.Reader, counting what it gives out.
func (f *File) section(off, n, cut int64) *part {
	return &part{f: f, data: f.data, version: f.version, off: off, end: off + n, cut: cut, count: true}
}

// part is a transfer of a File: what it sends, and where it is cut.
type part struct {
	f       *File
	data    []byte
	version int
	off     int64 // the next byte
	end     int64
	cut     int64 // bytes after which the transfer breaks, -1: never
	count   bool  // add what is read to the File's Served
}

// length is the bytes the part announces (its Content-Length).
func (p *part) length() int64 { return p.end - p.off }

// reader returns a fresh reader of the part, up to its cut.
func (p *part) reader() io.Reader {
	c := *p
	if c.cut >= 0 {
		c.end = c.off + c.cut
	}
	return &c
}

func (p *part) Read(b []byte) (int, error) {
	if p.off >= p.end {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.end-p.off)]
	if p.data != nil {
		copy(b, p.data[p.off:])
		for i := range b {
			b[i] += byte(p.version - 1)
		}
	} else {
		generate(b, p.off, p.version)
	}
	p.off += int64(len(b))
	if p.count {
		p.f.served.Add(int64(len(b)))
	}
	return len(b), nil
}

// generate fills b with a generated file's bytes from off: a xorshift
// sequence restarted every 4093 bytes (a prime: a resume at a wrong offset
// shows), mixed with the block number and the version.
func generate(b []byte, off int64, version int) {
	const period = 4093
	for i := range b {
		pos := off + int64(i)
		x := uint32(pos%period)*2654435761 ^ uint32(pos/period)*40503 ^ uint32(version)*97
		x ^= x >> 15
		b[i] = byte(x)
	}
}
