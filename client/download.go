package client

import (
	"bytes"
	stderrors "errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cenkalti/backoff/v4"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// ErrDownloadChanged matches the error of a download that was cut and
// could not go on: the platform sent the file whole again (it changed, or
// it does not serve ranges) or a range other than the one asked for, and
// the io.Writer out cannot start over (it is neither an io.Seeker nor an
// io.WriterAt). What was written stays written.
var ErrDownloadChanged = stderrors.New("devcloud: the download was cut and the file changed or cannot be resumed")

// WithMaxDownloadBytes caps the bodies a call streams into an io.Writer out
// (default: no cap). A larger body fails the call with ErrResponseTooLarge:
// before anything is written when its length is announced, else once the
// cap is passed, with what came before it written.
func WithMaxDownloadBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return &InputError{Field: "maxDownloadBytes", Reason: "must be positive"}
		}
		c.maxDownload = n
		return nil
	}
}

// download is a call's streamed answer: a 2xx body written into an
// io.Writer as it arrives, resumed where it was cut.
type download struct {
	w      io.Writer
	rewind func() error // starts the writer over; nil when it cannot
	done   int64        // bytes of the current content written
	total  int64        // the content's size, -1 when unknown
	valid  string       // the content's ETag, else Last-Modified
	ranges bool         // a cut can resume with Range + If-Range
	asked  bool         // the request in flight asks for a range
	own    bool         // the caller sets Range: no resume of ours
	max    int64        // WithMaxDownloadBytes; 0 for none
	prog   progress
}

// newDownload prepares w to receive the call's answer.
func newDownload(w io.Writer, max int64, f func(done, total int64), headers [][2]string) *download {
	d := &download{w: w, total: -1, max: max, prog: progress{f: f}}
	for _, kv := range headers {
		if strings.EqualFold(kv[0], "Range") {
			d.own = true
		}
	}
	switch v := w.(type) {
	case io.Seeker:
		if base, err := v.Seek(0, io.SeekCurrent); err == nil {
			d.rewind = func() error {
				if t, ok := w.(interface{ Truncate(int64) error }); ok {
					if err := t.Truncate(base); err != nil {
						return err
					}
				}
				_, err := v.Seek(base, io.SeekStart)
				return err
			}
		}
	case io.WriterAt:
		d.rewind = func() error {
			d.w = io.NewOffsetWriter(v, 0)
			return nil
		}
	}
	return d
}

// request sets the headers of the next request: a range from where the
// last one was cut, when the content allows it.
func (d *download) request(h http.Header) {
	d.asked = d.done > 0 && d.ranges
	if d.asked {
		h["Range"] = []string{"bytes=" + strconv.FormatInt(d.done, 10) + "-"}
		h["If-Range"] = []string{d.valid}
	}
}

// receive reads an answer of a download: a JSON answer or a failure
// status is read under the client's cap and judged as any answer; a
// success is written into the call's writer.
func (c *Client) receive(a *exchange, status int, header http.Header, body io.Reader, length int64) result {
	k, d := a.k, a.k.download
	if status < 200 || status > 299 || isJSON(header) {
		b, err := readBody(body, length, c.maxBody, &c.chunks)
		if err != nil {
			if err == ErrResponseTooLarge {
				err = backoff.Permanent(err)
			}
			return result{status: status, header: header, err: &apierrors.TransportError{Err: err}}
		}
		if err := DecodeResponse(status, header, b, nil); err != nil {
			return result{status: status, header: header, err: c.redact(k, k.sess, err, b)}
		}
		// A JSON file: what the platform sent is the content.
		body, length = bytes.NewReader(b), int64(len(b))
		defer c.chunks.recycle(b)
	}
	if err := d.begin(status, header, length); err != nil {
		return result{status: status, header: header, err: &apierrors.TransportError{Err: backoff.Permanent(err)}}
	}
	if status == http.StatusNoContent {
		return result{status: status, header: header}
	}
	buf := c.chunks.get(copyChunk)[:copyChunk]
	err := d.copy(body, buf)
	c.chunks.put([][]byte{buf[:0]})
	return result{status: status, header: header, err: err}
}

