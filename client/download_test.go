package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

func TestDownloadCutTwiceResumesWithRangeAndIfRange(t *testing.T) {
	const size = 10 << 20
	cases := []struct {
		name          string
		etag, lastMod bool
		wantIfRange   string
	}{
		{"etag", true, true, `"v1"`},
		{"last-modified", false, true, "Mon, 07 Dec 2026 10:01:00 GMT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFileServer(t, size)
			f.etag, f.lastMod = tc.etag, tc.lastMod
			f.cuts = []int64{size * 3 / 10, size * 7 / 10} // truncated: every byte sent arrives
			clk := mock.NewFakeClock()
			var attempts int
			c := streamClient(t, f.URL, clk, client.WithAttemptHook(func(client.AttemptInfo) { attempts++ }))
			w := newHashWriter()
			if err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w); err != nil {
				t.Fatal(err)
			}
			if w.sum() != f.c.sum() || w.n != size {
				t.Errorf("wrote %d bytes, equal %v; want %d, equal", w.n, w.sum() == f.c.sum(), size)
			}
			want := []string{"", "bytes=" + strconv.Itoa(size*3/10) + "-", "bytes=" + strconv.Itoa(size*7/10) + "-"}
			if got := f.rangesAsked(); !slices.Equal(got, want) {
				t.Errorf("Range headers %q, want %q", got, want)
			}
			if got := f.ifRange; !slices.Equal(got, []string{"", tc.wantIfRange, tc.wantIfRange}) {
				t.Errorf("If-Range headers %q, want %q twice", got, tc.wantIfRange)
			}
			if got := f.servedAll(); got != size {
				t.Errorf("bytes served = %d, want %d", got, size)
			}
			if attempts != 3 || len(clk.Sleeps()) != 2 {
				t.Errorf("attempts = %d, sleeps = %d; want 3 and 2", attempts, len(clk.Sleeps()))
			}
		})
	}
}

func TestDownloadThatChangesStartsOverOnlyIntoAWriterThatCanRewind(t *testing.T) {
	const size = 1 << 20
	t.Run("plain writer", func(t *testing.T) {
		f := newFileServer(t, size)
		f.cuts, f.changeAt = []int64{size / 2}, 2
		c := streamClient(t, f.URL, mock.NewFakeClock())
		w := newHashWriter()
		err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w)
		if !errors.Is(err, client.ErrDownloadChanged) {
			t.Fatalf("err = %v, want ErrDownloadChanged", err)
		}
		if n := len(f.rangesAsked()); n != 2 || w.n != size/2 {
			t.Errorf("requests = %d, written %d; want 2 and %d", n, w.n, size/2)
		}
	})
	t.Run("file", func(t *testing.T) {
		f := newFileServer(t, size)
		f.cuts, f.changeAt = []int64{size / 2}, 2
		c := streamClient(t, f.URL, mock.NewFakeClock())
		path := filepath.Join(t.TempDir(), "r1.bin")
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, out); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if sha256.Sum256(got) != f.c.sum() || f.c.version != 2 {
			t.Errorf("file of %d bytes is not version 2 (%d)", len(got), f.c.version)
		}
		if n := len(f.rangesAsked()); n != 2 {
			t.Errorf("requests = %d, want 2", n)
		}
	})
	t.Run("a server that ignores If-Range", func(t *testing.T) {
		for _, etag := range []bool{true, false} {
			f := newFileServer(t, size)
			f.etag, f.lastMod, f.noIfRange = etag, !etag, true
			f.cuts, f.changeAt = []int64{size / 2}, 2
			c := streamClient(t, f.URL, mock.NewFakeClock())
			w := newHashWriter()
			err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w)
			if !errors.Is(err, client.ErrDownloadChanged) || w.n != size/2 {
				t.Errorf("ETag %v: err = %v, %d bytes written; want ErrDownloadChanged after %d", etag, err, w.n, size/2)
			}
		}
	})
	t.Run("no ranges, writer at", func(t *testing.T) {
		f := newFileServer(t, size)
		f.ranges, f.cuts = false, []int64{size / 3}
		c := streamClient(t, f.URL, mock.NewFakeClock())
		w := &writerAt{}
		if err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w); err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(w.b) != f.c.sum() {
			t.Errorf("content of %d bytes differs", len(w.b))
		}
		if got := f.rangesAsked(); !slices.Equal(got, []string{"", ""}) {
			t.Errorf("Range headers %q, want none twice", got)
		}
	})
}

// writerAt is an io.WriterAt that also writes in order.
type writerAt struct{ b []byte }

func (w *writerAt) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *writerAt) WriteAt(p []byte, off int64) (int, error) {
	if need := off + int64(len(p)); need > int64(len(w.b)) {
		w.b = append(w.b, make([]byte, need-int64(len(w.b)))...)
	}
	return copy(w.b[off:], p), nil
}

