package devcloudotel_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

func TestEachAttemptNamesItsEndpointAndASetAsideIsAnEvent(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(map[string]int{"Total": 3}))
	g1, g2 := mock.StartGateway(t, srv), mock.StartGateway(t, srv)
	g1.Fail(mock.Status(503))
	c, err := client.New(g1.URL, append(srv.ClientConfig().ClientOptions(),
		rec.option(), client.WithClock(mock.NewFakeClock()), client.WithEndpoints(g2.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Session(context.Background()); err != nil {
		t.Fatal(err)
	}
	g1.Heal()
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	spans := rec.spans.Ended()
	calls := named(spans, "devcloud GET")
	if len(calls) != 1 {
		t.Fatalf("%d call spans, want 1", len(calls))
	}
	// The login went to gateway 1 (503, set aside), then on to gateway 2;
	// the call, with gateway 1 in its cool-off, went to gateway 2 alone.
	attempts := children(spans, calls[0].SpanContext(), trace.SpanKindClient)
	if len(attempts) != 1 {
		t.Fatalf("%d attempt spans, want 1", len(attempts))
	}
	if v, _ := attr(attempts[0], "server.port"); v.AsInt64() != port(t, g2.URL) {
		t.Errorf("the call's attempt went to port %d, want gateway 2's %d", v.AsInt64(), port(t, g2.URL))
	}
	var logins []int64
	var event *attribute.Set
	for _, s := range named(spans, "POST") {
		v, _ := attr(s, "server.port")
		logins = append(logins, v.AsInt64())
		for _, e := range s.Events() {
			if e.Name == "devcloud.endpoint" {
				set := attribute.NewSet(e.Attributes...)
				event = &set
			}
		}
	}
	if len(logins) != 2 || logins[0] != port(t, g1.URL) || logins[1] != port(t, g2.URL) {
		t.Errorf("login requests went to ports %v, want gateway 1's then gateway 2's", logins)
	}
	if event == nil {
		t.Fatal("no devcloud.endpoint event")
	}
	for key, want := range map[string]string{"server.address": "127.0.0.1", "error.type": "503"} {
		if v, _ := event.Value(attribute.Key(key)); v.AsString() != want {
			t.Errorf("event %s = %q, want %q", key, v.AsString(), want)
		}
	}
	if v, _ := event.Value("server.port"); v.AsInt64() != port(t, g1.URL) {
		t.Errorf("event server.port = %d, want gateway 1's", v.AsInt64())
	}
	if v, _ := event.Value("devcloud.endpoint.set_aside"); !v.AsBool() {
		t.Error("event devcloud.endpoint.set_aside is not true")
	}
	if v, _ := event.Value("devcloud.endpoint.cool_off"); v.AsFloat64() <= 0 || v.AsFloat64() > client.DefaultEndpointCoolOff.Seconds() {
		t.Errorf("event devcloud.endpoint.cool_off = %v s, want in (0, 30]", v.AsFloat64())
	}
}

func port(t *testing.T, raw string) int64 {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return int64(p)
}
