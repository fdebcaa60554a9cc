package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// droppingPlatform keeps its connections alive and drops the connection of
// every POST once it has read it, as a platform that crashes while acting
// on the request: the client cannot know whether the door opened.
type droppingPlatform struct {
	*httptest.Server
	mu    sync.Mutex
	posts []http.Header
}

func newDroppingPlatform(t *testing.T) *droppingPlatform {
	p := &droppingPlatform{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			write(w, ok(`{}`))
			return
		}
		p.mu.Lock()
		p.posts = append(p.posts, r.Header.Clone())
		p.mu.Unlock()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *droppingPlatform) sent() []http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]http.Header(nil), p.posts...)
}

// TestAPOSTWhoseConnectionDropsIsResentOnlyWhenTheCallerSaysSo: the
// connection drops after the POST was written, so the platform may have
// acted. Only the caller's IdempotencyKey or Idempotent(true) makes the SDK
// send it again; the SDK's own key is still sent. And net/http, which on a
// reused keep-alive connection would resend a POST carrying an
// Idempotency-Key by itself, never does: the platform sees exactly the
// SDK's attempts, each with the call's one key.
func TestAPOSTWhoseConnectionDropsIsResentOnlyWhenTheCallerSaysSo(t *testing.T) {
	tests := []struct {
		name  string
		opts  []client.CallOption
		key   bool // the call carries an idempotency key
		posts int
	}{
		// The platform may have opened the door: without the caller's
		// word, it is not asked again.
		{"the SDK's own key: sent once", nil, true, 1},
		{"the caller's key: retried", []client.CallOption{client.IdempotencyKey("door-7-open")}, true, 3},
		{"declared idempotent: retried, no key", []client.CallOption{client.Idempotent(true)}, false, 3},
	}
	// The SDK's own transport (an *http.Transport), and the same behind an
	// application's instrumenting RoundTripper.
	transports := map[string]func() http.RoundTripper{
		"default transport":  func() http.RoundTripper { return nil },
		"wrapped by the app": func() http.RoundTripper { return countingTransport{&http.Transport{}} },
	}
	for trName, newTransport := range transports {
		for _, tt := range tests {
			t.Run(trName+"/"+tt.name, func(t *testing.T) {
				testDroppedPOST(t, newTransport(), tt.opts, tt.key, tt.posts)
			})
		}
	}
}

// countingTransport stands for an application's RoundTripper around
// net/http's.
type countingTransport struct{ rt *http.Transport }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return c.rt.RoundTrip(r)
}
func (c countingTransport) CloseIdleConnections() { c.rt.CloseIdleConnections() }

// testDroppedPOST makes a keep-alive connection, then POSTs to the
// dropping platform through rt (nil: the SDK's own transport) and wants
// exactly posts requests and attempts, each with the call's one key.
func testDroppedPOST(t *testing.T, rt http.RoundTripper, opts []client.CallOption, key bool, posts int) {
	p := newDroppingPlatform(t)
	copts := []client.Option{client.WithClock(mock.NewFakeClock()), client.WithRandom(half)}
	if rt != nil {
		copts = append(copts, client.WithHTTPClient(&http.Client{Transport: rt}))
	}
	c, err := client.New(p.URL, copts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/doors", nil, nil); err != nil { // a connection to reuse
		t.Fatal(err)
	}
	err = c.Do(ctx, "POST", "/v1/doors/7/open", map[string]int{"Seconds": 5}, nil, opts...)
	var te *apierrors.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %T %v, want a TransportError", err, err)
	}
	sent := p.sent()
	if len(sent) != posts || te.Attempts != posts {
		t.Errorf("the platform got %d POSTs, Attempts %d; want %d and %d", len(sent), te.Attempts, posts, posts)
	}
	for i, h := range sent {
		if k := h.Get("Idempotency-Key"); k != sent[0].Get("Idempotency-Key") || k == "" && key {
			t.Errorf("POST %d: Idempotency-Key %q, want the call's one key", i+1, k)
		}
	}
}
