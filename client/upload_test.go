package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// streamClient is a client of url with no login, a fake clock and the
// jitter at the middle of its range.
func streamClient(t testing.TB, url string, clk *mock.FakeClock, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(url, append([]client.Option{client.WithClock(clk), client.WithRandom(half)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// onlyReader hides every method of r but Read: a body that cannot seek
// and has no known size.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestUploadOfAFileAnswered503ThenOKSendsTwoFullEqualBodies(t *testing.T) {
	data := make([]byte, 3<<20+17)
	_ = newContent(int64(len(data)), 3).readAt(data, 0)
	path := filepath.Join(t.TempDir(), "rec.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newSink(t, 503, 200)
	clk := mock.NewFakeClock()
	c := streamClient(t, s.URL, clk)
	if err := c.Do(context.Background(), "PUT", "/v1/files/rec.bin", f, nil); err != nil {
		t.Fatal(err)
	}
	got, want := s.received(), sha256.Sum256(data)
	if len(got) != 2 {
		t.Fatalf("requests = %d, want 2", len(got))
	}
	for i, u := range got {
		if u.n != int64(len(data)) || u.sum != want || u.contentLength != int64(len(data)) || u.contentType != "application/octet-stream" {
			t.Errorf("body %d: %d bytes (Content-Length %d, %q), equal %v; want %d, equal", i+1, u.n, u.contentLength, u.contentType, u.sum == want, len(data))
		}
	}
	if n := len(clk.Sleeps()); n != 1 {
		t.Errorf("sleeps = %d, want 1", n)
	}
}

func TestUploadRewindsAReadSeekerToWhereItStarted(t *testing.T) {
	data := []byte("skip-me:the body proper")
	r := bytes.NewReader(data)
	_, _ = r.Seek(8, io.SeekStart)
	s := newSink(t, 502, 502, 200)
	c := streamClient(t, s.URL, mock.NewFakeClock())
	if err := c.Do(context.Background(), "PUT", "/v1/files/x", r, nil, client.ContentType("text/plain")); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data[8:])
	got := s.received()
	if len(got) != 3 {
		t.Fatalf("requests = %d, want 3", len(got))
	}
	for i, u := range got {
		if u.sum != want || u.contentLength != int64(len(data)-8) || u.contentType != "text/plain" {
			t.Errorf("body %d: %d bytes, Content-Length %d, %q; want the %d bytes after the start, text/plain", i+1, u.n, u.contentLength, u.contentType, len(data)-8)
		}
	}
}

func TestUploadOfAPlainReaderIsSentOnce(t *testing.T) {
	t.Run("reset mid-body", func(t *testing.T) {
		s := newSink(t, 200)
		s.resetAfter = 1 << 20
		c := streamClient(t, s.URL, mock.NewFakeClock())
		body := onlyReader{newContent(8<<20, 1).reader(0)}
		err := c.Do(context.Background(), "PUT", "/v1/files/x", body, nil)
		if !errors.Is(err, client.ErrBodyNotReplayable) {
			t.Fatalf("err = %v, want ErrBodyNotReplayable", err)
		}
		var te *apierrors.TransportError
		if !errors.As(err, &te) || te.Attempts != 1 {
			t.Errorf("err = %#v, want a TransportError of 1 attempt", err)
		}
		if n := len(s.received()); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
	t.Run("answered 503", func(t *testing.T) {
		s := newSink(t, 503, 200)
		clk := mock.NewFakeClock()
		c := streamClient(t, s.URL, clk)
		err := c.Do(context.Background(), "POST", "/v1/files", onlyReader{bytes.NewReader(make([]byte, 100<<10))}, nil)
		if !errors.Is(err, client.ErrBodyNotReplayable) || !errors.Is(err, apierrors.Code(503)) {
			t.Fatalf("err = %v, want ErrBodyNotReplayable and the 503", err)
		}
		got := s.received()
		if len(got) != 1 || got[0].n != 100<<10 || got[0].contentLength != -1 {
			t.Errorf("received %+v, want one body of %d bytes, chunked", got, 100<<10)
		}
		if n := len(clk.Sleeps()); n != 0 {
			t.Errorf("sleeps = %d, want 0", n)
		}
	})
	t.Run("refused before a byte was read", func(t *testing.T) {
		s := newSink(t, 200)
		var refused atomic.Int32
		hc := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if refused.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
			}
			return http.DefaultTransport.RoundTrip(req)
		})}
		c := streamClient(t, s.URL, mock.NewFakeClock(), client.WithHTTPClient(hc))
		data := make([]byte, 70<<10)
		if err := c.Do(context.Background(), "POST", "/v1/files", onlyReader{bytes.NewReader(data)}, nil); err != nil {
			t.Fatal(err)
		}
		if got := s.received(); len(got) != 1 || got[0].n != int64(len(data)) || refused.Load() != 2 {
			t.Errorf("received %+v after %d attempts, want one whole body after 2", got, refused.Load())
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func TestUploadReplayedAfterARelogin(t *testing.T) {
	t.Run("a ReadSeeker is sent again whole", func(t *testing.T) {
		f := newFakeAPI(t)
		f.on("POST", "/v1/files", code(10001), ok(`{}`))
		c := newClient(t, f, mock.NewFakeClock())
		if err := c.Do(context.Background(), "POST", "/v1/files", bytes.NewReader([]byte("firmware-v2")), nil); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, r := range f.recorded() {
			if r.Path == "/v1/files" {
				bodies = append(bodies, string(r.Body))
			}
		}
		if len(bodies) != 2 || bodies[0] != "firmware-v2" || bodies[1] != bodies[0] || f.logins.Load() != 2 {
			t.Errorf("bodies %q after %d logins, want the whole body twice after 2", bodies, f.logins.Load())
		}
	})
	t.Run("a plain reader is not, and its session is condemned", func(t *testing.T) {
		f := newFakeAPI(t)
		f.on("POST", "/v1/files", code(10001), ok(`{}`))
		c := newClient(t, f, mock.NewFakeClock())
		err := c.Do(context.Background(), "POST", "/v1/files", onlyReader{bytes.NewReader([]byte("firmware-v2"))}, nil)
		if !errors.Is(err, client.ErrBodyNotReplayable) || !errors.Is(err, apierrors.Code(10001)) {
			t.Fatalf("err = %v, want ErrBodyNotReplayable and 10001", err)
		}
		if n := f.count("POST", "/v1/files"); n != 1 || f.logins.Load() != 1 {
			t.Fatalf("requests = %d after %d logins, want 1 after 1", n, f.logins.Load())
		}
		// The next call logs in: the session the 10001 condemned is not
		// handed out again.
		if err := c.Do(context.Background(), "POST", "/v1/files", []byte(`{}`), nil); err != nil {
			t.Fatal(err)
		}
		if f.logins.Load() != 2 {
			t.Errorf("logins = %d, want 2", f.logins.Load())
		}
	})
}

func TestUploadOfASectionReaderSendsWhatIsLeftOfIt(t *testing.T) {
	data := []byte("header|payload of the section")
	sr := io.NewSectionReader(bytes.NewReader(data), 7, int64(len(data)-7))
	_, _ = sr.Seek(3, io.SeekStart)
	s := newSink(t, 200)
	c := streamClient(t, s.URL, mock.NewFakeClock())
	if err := c.Do(context.Background(), "PUT", "/v1/files/x", sr, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.received(); len(got) != 1 || got[0].contentLength != int64(len(data)-10) || got[0].sum != sha256.Sum256(data[10:]) {
		t.Errorf("received %+v, want the %d bytes after the position", got, len(data)-10)
	}
}
