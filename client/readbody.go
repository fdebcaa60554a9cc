package client

import (
	stderrors "errors"
	"io"
	"math/bits"
	"net/http"
	"sync"
)

// ErrResponseTooLarge is the cause of a TransportError for a response body
// larger than WithMaxResponseBytes allows.
var ErrResponseTooLarge = stderrors.New("response body exceeds the client's size limit")

// readBody reads the whole body of a response whose Content-Length is
// length (-1 when unknown), failing with ErrResponseTooLarge once it passes
// limit.
//
// A known length under the limit sizes the buffer the body is read into in
// place, once the body has shown it is arriving: the first 64 KiB go into a
// buffer of their own, and only then is the whole length allocated. A
// Content-Length that lies about a body that never comes costs 64 KiB,
// never more than the limit; an honest one costs the length plus 64 KiB.
//
// An unknown length is read into chunks that double from 512 bytes up to 1
// MiB, and are joined once at the end, so nothing is copied while reading:
// a body of n bytes costs n plus at most 1 MiB of chunk space it did not
// fill, plus the n of the join (io.ReadAll's chunks cost up to a third
// more). The chunks never add up to more than limit+1 bytes: a body that
// turns out too large has cost the limit, not the 2–4× of a buffer grown by
// copying. With a non-nil pool the chunks are recycled once joined, so a
// client that keeps reading large bodies of unknown length allocates each
// about once, as it does with a Content-Length.
func readBody(r io.Reader, length, limit int64, pool *chunkPool) ([]byte, error) {
	if r == http.NoBody {
		// net/http's word that the response has none (HEAD, 204, 304),
		// whatever its Content-Length says.
		return nil, nil
	}
	if length > limit {
		return nil, ErrResponseTooLarge
	}
	const (
		firstChunk = 512
		maxChunk   = 1 << 20
		firstTrust = 64 << 10
	)
	var (
		b      []byte
		next   int64 // the size of the chunk after b
		chunks [][]byte
		filled int64 // bytes in chunks
	)
	defer func() { pool.put(chunks) }()
	if length >= 0 {
		// A body longer than its Content-Length (a RoundTripper other than
		// net/http's may allow it) goes on in small chunks. A recycled
		// buffer large enough costs nothing, whatever the length claims.
		if b = pool.recycled(length); b == nil {
			b = make([]byte, 0, min(length, firstTrust))
		}
		next = firstChunk
	} else {
		// The last body read, when it is back, is likely the right size.
		b = pool.reuse(firstChunk)
		next = min(max(2*int64(cap(b)), 2*firstChunk), maxChunk)
	}
	for {
		var (
			n   int
			err error
		)
		if len(b) == cap(b) && int64(len(b)) == length && len(chunks) == 0 {
			// All the Content-Length promised is in, and over HTTP/2 the
			// end comes on a read of its own. It is looked for in a small
			// buffer of the pool's: in a new chunk, the end would be a
			// join of the body and nothing, a copy of the whole body.
			var probe *[probeSize]byte
			probe, n, err = pool.probe(r)
			if n == 0 {
				switch {
				case err == io.EOF:
					return b, nil
				case err != nil:
					return nil, err
				}
				continue
			}
			// Longer than it said: on in chunks, the probe's bytes first.
			chunks = append(chunks, b)
			filled += int64(len(b))
			b = append(pool.get(firstChunk), probe[:n]...)
			next, n = 2*firstChunk, 0
			pool.unprobe(probe)
		} else {
			if len(b) == cap(b) {
				switch {
				case int64(len(b)) < length:
					// The body is arriving: trust its Content-Length.
					grown := pool.reuse(length)[:len(b)]
					copy(grown, b)
					b = grown
				default:
					if len(b) > 0 {
						chunks = append(chunks, b)
						filled += int64(len(b))
					}
					size := min(next, limit+1-filled)
					b, next = pool.get(size), min(2*size, maxChunk)
				}
			}
			n, err = r.Read(b[len(b):cap(b)])
		}
		b = b[:len(b)+n]
		if filled+int64(len(b)) > limit {
			chunks = append(chunks, b)
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF {
			if len(chunks) == 0 {
				return b, nil
			}
			all := join(chunks, b, filled)
			chunks = append(chunks, b) // joined: b goes back to the pool too
			return all, nil
		}
		if err != nil {
			chunks = append(chunks, b)
			return nil, err
		}
	}
}

// join returns chunks followed by last as one slice; last itself when
// there are no chunks.
func join(chunks [][]byte, last []byte, filled int64) []byte {
	if len(chunks) == 0 {
		return last
	}
	// Room for the read that finds the end, should this buffer be
	// recycled for a body of the same size.
	all := make([]byte, 0, filled+int64(len(last))+512)
	for _, c := range chunks {
		all = append(all, c...)
	}
	return append(all, last...)
}

// chunkPool recycles readBody's chunks by size class (512 bytes << i, up
// to 1 MiB) and the bodies it returned, once decoded. A nil *chunkPool
// recycles nothing.
type chunkPool struct {
	classes [12]sync.Pool
	bodies  sync.Pool
	probes  sync.Pool // *[probeSize]byte
}

// minRecycled is the smallest body worth recycling: smaller ones cost less
// to allocate than to pool.
const minRecycled = 64 << 10

// reuse returns an empty slice with a capacity of at least size bytes: a
// recycled body when one is back and large enough, else a new one.
func (p *chunkPool) reuse(size int64) []byte {
	if b := p.recycled(size); b != nil {
		return b
	}
	return make([]byte, 0, size)
}

// recycled returns a recycled body with a capacity of at least size bytes,
// emptied, or nil when none is back.
func (p *chunkPool) recycled(size int64) []byte {
	if p == nil || size < 0 {
		return nil
	}
	c, ok := p.bodies.Get().(*[]byte)
	if !ok {
		return nil
	}
	if int64(cap(*c)) < size {
		p.bodies.Put(c) // too small for this body: left for the next
		return nil
	}
	return (*c)[:0]
}

// recycle gives back a body readBody returned; the caller holds no part of
// it any more.
func (p *chunkPool) recycle(body []byte) {
	if p != nil && cap(body) >= minRecycled {
		kept := body // a parameter whose address is taken costs every call a heap copy
		p.bodies.Put(&kept)
	}
}

// probeSize is the size of the buffer readBody looks for a body's end in.
const probeSize = 512

// probe reads once from r into a buffer of the pool's, which it returns
// with what was read. A nil *chunkPool's probe is a new buffer.
func (p *chunkPool) probe(r io.Reader) (*[probeSize]byte, int, error) {
	var buf *[probeSize]byte
	if p != nil {
		buf, _ = p.probes.Get().(*[probeSize]byte)
	}
	if buf == nil {
		buf = new([probeSize]byte)
	}
	n, err := r.Read(buf[:])
	if n == 0 {
		p.unprobe(buf)
	}
	return buf, n, err
}

// unprobe gives a probe's buffer back.
func (p *chunkPool) unprobe(buf *[probeSize]byte) {
	if p != nil {
		p.probes.Put(buf)
	}
}

// class returns the index of the size class of exactly size bytes, or -1.
func class(size int64) int {
	if size < 512 || size > 1<<20 || size&(size-1) != 0 {
		return -1
	}
	return bits.TrailingZeros64(uint64(size)) - 9
}

// get returns an empty slice with a capacity of size bytes.
func (p *chunkPool) get(size int64) []byte {
	if i := class(size); p != nil && i >= 0 {
		if c, ok := p.classes[i].Get().(*[]byte); ok {
			return (*c)[:0]
		}
	}
	return make([]byte, 0, size)
}

// put gives chunks of a class size back; the caller holds none of them
// any more.
func (p *chunkPool) put(chunks [][]byte) {
	if p == nil {
		return
	}
	for _, c := range chunks {
		if i := class(int64(cap(c))); i >= 0 {
			kept := c
			p.classes[i].Put(&kept)
		}
	}
}
