package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/client"
)

// TestBothWaysSendTheSameRequest: a client on the SDK's own resty client
// builds its requests itself, one on a caller's resty client lets resty
// build them (request.go); the server sees the same requests from both —
// method, URL, query, headers, Host, Content-Length and body — for plain
// paths, escaped ones, queries, a base URL's path prefix, JSON, empty and
// streamed bodies. One difference is on purpose: a POST without a body
// goes with Content-Length: 0 where resty, having read http.NoBody into a
// buffer of its own, makes it a body of unknown length, sent chunked.
func TestBothWaysSendTheSameRequest(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var h []string
		for k, v := range r.Header {
			if k == "Idempotency-Key" {
				v = []string{"(a key)"} // a fresh one per call
			}
			h = append(h, k+": "+strings.Join(v, ", "))
		}
		slices.Sort(h)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s host=%s len=%d te=%v\n%s\n%q",
			r.Method, r.RequestURI, r.Host, r.ContentLength, r.TransferEncoding, strings.Join(h, "\n"), body))
		mu.Unlock()
		w.Write([]byte(`{"Response":{"RequestId":"r"}}`))
	}))
	t.Cleanup(srv.Close)
	calls := []struct {
		method, path string
		in           func() any
		opts         []client.CallOption
	}{
		{"GET", "/v1/devices", nil, nil},
		{"GET", "/v1/devices/cam-1:main@site;v=2", nil, nil},
		{"GET", "/v1/devices/a%20b/caf%C3%A9", nil, nil},
		{"GET", "/v1/devices/a'(x)!*[1]", nil, nil},
		{"GET", "/v1/devices?limit=10&q=a+b", nil, []client.CallOption{client.Query(url.Values{"z": {"1", "2"}, "a": {"x y"}})}},
		{"GET", "/v1/devices", nil, []client.CallOption{client.Query(url.Values{"token": {"s&cret"}})}},
		{"POST", "/v1/devices", func() any { return map[string]any{"Name": "cam"} }, nil},
		{"POST", "/v1/devices/reboot", nil, nil},
		{"DELETE", "/v1/devices/cam-1", nil, nil},
		{"PUT", "/v1/devices/cam-1", func() any { return []byte(`{"Name":"x"}`) }, []client.CallOption{client.Header("Host", "devices.example"), client.Header("X-Trace", "1")}},
		{"POST", "/v1/files", func() any { return strings.NewReader("file bytes") }, []client.CallOption{client.ContentType("text/plain")}},
		{"POST", "/v1/files", func() any { return bytes.NewReader([]byte("seekable")) }, nil},
		{"HEAD", "/v1/devices", nil, nil},
		{"OPTIONS", "/v1/devices", nil, nil},
		{"PATCH", "/v1/devices/cam-1", func() any { return []byte(`{}`) }, nil},
	}
	for _, base := range []string{srv.URL, srv.URL + "/prefix"} {
		ways := map[string]*client.Client{
			"own":   sdkClient(t, base),
			"resty": sdkClient(t, base, client.WithRestyClient(resty.New())),
		}
		got := map[string][]string{}
		for way, c := range ways {
			mu.Lock()
			seen = nil
			mu.Unlock()
			for _, call := range calls {
				var in any
				if call.in != nil {
					in = call.in()
				}
				if err := c.Do(context.Background(), call.method, call.path, in, nil, call.opts...); err != nil {
					t.Fatalf("%s: %s %s: %v", way, call.method, call.path, err)
				}
			}
			mu.Lock()
			got[way] = seen
			mu.Unlock()
		}
		if len(got["own"]) != len(calls) {
			t.Fatalf("%d requests, want %d", len(got["own"]), len(calls))
		}
		for i, call := range calls {
			if call.method == "POST" && call.in == nil {
				if want := " len=0 te=[]\n"; !strings.Contains(got["own"][i], want) || !strings.Contains(got["own"][i], "Content-Length: 0") {
					t.Errorf("base %s, call %d: an empty POST went as\n%s\nwant Content-Length: 0", base, i, got["own"][i])
				}
				continue
			}
			if got["own"][i] != got["resty"][i] {
				t.Errorf("base %s, call %d:\nbuilt by the SDK:\n%s\nbuilt by resty:\n%s", base, i, got["own"][i], got["resty"][i])
			}
		}
	}
}
