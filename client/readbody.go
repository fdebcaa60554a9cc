package client

import (
	"io"
	"net/http"
)

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
// copying.
func readBody(r io.Reader, length, limit int64) ([]byte, error) {
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
	if length >= 0 {
		// A body longer than its Content-Length (a RoundTripper other than
		// net/http's may allow it) goes on in small chunks.
		b, next = make([]byte, 0, min(length, firstTrust)), firstChunk
	} else {
		b, next = make([]byte, 0, firstChunk), 2*firstChunk
	}
	for {
		if len(b) == cap(b) {
			switch {
			case int64(len(b)) < length:
				// The body is arriving: trust its Content-Length.
				grown := make([]byte, len(b), length)
				copy(grown, b)
				b = grown
			default:
				if len(b) > 0 {
					chunks = append(chunks, b)
					filled += int64(len(b))
				}
				size := min(next, limit+1-filled)
				b, next = make([]byte, 0, size), min(2*size, maxChunk)
			}
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if filled+int64(len(b)) > limit {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF {
			return join(chunks, b, filled), nil
		}
		if err != nil {
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
	all := make([]byte, 0, filled+int64(len(last)))
	for _, c := range chunks {
		all = append(all, c...)
	}
	return append(all, last...)
}
