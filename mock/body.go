package mock

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"time"
)

// Bodies the faults need, as io.Readers: a generated oversized body for both
// flavours, and for the Mock the readers that stand in for a wire.

func paddedParts(id string) (prefix, suffix string) {
	return `{"Response":{"RequestId":"` + id + `","Padding":"`, `"}}`
}

func paddedLen(id string, n int) int {
	prefix, suffix := paddedParts(id)
	return max(n, len(prefix)+len(suffix))
}

// newPaddedBody generates {"Response":{"RequestId":id,"Padding":"xxx…"}} of
// paddedLen(id, n) bytes without holding it in memory.
func newPaddedBody(id string, n int) io.Reader {
	prefix, suffix := paddedParts(id)
	pad := int64(paddedLen(id, n) - len(prefix) - len(suffix))
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(xReader{}, pad), strings.NewReader(suffix))
}

// xReader reads an endless run of 'x'.
type xReader struct{}

var xs = bytes.Repeat([]byte("x"), 32<<10)

func (xReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], xs)
	}
	return n, nil
}

// failingBody returns its data, then err: a connection that died mid-body.
type failingBody struct {
	data []byte
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *failingBody) Close() error { return nil }

// cutBody reads r, then fails with err: a transfer cut after what r holds.
type cutBody struct {
	r   io.Reader
	err error
}

func (b *cutBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

func (b *cutBody) Close() error { return nil }

// slowBody hands out its data in pieces, waiting between them; the waits end
// with the request's context or when the body is closed.
type slowBody struct {
	ctx    context.Context
	pieces [][]byte
	pause  time.Duration
	closed chan struct{}
	once   sync.Once
}

func newSlowBody(ctx context.Context, data []byte, over time.Duration) *slowBody {
	return &slowBody{ctx: ctx, pieces: split(data, trickles), pause: over / trickles, closed: make(chan struct{})}
}

// trickles is how many pieces SlowBody sends.
const trickles = 10

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.pieces) == 0 {
		return 0, io.EOF
	}
	t := time.NewTimer(b.pause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.ctx.Done():
		return 0, b.ctx.Err()
	case <-b.closed:
		return 0, io.ErrClosedPipe
	}
	n := copy(p, b.pieces[0])
	if n == len(b.pieces[0]) {
		b.pieces = b.pieces[1:]
	} else {
		b.pieces[0] = b.pieces[0][n:]
	}
	return n, nil
}

func (b *slowBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// split cuts data into at most n pieces of about equal size.
func split(data []byte, n int) [][]byte {
	size := (len(data) + n - 1) / n
	if size == 0 {
		return nil
	}
	var out [][]byte
	for len(data) > 0 {
		k := min(size, len(data))
		out = append(out, data[:k])
		data = data[k:]
	}
	return out
}
