package devcloudotel

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
)

// Attributes of the devcloud.endpoint event.
const (
	// attrSetAside is true when the endpoint was set aside, false when it
	// is back in use.
	attrSetAside = attribute.Key("devcloud.endpoint.set_aside")
	// attrCoolOff is how long it is set aside, in seconds.
	attrCoolOff = attribute.Key("devcloud.endpoint.cool_off")
)

// endpointChange records an endpoint set aside, or back, as an event on
// the span of the attempt that showed it, naming the endpoint as
// server.address and server.port do on that span.
func (t *telemetry) endpointChange(ctx context.Context, e client.EndpointInfo) {
	span := spanOf(ctx)
	if span == nil || !span.IsRecording() {
		return
	}
	host, port := server(e.URL)
	attrs := []attribute.KeyValue{semconv.ServerAddress(host), semconv.ServerPort(port), attrSetAside.Bool(e.SetAside)}
	if e.SetAside {
		attrs = append(attrs, attrCoolOff.Float64(e.CoolOff.Seconds()))
	}
	if e.Err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(e.Err)))
	}
	span.AddEvent("devcloud.endpoint", trace.WithAttributes(attrs...))
}
