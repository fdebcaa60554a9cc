package devcloudotel_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/devcloudotel"
	"github.com/devcloud/devcloud-go/mock"
)

// A sampler that drops every span makes spans that record nothing but
// still carry a trace: the request tells the server it was not sampled.
func TestSampledOutCallRecordsNothingAndSendsItsTraceNotSampled(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(503), mock.OK(nil))
	c, err := srv.NewClient(devcloudotel.WithTelemetry(tp, metricnoop.NewMeterProvider()), client.WithClock(mock.NewFakeClock()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(spans.Started()) + len(spans.Ended()); n != 0 {
		t.Errorf("%d spans reached the processor, want none", n)
	}
	var parents []string
	for _, r := range srv.Requests() {
		if r.Path == "/v1/devices" {
			tp := r.Header.Get("Traceparent")
			if !strings.HasPrefix(tp, "00-") || !strings.HasSuffix(tp, "-00") {
				t.Errorf("traceparent %q, want a trace flagged not sampled", tp)
			}
			parents = append(parents, tp)
		}
	}
	if len(parents) != 2 || parents[0] == parents[1] {
		t.Errorf("traceparents %q, want one per request, each its own span", parents)
	}
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A call made inside another's request (a transport that asks a second
// client first, with the request's context) must not end the outer
// request's span: the inner client's telemetry, on the no-op providers,
// carries nothing of its own, but the outer request's state is in the
// context it gets.
func TestCallInsideARequestLeavesTheOuterSpansAlone(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(nil))
	srv.On("GET", "/v1/tokens", mock.Status(204))
	inner, err := srv.NewClient(devcloudotel.WithTelemetry(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	cfg := srv.ClientConfig()
	outer, err := client.New(cfg.BaseURL, append(cfg.ClientOptions(), rec.option(),
		client.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/v1/devices" {
				if err := inner.Do(r.Context(), "GET", "/v1/tokens", nil, nil); err != nil {
					return nil, err
				}
			}
			return base.RoundTrip(r)
		})}))...)
	if err != nil {
		t.Fatal(err)
	}
	if err := outer.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	calls := named(rec.spans.Ended(), "devcloud GET")
	if len(calls) != 1 {
		t.Fatalf("%d call spans, want the outer call's 1", len(calls))
	}
	attempts := children(rec.spans.Ended(), calls[0].SpanContext(), trace.SpanKindClient)
	if len(attempts) != 1 {
		t.Fatalf("%d CLIENT spans under the call, want 1", len(attempts))
	}
	if v, ok := attr(attempts[0], "http.response.status_code"); !ok || v.AsInt64() != 200 {
		t.Errorf("outer request's span http.response.status_code = %v (set %v), want 200: it was ended before its answer", v.Emit(), ok)
	}
}
