package devcloudotel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// InstrumentOption configures Instrument. Its name keeps it apart from
// client.Option, which Instrument returns.
type InstrumentOption func(*config)

// config is what Instrument is told; a field left nil is the global one.
type config struct {
	tp   trace.TracerProvider
	mp   metric.MeterProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider makes the spans with tp instead of the global
// provider, otel.GetTracerProvider(). A nil tp is ignored.
func WithTracerProvider(tp trace.TracerProvider) InstrumentOption {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider makes the instruments with mp instead of the global
// provider, otel.GetMeterProvider(). A nil mp is ignored.
func WithMeterProvider(mp metric.MeterProvider) InstrumentOption {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// WithPropagators writes each request's trace context into its headers
// with p instead of the global propagator, otel.GetTextMapPropagator(). A
// nil p is ignored.
func WithPropagators(p propagation.TextMapPropagator) InstrumentOption {
	return func(c *config) {
		if p != nil {
			c.prop = p
		}
	}
}

// newConfig applies opts and fills what they left out with the global
// providers and propagator, as otelhttp does. The globals delegate to what
// the application installs later, so a client made before otel.SetTracerProvider
// still reports to it.
func newConfig(opts []InstrumentOption) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.prop == nil {
		c.prop = otel.GetTextMapPropagator()
	}
	return c
}
