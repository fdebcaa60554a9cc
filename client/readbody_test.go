package client

import (
	"bytes"
	stderrors "errors"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"testing"
)

// pieces reads its data n bytes at a time and can end with EOF in the same
// Read as the last bytes (as net/http does) or in a Read of its own.
type pieces struct {
	data       []byte
	n          int
	eofApart   bool
	err        error // returned instead of EOF
	infiniteOf byte  // > 0: never ends, every byte is this
}

func (p *pieces) Read(b []byte) (int, error) {
	if p.infiniteOf > 0 {
		n := min(len(b), p.n)
		for i := range b[:n] {
			b[i] = p.infiniteOf
		}
		return n, nil
	}
	end := io.EOF
	if p.err != nil {
		end = p.err
	}
	if len(p.data) == 0 {
		return 0, end
	}
	n := copy(b, p.data[:min(p.n, len(p.data))])
	p.data = p.data[n:]
	if len(p.data) == 0 && !p.eofApart {
		return n, end
	}
	return n, nil
}

func TestReadBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<12) // 64 KiB
	broken := stderrors.New("connection reset")
	tests := []struct {
		name    string
		r       io.Reader
		length  int64
		limit   int64
		want    []byte
		wantErr error
	}{
		{"no body", http.NoBody, 10, 100, nil, nil},
		{"known length, EOF with the last bytes", &pieces{data: body, n: 1000}, int64(len(body)), 1 << 20, body, nil},
		{"known length, EOF in a read of its own", &pieces{data: body, n: 1000, eofApart: true}, int64(len(body)), 1 << 20, body, nil},
		{"known length under the true length goes on reading", &pieces{data: body, n: 4096}, 100, 1 << 20, body, nil},
		{"known length, a few bytes more, EOF apart", &pieces{data: body[:110], n: 100, eofApart: true}, 100, 1 << 20, body[:110], nil},
		{"known length, a few bytes more, EOF with them", &pieces{data: body[:110], n: 100}, 100, 1 << 20, body[:110], nil},
		{"known length, more than a probe more", &pieces{data: body[:5000], n: 1000, eofApart: true}, 100, 1 << 20, body[:5000], nil},
		{"known length, longer than said and over the limit", &pieces{data: body[:5000], n: 1000, eofApart: true}, 100, 150, nil, ErrResponseTooLarge},
		{"unknown length, one read", &pieces{data: body[:300], n: 1 << 20}, -1, 1 << 20, body[:300], nil},
		{"unknown length, many chunks", &pieces{data: body, n: 777}, -1, 1 << 20, body, nil},
		{"unknown length, exactly the limit", &pieces{data: body, n: 5000}, -1, int64(len(body)), body, nil},
		{"unknown length, one byte over the limit", &pieces{data: body, n: 5000}, -1, int64(len(body)) - 1, nil, ErrResponseTooLarge},
		{"known length over the limit is not read", &pieces{data: body, n: 5000}, int64(len(body)), 100, nil, ErrResponseTooLarge},
		{"known length lying under the limit", &pieces{data: body, n: 5000}, 10, 100, nil, ErrResponseTooLarge},
		{"empty, unknown length", &pieces{}, -1, 100, []byte{}, nil},
		{"read error", &pieces{data: body[:100], n: 10, err: broken}, -1, 1 << 20, nil, broken},
		{"read error after the known length", &pieces{data: body[:100], n: 10, eofApart: true, err: broken}, 100, 1 << 20, nil, broken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(tt.r, tt.length, tt.limit, nil)
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

// allocated returns the bytes f allocates, measured around one call.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReadBodyAllocates(t *testing.T) {
	const (
		limit = 8 << 20
		slack = 64 << 10 // what the runtime and the test allocate around the call
	)
	body := bytes.Repeat([]byte{'x'}, 5<<20)
	tests := []struct {
		name    string
		r       func() io.Reader
		length  int64
		wantErr error
		max     uint64 // bytes allocated, at most
	}{
		// A known length is read in place: 64 KiB first, then the whole
		// length.
		{"known length", func() io.Reader { return &pieces{data: body, n: 32 << 10} }, int64(len(body)), nil, uint64(len(body)) + 64<<10 + slack},
		// HTTP/2 delivers the end in a read of its own: it is looked for
		// in a small buffer, never in a chunk that a join would copy the
		// body into.
		{"known length, EOF apart", func() io.Reader { return &pieces{data: body, n: 32 << 10, eofApart: true} }, int64(len(body)), nil, uint64(len(body)) + 64<<10 + slack},
		// A length that lies about a body that never comes costs 64 KiB.
		{"lying length", func() io.Reader { return &pieces{data: body[:1000], n: 32 << 10, err: io.ErrUnexpectedEOF} }, int64(len(body)), io.ErrUnexpectedEOF, 64<<10 + slack},
		// Chunks of 512 B … 1 MiB (2 MiB − 512) and four more of 1 MiB,
		// the last one nearly empty: the body plus at most 1 MiB; then the
		// joined 5 MiB.
		{"unknown length", func() io.Reader { return &pieces{data: body, n: 32 << 10} }, -1, nil, 5<<20 + 1<<20 + 5<<20 + slack},
		// An endless body costs the limit, not the limit plus the copies
		// of a growing buffer.
		{"endless body", func() io.Reader { return &pieces{infiniteOf: 'x', n: 32 << 10} }, -1, ErrResponseTooLarge, limit + 1 + slack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r()
			var err error
			got := allocated(func() { _, err = readBody(r, tt.length, limit, nil) })
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			t.Logf("%d bytes allocated (at most %d)", got, tt.max)
			if got > tt.max {
				t.Fatalf("%d bytes allocated, want at most %d", got, tt.max)
			}
		})
	}
}

// TestReadBodyRecyclesWhatWasDecoded: a client reading bodies of one size
// again and again reads each into the last one's buffer, with or without a
// Content-Length, once the last one is recycled; chunks of an unknown
// length go back to their pool once joined. The garbage collector is held
// off, since it may empty a sync.Pool at any time.
func TestReadBodyRecyclesWhatWasDecoded(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector makes sync.Pool drop what it is given")
	}
	// A goroutine moved to another P between a Put and a Get misses what
	// it put: the next read is tried up to three times.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const (
		limit = 8 << 20
		slack = 64 << 10
	)
	body := bytes.Repeat([]byte{'x'}, 5<<20)
	for _, length := range []int64{int64(len(body)), -1} {
		var pool chunkPool
		read := func() []byte {
			got, err := readBody(&pieces{data: body, n: 32 << 10}, length, limit, &pool)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("length %d: %d bytes, err %v; want the body", length, len(got), err)
			}
			return got
		}
		var m runtime.MemStats
		total := func() uint64 { runtime.ReadMemStats(&m); return m.TotalAlloc }
		start := total()
		pool.recycle(read())
		first := total() - start
		again := uint64(0)
		for range 3 {
			start = total()
			pool.recycle(read())
			if again = total() - start; again <= slack {
				break
			}
		}
		t.Logf("length %d: first read %d bytes allocated, the next %d", length, first, again)
		if first < uint64(len(body)) || again > slack {
			t.Fatalf("length %d: %d bytes allocated, then %d; want the body, then at most %d", length, first, again, slack)
		}
	}
}
