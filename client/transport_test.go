package client

import (
	"net/http"
	"testing"

	"github.com/go-resty/resty/v2"
)

func TestDefaultTransportIsMadeForConcurrentCalls(t *testing.T) {
	c, err := New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.transport().(*http.Transport)
	if !ok {
		t.Fatalf("transport is %T, want *http.Transport", c.transport())
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"MaxIdleConnsPerHost is DefaultMaxIdleConnsPerHost", tr.MaxIdleConnsPerHost == DefaultMaxIdleConnsPerHost},
		{"MaxIdleConnsPerHost is at least 100", tr.MaxIdleConnsPerHost >= 100},
		{"MaxIdleConns holds a full host pool", tr.MaxIdleConns >= tr.MaxIdleConnsPerHost},
		{"IdleConnTimeout is DefaultIdleConnTimeout", tr.IdleConnTimeout == DefaultIdleConnTimeout},
		{"Proxy from the environment", tr.Proxy != nil},
		{"HTTP/2 when TLS allows", tr.ForceAttemptHTTP2},
		{"dial is bounded", tr.DialContext != nil},
		{"TLS handshake is bounded", tr.TLSHandshakeTimeout > 0},
		{"no response-header timeout, for long polls", tr.ResponseHeaderTimeout == 0},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("default transport: want %s", ch.name)
		}
	}
}

func TestCallersTransportWins(t *testing.T) {
	mine := &http.Transport{MaxIdleConnsPerHost: 7}
	c, err := New("http://127.0.0.1:1", WithHTTPClient(&http.Client{Transport: mine}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.transport(); got != mine {
		t.Errorf("WithHTTPClient: transport %p, want the caller's %p", got, mine)
	}

	rc := resty.New()
	before := rc.GetClient().Transport
	c, err = New("http://127.0.0.1:1", WithRestyClient(rc))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.transport(); got != before {
		t.Errorf("WithRestyClient: transport %p, want resty's own %p", got, before)
	}
}

// transport returns the transport the client's sendOnce wraps.
func (c *Client) transport() http.RoundTripper {
	return c.rc.GetClient().Transport.(*sendOnce).rt
}

// TestTheWrapperClosesIdleConnections: http.Client.CloseIdleConnections
// reaches the transport through the SDK's wrapper.
func TestTheWrapperClosesIdleConnections(t *testing.T) {
	var closed bool
	c, err := New("http://127.0.0.1:1", WithHTTPClient(&http.Client{Transport: closer{func() { closed = true }}}))
	if err != nil {
		t.Fatal(err)
	}
	c.rc.GetClient().CloseIdleConnections()
	if !closed {
		t.Error("the wrapped transport's CloseIdleConnections was not called")
	}
}

type closer struct{ close func() }

func (closer) RoundTrip(*http.Request) (*http.Response, error) { return nil, http.ErrNotSupported }
func (c closer) CloseIdleConnections()                         { c.close() }
