package devcloudotel

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/devcloud/devcloud-go/devcloudotel"

// Instrument traces and measures the client's calls, attempts, waits and
// logins. Without options it uses the global tracer and meter providers and
// the global propagator, as otelhttp does; the global propagator sends
// nothing until the application sets one (otel.SetTextMapPropagator), so
// pass WithPropagators(propagation.TraceContext{}) to send traceparent
// regardless.
func Instrument(opts ...InstrumentOption) client.Option {
	c := newConfig(opts)
	return newTelemetry(c.tp, c.mp, c.prop).observer()
}

// WithTelemetry traces and measures the client's calls, attempts, waits and
// logins with tp and mp; nil uses the global provider. The W3C trace context
// of each request's span is sent in its headers (traceparent), whatever the
// global propagator. It is Instrument with WithTracerProvider(tp),
// WithMeterProvider(mp) and WithPropagators(propagation.TraceContext{}).
func WithTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) client.Option {
	return Instrument(WithTracerProvider(tp), WithMeterProvider(mp), WithPropagators(propagation.TraceContext{}))
}

// observer is the client.Option that plugs t in.
func (t *telemetry) observer() client.Option {
	return client.WithObserver(client.Observer{
		CallStart:    t.callStart,
		CallEnd:      t.callEnd,
		AttemptStart: t.attemptStart,
		AttemptEnd:   t.attemptEnd,
		Wait:         t.wait,
		LoginStart:   t.loginStart,
		LoginEnd:     t.loginEnd,
		LoginWait:    t.loginWait,
		// An endpoint set aside or back (client.WithEndpoints).
		EndpointChange: t.endpointChange,
		BreakerChange: func(_, to client.BreakerState) {
			t.m.breaker.Record(context.Background(), int64(to))
		},
		Throttle: func(info client.ThrottleInfo) {
			t.m.throttle.Record(context.Background(), info.Rate)
		},
	})
}

// telemetry is one client's tracer, propagator and instruments.
type telemetry struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	m      instruments

	// The options every span starts with, made once: passed on as they
	// are, they cost a call nothing. Attributes are set once the span is
	// known to record.
	internalSpan, clientSpan []trace.SpanStartOption
	// pool holds attribute slices for the attributes of spans and
	// measurements, reused once handed over: metric.WithAttributes copies
	// them, and so do the OpenTelemetry SDK's spans (a Span that kept the
	// slice it is given would see it reused).
	pool sync.Pool
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider, prop propagation.TextMapPropagator) *telemetry {
	return &telemetry{
		tracer:       tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL)),
		prop:         prop,
		m:            newInstruments(mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))),
		internalSpan: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)},
		clientSpan:   []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)},
		pool: sync.Pool{New: func() any {
			s := make([]attribute.KeyValue, 0, 8)
			return &s
		}},
	}
}

// attrs returns an empty attribute slice; release gives it back.
func (t *telemetry) attrs() *[]attribute.KeyValue { return t.pool.Get().(*[]attribute.KeyValue) }

func (t *telemetry) release(s *[]attribute.KeyValue) {
	clear(*s) // drop the references to strings and slices it held
	*s = (*s)[:0]
	t.pool.Put(s)
}
