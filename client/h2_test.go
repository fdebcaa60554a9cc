package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/client"
)

// serveH2 is serve over TLS with HTTP/2 negotiated, which sends a body's
// end in a read of its own.
func serveH2(tb testing.TB, body []byte) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

// TestH2ResponseIsReadInPlace: over HTTP/2 a 1 MB answer with a
// Content-Length is read into one buffer of its size, as over HTTP/1.1:
// the end, which HTTP/2 delivers apart, is looked for without a chunk that
// would be joined (a copy of the whole body). The call allocates at most
// 0.85× the bytes of the same call written with resty.
func TestH2ResponseIsReadInPlace(t *testing.T) {
	if raceEnabled {
		t.Skip("counts the bytes a call allocates: the race detector adds its own")
	}
	body := bigList(1 << 20)
	srv := serveH2(t, body)
	ctx := context.Background()
	c := sdkClient(t, srv.URL, client.WithHTTPClient(srv.Client()))
	ours := bytesPerCall(t, 10, func() error {
		var out doList
		return c.Do(ctx, "GET", "/v1/devices", nil, &out)
	})
	rc := resty.NewWithClient(srv.Client()).SetBaseURL(srv.URL)
	theirs := bytesPerCall(t, 10, func() error {
		var env restyEnvelope
		return restyCall(ctx, rc, "GET", "/v1/devices", nil, &env)
	})
	ratio := float64(ours) / float64(theirs)
	t.Logf("GET %d B over HTTP/2: %d B allocated per call, hand-written resty %d B: %.3f×", len(body), ours, theirs, ratio)
	if ratio > 0.85 {
		t.Fatalf("%.3f× the bytes of hand-written resty, want at most 0.85×", ratio)
	}
}

// BenchmarkGet1MB is a 1 MB answer with a Content-Length over HTTP/1.1
// and, as "h2-…", over HTTP/2 (TLS on loopback).
func BenchmarkGet1MB(b *testing.B) {
	body := bigList(1 << 20)
	ctx := context.Background()
	h1, h2 := serve(b, body, false), serveH2(b, body)
	for _, side := range []struct {
		name string
		srv  *httptest.Server
		hc   *http.Client
	}{
		{"h1", h1, nil},
		{"h2", h2, h2.Client()},
	} {
		b.Run(side.name+"-sdk", func(b *testing.B) {
			var opts []client.Option
			if side.hc != nil {
				opts = append(opts, client.WithHTTPClient(side.hc))
			}
			c := sdkClient(b, side.srv.URL, opts...)
			b.ReportAllocs()
			for b.Loop() {
				var out doList
				if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(side.name+"-resty", func(b *testing.B) {
			rc := resty.New()
			if side.hc != nil {
				rc = resty.NewWithClient(side.hc)
			}
			rc.SetBaseURL(side.srv.URL)
			b.Cleanup(rc.GetClient().CloseIdleConnections)
			b.ReportAllocs()
			for b.Loop() {
				var env restyEnvelope
				if err := restyCall(ctx, rc, "GET", "/v1/devices", nil, &env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
