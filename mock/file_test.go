package mock_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// fileFlavours are the two flavours, each with the route scripted and a
// client of its own.
var fileFlavours = []struct {
	name string
	// exact: every byte sent before a cut arrives (the Mock); the
	// Server's resets drop what the client had not read yet.
	exact bool
	start func(t *testing.T, method, pattern string, replies []mock.Reply, opts ...client.Option) (*client.Client, func() []mock.Request)
}{
	{"Server", false, func(t *testing.T, method, pattern string, replies []mock.Reply, opts ...client.Option) (*client.Client, func() []mock.Request) {
		srv := mock.StartServer(t)
		srv.On(method, pattern, replies...)
		c, err := srv.NewClient(opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c, srv.Requests
	}},
	{"Mock", true, func(t *testing.T, method, pattern string, replies []mock.Reply, opts ...client.Option) (*client.Client, func() []mock.Request) {
		m := mock.New(t)
		m.On(method, pattern, replies...)
		c, err := m.NewClient(opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c, m.Requests
	}},
}

func TestFileServedWithRangesSurvivesTwoResets(t *testing.T) {
	const size = 3 << 20
	for _, fl := range fileFlavours {
		t.Run(fl.name, func(t *testing.T) {
			f := mock.GeneratedFile(size).ResetAt(1<<20, 2<<20)
			c, _ := fl.start(t, "GET", "/v1/recordings/{id}", []mock.Reply{f.Reply()}, client.WithClock(mock.NewFakeClock()))
			var out bytes.Buffer
			if err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, &out); err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(out.Bytes()) != f.SHA256() {
				t.Errorf("downloaded %d bytes that differ from the file", out.Len())
			}
			ranges := f.Ranges()
			if len(ranges) != 3 || ranges[0] != "" {
				t.Fatalf("Range headers %q, want none then two", ranges)
			}
			if fl.exact {
				want := []string{"", "bytes=" + strconv.Itoa(1<<20) + "-", "bytes=" + strconv.Itoa(2<<20) + "-"}
				if !slices.Equal(ranges, want) || f.Served() != size {
					t.Errorf("Range headers %q, %d bytes served; want %q, %d", ranges, f.Served(), want, size)
				}
			} else if f.Served() < size {
				t.Errorf("%d bytes served, want at least %d", f.Served(), size)
			}
		})
	}
}

func TestFileThatChangesBetweenTwoRequests(t *testing.T) {
	const size = 1 << 20
	for _, fl := range fileFlavours {
		t.Run(fl.name, func(t *testing.T) {
			f := mock.NewFile(bytes.Repeat([]byte("recording "), size/10)).ResetAt(size / 2)
			etag := f.ETag()
			c, _ := fl.start(t, "GET", "/v1/recordings/{id}", []mock.Reply{f.Reply()},
				client.WithClock(mock.NewFakeClock()),
				client.WithAttemptHook(func(a client.AttemptInfo) {
					if a.Attempt == 1 {
						f.Change()
					}
				}))
			var out bytes.Buffer
			err := c.Do(context.Background(), "GET", "/v1/recordings/r1", nil, &out)
			if !errors.Is(err, client.ErrDownloadChanged) {
				t.Fatalf("err = %v, want ErrDownloadChanged", err)
			}
			if n := len(f.Ranges()); n != 2 || f.ETag() == etag {
				t.Errorf("%d requests, ETag %s then %s; want 2, a new ETag", n, etag, f.ETag())
			}
		})
	}
}

func TestStreamedUploadIsReceivedAndCounted(t *testing.T) {
	const size = 40 << 20 // past what a Request keeps of a body
	for _, fl := range fileFlavours {
		t.Run(fl.name, func(t *testing.T) {
			c, requests := fl.start(t, "PUT", "/v1/files/{name}", []mock.Reply{mock.Status(503), mock.OK(nil)}, client.WithClock(mock.NewFakeClock()))
			body := bytes.NewReader(make([]byte, size))
			if err := c.Do(context.Background(), "PUT", "/v1/files/fw.bin", body, nil); err != nil {
				t.Fatal(err)
			}
			var sizes []int64
			for _, r := range requests() {
				if r.Path == "/v1/files/fw.bin" {
					sizes = append(sizes, r.BodySize)
				}
			}
			if !slices.Equal(sizes, []int64{size, size}) {
				t.Errorf("body sizes %v, want %d twice", sizes, size)
			}
		})
	}
}

// onlyReader hides every method of r but Read: a body that cannot seek.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestUploadResetAfterItsBodyIsNotSentAgain(t *testing.T) {
	for _, fl := range fileFlavours {
		t.Run(fl.name, func(t *testing.T) {
			c, requests := fl.start(t, "PUT", "/v1/files/{name}", []mock.Reply{mock.ResetBeforeResponse(), mock.OK(nil)}, client.WithClock(mock.NewFakeClock()))
			err := c.Do(context.Background(), "PUT", "/v1/files/fw.bin", onlyReader{bytes.NewReader(make([]byte, 1<<20))}, nil)
			if !errors.Is(err, client.ErrBodyNotReplayable) {
				t.Fatalf("err = %v, want ErrBodyNotReplayable", err)
			}
			var n int
			for _, r := range requests() {
				if r.Path == "/v1/files/fw.bin" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
		})
	}
}

func TestFileWithoutRangesIsSentWholeAgain(t *testing.T) {
	const size = 1 << 20
	for _, fl := range fileFlavours {
		t.Run(fl.name, func(t *testing.T) {
			f := mock.GeneratedFile(size).WithoutRanges().ResetAt(size / 2)
			c, _ := fl.start(t, "GET", "/v1/snapshots/{id}", []mock.Reply{f.Reply()}, client.WithClock(mock.NewFakeClock()))
			out, err := os.Create(filepath.Join(t.TempDir(), "snap.jpg"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			if err := c.Do(context.Background(), "GET", "/v1/snapshots/s1", nil, out); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out.Name())
			if sha256.Sum256(got) != f.SHA256() || !slices.Equal(f.Ranges(), []string{"", ""}) {
				t.Errorf("file of %d bytes, equal %v, Range headers %q; want the whole file, no Range twice",
					len(got), sha256.Sum256(got) == f.SHA256(), f.Ranges())
			}
		})
	}
}
