package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// bytesPerCall returns the bytes the process allocates per call of f,
// averaged over n calls after one warm-up call.
func bytesPerCall(t *testing.T, n int, f func() error) uint64 {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(n)
}

// TestPostBodyIsNotCopied: a 1 MiB body goes to the transport as a reader
// it can rewind, never copied per attempt, so the call allocates far less
// than the body (hand-written resty with a []byte body copies it twice).
func TestPostBodyIsNotCopied(t *testing.T) {
	in := json.RawMessage(bigPayload(1 << 20))
	srv := serve(t, []byte(doBody), false)
	c := sdkClient(t, srv.URL)
	ctx := context.Background()
	ours := bytesPerCall(t, 20, func() error {
		var out doList
		return c.Do(ctx, "POST", "/v1/devices", in, &out)
	})
	rc := resty.New().SetBaseURL(srv.URL)
	t.Cleanup(rc.GetClient().CloseIdleConnections)
	theirs := bytesPerCall(t, 20, func() error {
		var env restyEnvelope
		return restyCall(ctx, rc, "POST", "/v1/devices", []byte(in), &env)
	})
	t.Logf("POST %d B body: %d B allocated per call (%.3f of the body); hand-written resty %d B", len(in), ours, float64(ours)/float64(len(in)), theirs)
	if ours > uint64(len(in))/4 {
		t.Fatalf("%d B allocated per call, want at most a quarter of the %d B body", ours, len(in))
	}
}

// TestBodyIsSentAgainOnRetry: the reader handed to the transport is fresh
// for every attempt, so a retried POST sends its whole body every time.
func TestBodyIsSentAgainOnRetry(t *testing.T) {
	in := json.RawMessage(bigPayload(256 << 10))
	var (
		mu  sync.Mutex
		got [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 0, len(in))
		for {
			n, err := r.Body.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err != nil || len(b) == cap(b) {
				break
			}
		}
		mu.Lock()
		got = append(got, b)
		n := len(got)
		mu.Unlock()
		if n < 3 {
			w.Write([]byte(`{"Response":{"Error":{"Code":20005,"Message":"timeout"}}}`))
			return
		}
		w.Write([]byte(doBody))
	}))
	t.Cleanup(srv.Close)
	c := sdkClient(t, srv.URL, client.WithClock(mock.NewFakeClock()))
	if err := c.Do(context.Background(), "POST", "/v1/devices", in, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for i, b := range got {
		if string(b) != string(in) {
			t.Errorf("attempt %d sent %d bytes, want the %d of the body", i+1, len(b), len(in))
		}
	}
}

// TestLargeResponseIsReadInPlace: a 10 MB answer with a Content-Length is
// read into one buffer of that size, so the call allocates less than the
// same call written with resty, which reads the body by growing chunks
// and then copies them; without a Content-Length the SDK's chunks cost no
// more than resty's.
func TestLargeResponseIsReadInPlace(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("decodes 10 MB bodies: slow in -short and -race runs")
	}
	body := bigList(10 << 20)
	for _, tt := range []struct {
		name    string
		chunked bool
		max     float64
	}{
		{"Content-Length", false, 0.85},
		{"chunked", true, 1.0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, body, tt.chunked)
			ctx := context.Background()
			c := sdkClient(t, srv.URL)
			ours := bytesPerCall(t, 3, func() error {
				var out doList
				return c.Do(ctx, "GET", "/v1/devices", nil, &out)
			})
			rc := resty.New().SetBaseURL(srv.URL)
			t.Cleanup(rc.GetClient().CloseIdleConnections)
			theirs := bytesPerCall(t, 3, func() error {
				var env restyEnvelope
				return restyCall(ctx, rc, "GET", "/v1/devices", nil, &env)
			})
			ratio := float64(ours) / float64(theirs)
			t.Logf("GET %d B, %s: %d B allocated per call, hand-written resty %d B: %.3f×", len(body), tt.name, ours, theirs, ratio)
			if ratio > tt.max {
				t.Fatalf("%.3f× the bytes of hand-written resty, want at most %.2f×", ratio, tt.max)
			}
		})
	}
}

// TestOversizedChunkedBodyCostsAtMostTheCap: a 100 MB answer without a
// Content-Length is cut at the 32 MiB cap, and reading it costs about the
// cap, not the 2–6× of a buffer grown by copying, once: the call is not
// retried.
func TestOversizedChunkedBodyCostsAtMostTheCap(t *testing.T) {
	const size = 100 << 20
	block := make([]byte, 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for sent := 0; sent < size; sent += len(block) {
			if _, err := w.Write(block); err != nil {
				return // the client hung up at its cap
			}
		}
	}))
	t.Cleanup(srv.Close)
	c := sdkClient(t, srv.URL, client.WithMaxResponseBytes(client.DefaultMaxResponseBytes))
	var err error
	cost := bytesPerCall(t, 1, func() error {
		err = c.Do(context.Background(), "GET", "/v1/big", nil, nil)
		return nil
	})
	var te *apierrors.TransportError
	if !errors.Is(err, client.ErrResponseTooLarge) || !errors.As(err, &te) || te.Attempts != 1 {
		t.Fatalf("err = %v, want ErrResponseTooLarge after 1 attempt: sending again brings the same body", err)
	}
	limit := float64(client.DefaultMaxResponseBytes)
	t.Logf("100 MB chunked answer, cap %d B: %d B allocated (%.2f× the cap)", client.DefaultMaxResponseBytes, cost, float64(cost)/limit)
	if float64(cost) > 1.5*limit {
		t.Fatalf("%d B allocated, want at most 1.5× the %d B cap", cost, client.DefaultMaxResponseBytes)
	}
}
