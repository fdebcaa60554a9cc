package devcloudotel

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
)

// durationBuckets are the HTTP conventions' buckets for durations, in
// seconds, used for the call duration too so the two compare.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// instruments are the client's metrics.
type instruments struct {
	requestDuration httpconv.ClientRequestDuration
	callDuration    metric.Float64Histogram
	callAttempts    metric.Int64Histogram
	logins          metric.Int64Counter
	loginDuration   metric.Float64Histogram
	budget          metric.Int64Gauge
	breaker         metric.Int64Gauge
	throttle        metric.Float64Gauge
}

// newInstruments makes the instruments on m. An instrument the provider
// refuses is reported to OpenTelemetry's error handler and replaced by a
// no-op, as the OpenTelemetry instrumentation libraries do: telemetry never
// stops the client.
func newInstruments(m metric.Meter) instruments {
	var in instruments
	var err error
	in.requestDuration, err = httpconv.NewClientRequestDuration(m)
	handle(err)
	in.callDuration, err = m.Float64Histogram("devcloud.client.call.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of SDK calls, every attempt, login and backoff included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	in.callAttempts, err = m.Int64Histogram("devcloud.client.call.attempts",
		metric.WithUnit("{attempt}"),
		metric.WithDescription("Requests sent by one SDK call."),
		metric.WithExplicitBucketBoundaries(1, 2, 3, 4, 5, 6, 8, 10))
	handle(err)
	in.logins, err = m.Int64Counter("devcloud.client.logins",
		metric.WithUnit("{login}"),
		metric.WithDescription("Logins, one per shared login however many calls waited for it."))
	handle(err)
	in.loginDuration, err = m.Float64Histogram("devcloud.client.login.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of logins, the login function's tries included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	in.budget, err = m.Int64Gauge("devcloud.client.retry_budget.tokens",
		metric.WithUnit("{token}"),
		metric.WithDescription("Tokens left in the client's retry budget."))
	handle(err)
	in.breaker, err = m.Int64Gauge("devcloud.client.breaker.state",
		metric.WithUnit("1"),
		metric.WithDescription("State of the client's circuit breaker: 0 closed, 1 half-open, 2 open."))
	handle(err)
	in.throttle, err = m.Float64Gauge("devcloud.client.throttle.rate",
		metric.WithUnit("{request}/s"),
		metric.WithDescription("Send rate of the client's adaptive throttle, once a throttle answer turned it on."))
	handle(err)
	if in.throttle == nil {
		in.throttle = noop.Float64Gauge{}
	}
	if in.callDuration == nil {
		in.callDuration = noop.Float64Histogram{}
	}
	if in.callAttempts == nil {
		in.callAttempts = noop.Int64Histogram{}
	}
	if in.logins == nil {
		in.logins = noop.Int64Counter{}
	}
	if in.loginDuration == nil {
		in.loginDuration = noop.Float64Histogram{}
	}
	if in.budget == nil {
		in.budget = noop.Int64Gauge{}
	}
	if in.breaker == nil {
		in.breaker = noop.Int64Gauge{}
	}
	return in
}

// callEnabled reports whether a call's metrics record anything, so its
// start time is worth carrying to its end.
func (in *instruments) callEnabled(ctx context.Context) bool {
	return in.callDuration.Enabled(ctx) || in.callAttempts.Enabled(ctx) || in.budget.Enabled(ctx)
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}
