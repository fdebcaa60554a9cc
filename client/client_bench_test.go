package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/client"
)

// doBody is a ~300-byte success envelope.
const doBody = `{"Response":{"RequestId":"5f0e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b","Devices":[` +
	`{"Id":"dev-0001","Name":"front-door","Online":true,"Firmware":"2.4.1"},` +
	`{"Id":"dev-0002","Name":"garage","Online":false,"Firmware":"2.4.0"},` +
	`{"Id":"dev-0003","Name":"garden","Online":true,"Firmware":"2.4.1"}],"Total":3}}`

type doDevice struct {
	ID       string `json:"Id"`
	Name     string
	Online   bool
	Firmware string
}

type doList struct {
	RequestId string //nolint:revive // wire name
	Devices   []doDevice
	Total     int
}

func doServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(doBody)))
		w.Write([]byte(doBody))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkClientDo is the SDK's success path with a warm session.
func BenchmarkClientDo(b *testing.B) {
	srv := doServer(b)
	c, err := client.New(srv.URL, client.WithLogin(func(context.Context) (client.Session, error) {
		return client.Session{Token: "token", CSRFToken: "csrf"}, nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var out doList
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil || out.Total != 3 {
		b.Fatal(err, out)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var out doList
		if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientDoObserved is BenchmarkClientDo with an Observer whose
// functions do nothing: the cost of the observer calls themselves, beside
// BenchmarkClientDo's zero.
func BenchmarkClientDoObserved(b *testing.B) {
	srv := doServer(b)
	keep := func(ctx context.Context) context.Context { return ctx }
	c, err := client.New(srv.URL, client.WithLogin(func(context.Context) (client.Session, error) {
		return client.Session{Token: "token", CSRFToken: "csrf"}, nil
	}), client.WithObserver(client.Observer{
		CallStart:    func(ctx context.Context, _ client.CallInfo) context.Context { return keep(ctx) },
		CallEnd:      func(context.Context, client.CallResult) {},
		AttemptStart: func(ctx context.Context, _ client.RequestInfo) context.Context { return keep(ctx) },
		AttemptEnd:   func(context.Context, client.AttemptInfo) {},
	}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var out doList
		if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestyBaseline is the same call written by hand with resty:
// session headers, SetResult into the envelope, and the Error check.
func BenchmarkRestyBaseline(b *testing.B) {
	srv := doServer(b)
	rc := resty.New().SetBaseURL(srv.URL)
	type envelope struct {
		Response struct {
			doList
			Error *struct {
				Code    any
				Message string
			}
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var env envelope
		resp, err := rc.R().SetContext(ctx).
			SetHeader("Authorization", "Bearer token").
			SetHeader("X-CSRF-Token", "csrf").
			SetResult(&env).
			Get("/v1/devices")
		if err != nil || resp.IsError() || env.Response.Error != nil {
			b.Fatal(err, resp.Status())
		}
	}
}
