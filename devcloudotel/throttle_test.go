package devcloudotel_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// TestThrottleRateIsAGauge: no point until a throttle answer turns the
// throttle on; then one point, the send rate.
func TestThrottleRateIsAGauge(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(429))
	c, err := srv.NewClient(rec.option(), client.WithAdaptiveThrottle(client.ThrottleConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.metrics(t)["devcloud.client.throttle.rate"]; ok {
		t.Fatal("a throttle rate before any throttle answer")
	}
	err = c.Do(context.Background(), "GET", "/v1/devices", nil, nil, client.NoRetry())
	var ae *apierrors.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 429 {
		t.Fatalf("Do = %v, want 429", err)
	}
	g, ok := rec.metrics(t)["devcloud.client.throttle.rate"].Data.(metricdata.Gauge[float64])
	if !ok || len(g.DataPoints) != 1 || g.DataPoints[0].Value <= 0 {
		t.Fatalf("throttle rate gauge %+v, want one positive point", g)
	}
}