func TestDownloadJudgesAJSONAnswerFirst(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/v1/recordings/r1", code(20021))
	f.on("GET", "/v1/recordings/r2", code(503), reply{status: 200, body: "raw-bytes", header: map[string]string{"Content-Type": "video/mp4"}})
	f.on("GET", "/v1/recordings/r3", ok(`{"Name":"r3.json"}`))
	c := newClient(t, f, mock.NewFakeClock())
	var w bytes.Buffer
	err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, &w)
	if !errors.Is(err, apierrors.Code(20021)) || w.Len() != 0 {
		t.Errorf("err = %v with %d bytes written, want 20021 and nothing written", err, w.Len())
	}
	if err := c.Do(context.Background(), "GET", "/v1/recordings/r2", nil, &w); err != nil || w.String() != "raw-bytes" {
		t.Errorf("err = %v, wrote %q; want raw-bytes", err, w.String())
	}
	w.Reset()
	if err := c.Do(context.Background(), "GET", "/v1/recordings/r3", nil, &w); err != nil || w.String() != `{"Response":{"Name":"r3.json"}}` {
		t.Errorf("err = %v, wrote %q; want the JSON file as sent", err, w.String())
	}
}

func TestDownloadCappedByWithMaxDownloadBytes(t *testing.T) {
	f := newFileServer(t, 2<<20)
	c := streamClient(t, f.URL, mock.NewFakeClock(), client.WithMaxDownloadBytes(1<<20))
	w := newHashWriter()
	err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w)
	if !errors.Is(err, client.ErrResponseTooLarge) || w.n != 0 || len(f.rangesAsked()) != 1 {
		t.Errorf("err = %v, written %d after %d requests; want ErrResponseTooLarge, 0, 1", err, w.n, len(f.rangesAsked()))
	}
	if _, err := client.New(f.URL, client.WithMaxDownloadBytes(0)); !errors.As(err, new(*client.InputError)) {
		t.Errorf("WithMaxDownloadBytes(0): %v, want an InputError", err)
	}
}

func TestDownloadResumesPayTheRetryBudget(t *testing.T) {
	const size = 1 << 20
	f := newFileServer(t, size)
	f.cuts = []int64{size / 4, size / 2}
	p := retry.DefaultPolicy()
	p.Budget.Capacity = 5 // one retry
	c := streamClient(t, f.URL, mock.NewFakeClock(), client.WithPolicy(p))
	err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, newHashWriter())
	if !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Fatalf("err = %v, want ErrBudgetExhausted", err)
	}
	if n := len(f.rangesAsked()); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestProgressOfADownloadAndAnUpload(t *testing.T) {
	const size = 1<<20 + 5
	type call struct{ done, total int64 }
	check := func(t *testing.T, calls []call, total int64) {
		t.Helper()
		if len(calls) < 2 || len(calls) > int(size/(64<<10))+1 || calls[len(calls)-1] != (call{size, total}) {
			t.Fatalf("calls %v: want 2 to %d, the last (%d, %d)", calls, size/(64<<10)+1, size, total)
		}
		for i := 1; i < len(calls); i++ {
			if d := calls[i].done - calls[i-1].done; d < 64<<10 && i != len(calls)-1 || d <= 0 {
				t.Errorf("call %d moved %d bytes, want ≥ 64 KiB, and more than none at the end", i, d)
			}
		}
	}
	t.Run("download", func(t *testing.T) {
		f := newFileServer(t, size)
		c := streamClient(t, f.URL, mock.NewFakeClock())
		var calls []call
		err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, io.Discard,
			client.Progress(func(done, total int64) { calls = append(calls, call{done, total}) }))
		if err != nil {
			t.Fatal(err)
		}
		check(t, calls, size)
	})
	t.Run("upload", func(t *testing.T) {
		s := newSink(t, 200)
		c := streamClient(t, s.URL, mock.NewFakeClock())
		var calls []call
		err := c.Do(context.Background(), "PUT", "/v1/files/x", onlyReader{newContent(size, 1).reader(0)}, nil,
			client.Progress(func(done, total int64) { calls = append(calls, call{done, total}) }))
		if err != nil {
			t.Fatal(err)
		}
		check(t, calls, -1)
	})
}

func TestDownloadIntoANilWriterIsAnInputError(t *testing.T) {
	c := streamClient(t, "http://127.0.0.1:1", mock.NewFakeClock())
	var w *bytes.Buffer
	err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, w)
	if !errors.As(err, new(*client.InputError)) {
		t.Errorf("err = %v, want an InputError", err)
	}
	_ = http.StatusOK
}
