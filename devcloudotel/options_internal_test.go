package devcloudotel

import (
	"testing"

	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

func TestOptionsDefaultToTheGlobalsAndIgnoreNil(t *testing.T) {
	tp, mp, prop := tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider(), propagation.Baggage{}
	for _, tc := range []struct {
		name string
		opts []InstrumentOption
		want config
	}{
		{"none", nil, config{otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()}},
		{"nil values", []InstrumentOption{WithTracerProvider(nil), WithMeterProvider(nil), WithPropagators(nil), nil},
			config{otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()}},
		{"all", []InstrumentOption{WithTracerProvider(tp), WithMeterProvider(mp), WithPropagators(prop)}, config{tp, mp, prop}},
		{"a nil after a value", []InstrumentOption{WithTracerProvider(tp), WithTracerProvider(nil)},
			config{tp, otel.GetMeterProvider(), otel.GetTextMapPropagator()}},
	} {
		if got := newConfig(tc.opts); got != tc.want {
			t.Errorf("%s: newConfig = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