// copyChunk is the buffer a download is copied through.
const copyChunk = 64 << 10

// begin takes the answer's status and headers: a 206 goes on from where
// the content was cut, anything else starts it (over).
func (d *download) begin(status int, header http.Header, length int64) error {
	if status == http.StatusPartialContent && d.asked {
		start, total, ok := contentRange(header.Get("Content-Range"))
		if !ok || start != d.done || d.total >= 0 && total >= 0 && total != d.total {
			return fmt.Errorf("%w: asked for bytes %d-, got %q", ErrDownloadChanged, d.done, header.Get("Content-Range"))
		}
		// A server that ignored If-Range shows the change in the
		// validator it sends with the range.
		now := header.Get("Etag")
		if !strings.HasPrefix(d.valid, `"`) {
			now = header.Get("Last-Modified")
		}
		if now != "" && now != d.valid {
			return fmt.Errorf("%w: the file's validator changed", ErrDownloadChanged)
		}
		return d.limit(d.total)
	}
	if d.done > 0 {
		if d.rewind == nil {
			return fmt.Errorf("%w: answered %d to a resumed download", ErrDownloadChanged, status)
		}
		if err := d.rewind(); err != nil {
			return fmt.Errorf("%w: cannot start the writer over: %w", ErrDownloadChanged, err)
		}
		d.done = 0
		d.prog.restart()
	}
	d.total = length
	if _, total, ok := contentRange(header.Get("Content-Range")); ok && status == http.StatusPartialContent {
		d.total = total // the caller's own range: the file's size
	}
	d.valid = header.Get("Etag")
	if d.valid == "" || strings.HasPrefix(d.valid, "W/") {
		// A weak ETag cannot validate a range (RFC 9110 §13.1.5).
		d.valid = header.Get("Last-Modified")
	}
	d.ranges = !d.own && d.valid != "" && strings.EqualFold(header.Get("Accept-Ranges"), "bytes")
	return d.limit(length)
}

// limit fails a body of announced length n over the cap.
func (d *download) limit(n int64) error {
	if d.max > 0 && n > d.max {
		return ErrResponseTooLarge
	}
	return nil
}

// copy writes body into the writer through buf. A failed read is the
// transport's (the policy may resume); a failed write or the cap ends the
// call.
func (d *download) copy(body io.Reader, buf []byte) error {
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if d.max > 0 && d.done+int64(n) > d.max {
				return &apierrors.TransportError{Err: backoff.Permanent(ErrResponseTooLarge)}
			}
			w, werr := d.w.Write(buf[:n])
			d.done += int64(w)
			if werr == nil && w < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return &apierrors.TransportError{Err: backoff.Permanent(&writeError{werr})}
			}
			d.prog.moved(d.done, d.total)
		}
		if rerr == io.EOF {
			d.prog.end(d.done, d.total)
			return nil
		}
		if rerr != nil {
			return &apierrors.TransportError{Err: rerr}
		}
	}
}

// writeError is the failure of the caller's writer, which no retry mends.
type writeError struct{ err error }

func (e *writeError) Error() string { return "devcloud: writing the download: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// contentRange parses "bytes start-end/total" (total -1 for "*").
func contentRange(v string) (start, total int64, ok bool) {
	v, ok = strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, false
	}
	span, size, ok := strings.Cut(v, "/")
	if !ok {
		return 0, 0, false
	}
	first, _, ok := strings.Cut(span, "-")
	if !ok {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		if total, err = strconv.ParseInt(size, 10, 64); err != nil || total < start {
			return 0, 0, false
		}
	}
	return start, total, true
}

// isJSON reports whether header announces a JSON body.
func isJSON(header http.Header) bool {
	ct := header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(strings.ToLower(ct))
	return ct == "application/json" || strings.HasSuffix(ct, "+json") || ct == "text/json"
}
