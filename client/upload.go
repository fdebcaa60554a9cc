package client

import (
	"context"
	stderrors "errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// ErrBodyNotReplayable matches the error of a call whose body, an
// io.Reader that cannot seek, was partly or wholly read by a request that
// then failed: the call cannot send it again, so it returns that failure
// (which the error matches too) instead of retrying or replaying it after
// a relogin. Give Do an io.ReadSeeker (an *os.File, a *bytes.Reader) for a
// body that may be sent again.
var ErrBodyNotReplayable = stderrors.New("devcloud: the request body was read and cannot be sent again")

// ContentType sets the Content-Type of the call's body. An io.Reader body
// is sent as application/octet-stream without it; a JSON body as
// application/json.
func ContentType(ct string) CallOption {
	return func(c *callConfig) { c.contentType = ct }
}

// upload is a call's streamed body: an io.Reader sent as it is read, never
// held in memory. A reader that can seek is rewound to where it started
// for every request; one that cannot is sent once.
type upload struct {
	r      io.Reader
	seeker io.Seeker // nil: the body can be sent once
	start  int64     // where the seeker started
	size   int64     // the bytes to send, -1 when unknown
	ct     string    // its Content-Type
	read   atomic.Int64
	cur    *uploadBody // the body of the last request
	fresh  bool        // ready, and not yet opened
	prog   progress
}

// newUpload prepares r to be streamed; the call says ct ("" for the
// default) and f (nil for none).
func newUpload(r io.Reader, ct string, f func(done, total int64)) *upload {
	u := &upload{r: r, size: -1, ct: ct, prog: progress{f: f}}
	if u.ct == "" {
		u.ct = "application/octet-stream"
	}
	if s, ok := r.(io.Seeker); ok {
		pos, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			u.seeker, u.start = s, pos
		}
		// A Seeker that cannot seek (a pipe's *os.File) is sent once.
	}
	switch v := r.(type) {
	case interface{ Len() int }: // *bytes.Reader, *strings.Reader, *bytes.Buffer
		u.size = int64(v.Len())
	case *os.File:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() && u.seeker != nil {
			u.size = max(fi.Size()-u.start, 0)
		}
	case interface{ Size() int64 }: // an io.SectionReader: Size is the whole
		if n := v.Size() - u.start; n >= 0 {
			u.size = n
		}
	}
	return u
}

// replayable reports whether the body can be sent again.
func (u *upload) replayable() bool { return u.seeker != nil }

// touched reports whether any byte of the body was read.
func (u *upload) touched() bool { return u.read.Load() > 0 }

// ready readies the body for the next request: the reader rewound to
// where it started when an earlier request read from it. The earlier
// request's body is cut off first, as net/http may still be reading it.
func (u *upload) ready() error {
	if prev := u.cur; prev != nil {
		prev.detach()
		u.cur = nil
	}
	if u.read.Load() > 0 {
		if u.seeker == nil {
			return &apierrors.TransportError{Err: ErrBodyNotReplayable}
		}
		if _, err := u.seeker.Seek(u.start, io.SeekStart); err != nil {
			return &InputError{Field: "in", Reason: "cannot rewind the request body", Err: err}
		}
	}
	u.read.Store(0)
	u.prog.restart()
	u.fresh = true
	return nil
}

// open returns the body a request sends, with its length (-1 when
// unknown): the one ready readied, or, for a request the same attempt
// sends again (a redirect), the body readied anew.
func (u *upload) open() (io.ReadCloser, int64, error) {
	if !u.fresh {
		if err := u.ready(); err != nil {
			return nil, 0, err
		}
	}
	u.fresh = false
	if u.size == 0 {
		return http.NoBody, 0, nil
	}
	u.cur = &uploadBody{u: u}
	return u.cur, u.size, nil
}

// The upload of a request travels to the client's transport (sendOnce) in
// its context, not through resty, which would read a reader it cannot
// rewind into memory to make one it can.
type uploadKey struct{}

// withUpload marks ctx's request as one that sends u.
func withUpload(ctx context.Context, u *upload) context.Context {
	return context.WithValue(ctx, uploadKey{}, u)
}

// withBody returns req with the body of the upload its context carries, or
// req itself when it carries none.
func withBody(req *http.Request) (*http.Request, error) {
	u, _ := req.Context().Value(uploadKey{}).(*upload)
	if u == nil {
		return req, nil
	}
	body, n, err := u.open()
	if err != nil {
		return nil, err
	}
	req = req.WithContext(req.Context()) // a shallow copy: req stays as it was
	req.Body, req.ContentLength, req.GetBody = body, n, nil
	return req, nil
}

// uploadBody is what one request reads of the upload. The SDK owns it, not
// the caller's reader: closing it leaves the caller's reader open.
type uploadBody struct {
	mu       sync.Mutex
	u        *upload
	detached bool
}

var errBodyDetached = stderrors.New("devcloud: the request body was handed to a newer request")

func (b *uploadBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.detached {
		return 0, errBodyDetached
	}
	u := b.u
	n, err := u.r.Read(p)
	if n > 0 {
		done := u.read.Add(int64(n))
		u.prog.moved(done, u.size)
	}
	if err == io.EOF {
		u.prog.end(u.read.Load(), u.size)
	}
	return n, err
}

// Close leaves the caller's reader open: it is theirs, and may be read
// again.
func (b *uploadBody) Close() error { return nil }

// detach ends the body's reads once a read in progress returns.
func (b *uploadBody) detach() {
	b.mu.Lock()
	b.detached = true
	b.mu.Unlock()
}

// bodySpent: a body that cannot seek was read by a request that failed.
// The policy still judges the answer (a session code condemns the
// session), but nothing is sent again, and the error says why.
func (c *Client) bodySpent(ctx context.Context, k *call, res *result) (decision, bool) {
	u := k.upload
	if u == nil || u.replayable() || !u.touched() {
		return decision{}, false
	}
	k.opts.noRetry = true // the one request the body allows has gone
	d, _ := c.byPolicy(ctx, k, res)
	if d.err == nil {
		d.err = res.err
	}
	d.action = apierrors.ActionFail
	d.err = withCause(d.err, ErrBodyNotReplayable)
	return d, true
}
