package devcloudotel_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"

	"github.com/devcloud/devcloud-go/devcloudotel"
	"github.com/devcloud/devcloud-go/mock"
)

func TestInstrumentWritesHeadersWithTheGivenPropagator(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient(devcloudotel.Instrument(
		devcloudotel.WithTracerProvider(rec.tp), devcloudotel.WithMeterProvider(rec.mp),
		devcloudotel.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))))
	if err != nil {
		t.Fatal(err)
	}
	member, err := baggage.NewMember("tenant", "blue")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(member)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(baggage.ContextWithBaggage(context.Background(), bag), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	attempts := named(rec.spans.Ended(), "GET")
	if len(attempts) != 1 {
		t.Fatalf("%d GET spans, want 1", len(attempts))
	}
	sc := attempts[0].SpanContext()
	n := 0
	for _, r := range srv.Requests() {
		if r.Path != "/v1/devices" {
			continue
		}
		n++
		if got, want := r.Header.Get("Traceparent"), "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01"; got != want {
			t.Errorf("traceparent %q, want the request span's %q", got, want)
		}
		if got := r.Header.Get("Baggage"); !strings.Contains(got, "tenant=blue") {
			t.Errorf("baggage %q, want the caller's tenant=blue", got)
		}
	}
	if n != 1 {
		t.Errorf("server saw %d requests of /v1/devices, want 1", n)
	}
}
