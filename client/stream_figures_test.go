package client_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/devcloud/devcloud-go/mock"
)

// allocated returns the bytes the process allocated while f ran, as
// runtime/metrics counts them (/gc/heap/allocs:bytes): every goroutine's,
// the loopback server's included, so it bounds the SDK's from above.
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	runtime.GC()
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// The 1 GiB figures of SPEC §1b (go test ./client -run 'Test1GiB' -v): they
// move a generated gibibyte over loopback, a few seconds each, and are
// skipped with -short. The two run side by side, and only with each other
// (no other test of the package is parallel): each counts the other's
// allocations too, a few hundred KiB, which can only make its bound
// stricter.
const gib = 1 << 30

func Test1GiBDownloadResetTwiceInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 1 GiB")
	}
	t.Parallel()
	f := newFileServer(t, gib)
	f.cuts, f.rst = []int64{gib * 3 / 10, gib * 7 / 10}, true
	c := streamClient(t, f.URL, mock.NewFakeClock())
	w := newHashWriter()
	want := f.c.sumLater(t)
	var err error
	alloc := allocated(func() { err = c.Do(context.Background(), "GET", "/v1/recordings/big", nil, w) })
	if err != nil {
		t.Fatal(err)
	}
	if want := want(); w.sum() != want || w.n != gib {
		t.Fatalf("wrote %d bytes, equal %v; want %d, equal", w.n, w.sum() == want, gib)
	}
	ranges := f.rangesAsked()
	if len(ranges) != 3 || ranges[0] != "" {
		t.Fatalf("Range headers %q, want none, then two resumes", ranges)
	}
	// A reset drops what the client had not read yet: it is fetched again
	// from the offset the client reached. Bytes served are the size plus
	// exactly those, each at most what loopback's socket buffers hold.
	var lost int64
	for i, cut := range []int64{gib * 3 / 10, gib * 7 / 10} {
		from, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(ranges[i+1], "bytes="), "-"), 10, 64)
		if err != nil || from > cut || cut-from > 16<<20 {
			t.Fatalf("resume %d asked %q for a cut at %d", i+1, ranges[i+1], cut)
		}
		lost += cut - from
	}
	if got := f.servedAll(); got != gib+lost {
		t.Errorf("bytes served = %d, want %d + %d in flight at the resets", got, int64(gib), lost)
	}
	t.Logf("1 GiB download, resets at 30%% and 70%%: SHA-256 equal, %d requests (%q), %d bytes served = size + %d in flight, %s allocated during the call",
		len(ranges), ranges, f.servedAll(), lost, mib(alloc))
	if alloc > 8<<20 {
		t.Errorf("allocated %s during the call, want ≤ 8 MiB", mib(alloc))
	}
}

func Test1GiBUploadFromAReaderInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 1 GiB")
	}
	t.Parallel()
	src := newContent(gib, 5)
	s := newSink(t, 200)
	c := streamClient(t, s.URL, mock.NewFakeClock())
	want := src.sumLater(t)
	var err error
	alloc := allocated(func() { err = c.Do(context.Background(), "PUT", "/v1/files/big", onlyReader{src.reader(0)}, nil) })
	if err != nil {
		t.Fatal(err)
	}
	got := s.received()
	if len(got) != 1 || got[0].n != gib || got[0].sum != want() {
		t.Fatalf("received %d bodies, the first of %d bytes; want one of %d, equal", len(got), got[0].n, gib)
	}
	t.Logf("1 GiB upload from an io.Reader: 1 request, SHA-256 equal, %s allocated during the call", mib(alloc))
	if alloc > 8<<20 {
		t.Errorf("allocated %s during the call, want ≤ 8 MiB", mib(alloc))
	}
}

func mib(n uint64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }
