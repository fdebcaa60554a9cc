package devcloudotel_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/devcloudotel"
	"github.com/devcloud/devcloud-go/mock"
)

// The spans of a call that logs in, meets a 503 and succeeds on its retry:
// the call, its login with the login's request, and one CLIENT span per
// request, the retry's with http.request.resend_count.
func ExampleWithTelemetry() {
	srv := mock.NewServer() // a fake platform on loopback
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Status(503), mock.OK(map[string]int{"Total": 2}))

	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	c, err := srv.NewClient(devcloudotel.WithTelemetry(tp, mp))
	if err != nil {
		log.Fatal(err)
	}
	var out struct{ Total int }
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
		log.Fatal(err)
	}

	for _, s := range spans.GetSpans() { // in the order they ended
		fmt.Printf("%-8s %-14s", s.SpanKind, s.Name)
		for _, kv := range s.Attributes {
			switch kv.Key {
			case "http.response.status_code", "http.request.resend_count", "devcloud.attempts":
				fmt.Printf(" %s=%s", kv.Key, kv.Value.Emit())
			}
		}
		fmt.Println()
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.client.request.duration" {
			n := uint64(0)
			for _, dp := range h.DataPoints {
				n += dp.Count
			}
			fmt.Println(m.Name, "recorded", n, "requests")
		}
	}
	// Output:
	// client   POST           http.response.status_code=200
	// internal devcloud.login
	// client   GET            http.response.status_code=503
	// client   GET            http.request.resend_count=1 http.response.status_code=200
	// internal devcloud GET   devcloud.attempts=2
	// http.client.request.duration recorded 2 requests
}

// Instrument takes otelhttp's options; each defaults to the global
// provider or propagator. Here the spans go to an in-memory exporter, the
// metrics to a no-op provider, and the W3C trace context and baggage of
// the caller travel in every request's headers. The spans are the login,
// its request (POST), the call's request and the call.
func ExampleInstrument() {
	srv := mock.NewServer() // a fake platform on loopback
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(map[string]int{"Total": 2}))

	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	c, err := srv.NewClient(devcloudotel.Instrument(
		devcloudotel.WithTracerProvider(tp),
		devcloudotel.WithMeterProvider(noop.NewMeterProvider()),
		devcloudotel.WithPropagators(propagation.NewCompositeTextMapPropagator(
			propagation.TraceContext{}, propagation.Baggage{})),
	))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.GetSpans() { // in the order they ended
		fmt.Println(s.SpanKind, s.Name)
	}
	for _, r := range srv.Requests() {
		if !r.Login {
			fmt.Println("traceparent sent:", r.Header.Get("Traceparent") != "")
		}
	}
	// Output:
	// client POST
	// internal devcloud.login
	// client GET
	// internal devcloud GET
	// traceparent sent: true
}

// An application's set-up, with traces and metrics printed to stdout; an
// OTLP exporter (otlptracehttp, otlpmetrichttp) goes in the same place.
func ExampleWithTelemetry_stdout() {
	traces, err := stdouttrace.New(stdouttrace.WithPrettyPrint())
	if err != nil {
		log.Fatal(err)
	}
	metrics, err := stdoutmetric.New()
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(traces))
	defer tp.Shutdown(context.Background())
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metrics)))
	defer mp.Shutdown(context.Background())

	c, err := client.New("https://api.devcloud.example",
		client.WithCredentials(os.Getenv("DEVCLOUD_APP_ID"), os.Getenv("DEVCLOUD_SECRET")),
		devcloudotel.WithTelemetry(tp, mp)) // nil, nil: the global providers
	if err != nil {
		log.Fatal(err)
	}
	ctx, span := tp.Tracer("app").Start(context.Background(), "sync devices")
	defer span.End()
	var list struct{ Devices []struct{ Id, Name string } }
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &list); err != nil {
		log.Print(err) // the call's span says which attempt failed and why
	}
}
