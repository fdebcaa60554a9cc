package devcloudotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

func TestBreakerStateIsAGaugeAndARefusedCallIsCircuitOpen(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(503))
	c, err := srv.NewClient(rec.option(), client.WithClock(mock.NewFakeClock()),
		client.WithCircuitBreaker(client.BreakerConfig{Window: time.Hour, MinFailures: 2, OpenFor: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	state := func() int64 {
		t.Helper()
		g, ok := rec.metrics(t)["devcloud.client.breaker.state"].Data.(metricdata.Gauge[int64])
		if !ok || len(g.DataPoints) != 1 {
			t.Fatalf("breaker state gauge %+v, want one point", g)
		}
		return g.DataPoints[0].Value
	}
	if got := state(); got != 0 {
		t.Errorf("breaker state of a new client %d, want 0 (closed)", got)
	}
	ctx := context.Background()
	for range 2 {
		if err := c.Do(ctx, "GET", "/v1/devices", nil, nil, client.NoRetry()); err == nil {
			t.Fatal("Do succeeded, want 503")
		}
	}
	if got := state(); got != 2 || c.BreakerState() != client.BreakerOpen {
		t.Fatalf("breaker state %d (client says %v), want 2 (open)", got, c.BreakerState())
	}
	before := len(rec.spans.Ended())
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); !errors.Is(err, client.ErrCircuitOpen) {
		t.Fatalf("Do = %v, want ErrCircuitOpen", err)
	}
	spans := rec.spans.Ended()[before:]
	if len(spans) != 1 || spans[0].Name() != "devcloud GET" {
		t.Fatalf("%d spans for the refused call, want its call span alone", len(spans))
	}
	if v, _ := attr(spans[0], "error.type"); v.AsString() != "circuit_open" {
		t.Errorf("refused call error.type = %q, want circuit_open", v.AsString())
	}
	if v, _ := attr(spans[0], "devcloud.attempts"); v.AsInt64() != 0 {
		t.Errorf("refused call devcloud.attempts = %d, want 0", v.AsInt64())
	}
	if n := len(children(spans, spans[0].SpanContext(), trace.SpanKindClient)); n != 0 {
		t.Errorf("refused call has %d CLIENT spans, want 0", n)
	}
}
