package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"
)

// requestDiff lists the exported fields, the URL's among them, in which
// got differs from want, and their contexts.
func requestDiff(got, want *http.Request) []string {
	var d []string
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		f := gv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		switch f.Name {
		case "URL":
			if !reflect.DeepEqual(*got.URL, *want.URL) {
				d = append(d, fmt.Sprintf("URL: got %#v (%s), want %#v (%s)", *got.URL, got.URL, *want.URL, want.URL))
			}
			continue
		case "GetBody":
			if (got.GetBody == nil) != (want.GetBody == nil) {
				d = append(d, "GetBody nil-ness differs")
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			d = append(d, fmt.Sprintf("%s: got %#v, want %#v", f.Name, g, w))
		}
	}
	if got.Context() != want.Context() {
		d = append(d, "context differs")
	}
	return d
}

// TestRequestIsNewRequests wants the request newRequest builds, by
// whichever way, to be the one http.NewRequest builds from the whole URL,
// with the call's query and headers added: for every method, base URLs
// with and without a path, a port, an empty port, IPv6 hosts, escapes, and
// a caller's Host header.
func TestRequestIsNewRequests(t *testing.T) {
	ctx := context.WithValue(context.Background(), struct{}{}, 1)
	bases := []string{
		"http://h", "http://h/prefix", "http://h:8080", "http://h:8080/p/q", "http://h:",
		"http://h:/p", "http://[::1]", "http://[::1]:9000/x", "http://[::1]:", "https://H.Example.COM/A",
		"http://xn--caf-dma.example/", "http://h/a%2Fb", "http://h/a b",
	}
	methods := []string{"GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PATCH", "TRACE", "CONNECT"}
	paths := []string{"/v1/devices", "/", "/a:b@c;d=e", "/v1/devices/x$&+,"}
	queries := []url.Values{nil, {"a": {"x y"}, "b": {"1", "2"}}}
	hosts := []string{"", "other.example", "other.example:99"}
	for _, base := range bases {
		c, err := New(base)
		if err != nil {
			t.Fatalf("New(%q): %v", base, err)
		}
		for _, m := range methods {
			for _, p := range paths {
				for _, q := range queries {
					for _, h := range hosts {
						hdr := http.Header{"X-A": {"1"}}
						if h != "" {
							hdr.Set("Host", h)
						}
						a := &exchange{k: &call{method: m, path: p, opts: callConfig{query: q}}, header: hdr, base: c.baseURL}
						got, err := c.newRequest(ctx, a)
						if err != nil {
							t.Fatalf("%s %s%s: %v", m, base, p, err)
						}
						var body io.Reader
						if carriesBody(m) {
							body = http.NoBody
						}
						want, err := http.NewRequestWithContext(ctx, m, c.baseURL+p, body)
						if err != nil {
							t.Fatalf("NewRequest: %v", err)
						}
						want = c.finishRequest(want, &exchange{k: a.k, header: hdr, base: c.baseURL})
						if d := requestDiff(got, want); len(d) > 0 {
							t.Fatalf("base %q, %s %s, query %v, Host %q:\n%v", base, m, p, q, h, d)
						}
					}
				}
			}
		}
	}
}

// TestBareRequestIsNeverShared wants the request a bodyless call starts as
// a copy of left as it was, whatever the callers do to theirs at once.
func TestBareRequestIsNeverShared(t *testing.T) {
	c, err := New("http://h:8080/p")
	if err != nil {
		t.Fatal(err)
	}
	before := *c.target.bare
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 200 {
				ctx := context.WithValue(context.Background(), struct{}{}, i)
				hdr := http.Header{"X-G": {fmt.Sprint(g)}}
				if i%2 == 0 {
					hdr.Set("Host", fmt.Sprintf("g%d.example", g))
				}
				a := &exchange{k: &call{method: "GET", path: fmt.Sprintf("/v/%d/%d", g, i),
					opts: callConfig{query: url.Values{"i": {fmt.Sprint(i)}}}}, header: hdr, base: c.baseURL}
				req, err := c.newRequest(ctx, a)
				if err != nil {
					t.Error(err)
					return
				}
				// What a transport or a caller might touch.
				req.URL.RawQuery += "&z=1"
				req.Header.Set("X-M", "1")
				req.Host = "mut"
				if req.URL.Path != fmt.Sprintf("/p/v/%d/%d", g, i) || req.Context() != ctx {
					t.Errorf("got %s", req.URL)
				}
			}
		})
	}
	wg.Wait()
	after := *c.target.bare
	if !reflect.DeepEqual(before, after) || c.target.u.RawQuery != "" || c.target.u.Path != "/p" {
		t.Errorf("the bare request changed: %#v -> %#v, URL %#v", before, after, c.target.u)
	}
}
