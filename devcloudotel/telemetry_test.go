package devcloudotel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// semconvBuckets are the HTTP semantic conventions' duration buckets.
var semconvBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

func TestRetriedCallIsOneCallSpanWithAClientSpanPerAttempt(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.Status(503), mock.Status(503), mock.OK(map[string]int{"Total": 3}))
	clock := mock.NewFakeClock()
	c, err := srv.NewClient(rec.option(), client.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}

	ctx, parent := rec.tp.Tracer("test").Start(context.Background(), "test")
	var out struct{ Total int }
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil || out.Total != 3 {
		t.Fatalf("Do = %v, %+v; want success with Total 3", err, out)
	}
	parent.End()
	spans := rec.spans.Ended()

	calls := named(spans, "devcloud GET")
	if len(calls) != 1 {
		t.Fatalf("%d call spans, want 1", len(calls))
	}
	call := calls[0]
	if call.SpanKind() != trace.SpanKindInternal || call.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("call span: kind %v, parent %v; want INTERNAL under the caller's span", call.SpanKind(), call.Parent().SpanID())
	}
	if v, _ := attr(call, "devcloud.attempts"); v.AsInt64() != 3 {
		t.Errorf("call span devcloud.attempts = %v, want 3", v.Emit())
	}
	if v, _ := attr(call, "url.path"); v.AsString() != "/v1/devices" {
		t.Errorf("call span url.path = %q", v.AsString())
	}
	if call.Status().Code == codes.Error {
		t.Errorf("call span status %v, want unset for a call that succeeded", call.Status())
	}

	attempts := children(spans, call.SpanContext(), trace.SpanKindClient)
	if len(attempts) != 3 {
		t.Fatalf("%d CLIENT spans under the call span, want 3", len(attempts))
	}
	wantStatus := []int64{503, 503, 200}
	for i, s := range attempts {
		if s.Name() != "GET" {
			t.Errorf("attempt %d named %q, want GET", i+1, s.Name())
		}
		resend, ok := attr(s, "http.request.resend_count")
		switch {
		case i == 0 && ok:
			t.Errorf("attempt 1 has http.request.resend_count %d, want none", resend.AsInt64())
		case i > 0 && (!ok || resend.AsInt64() != int64(i)):
			t.Errorf("attempt %d http.request.resend_count = %v (set %v), want %d", i+1, resend.Emit(), ok, i)
		}
		if v, _ := attr(s, "http.response.status_code"); v.AsInt64() != wantStatus[i] {
			t.Errorf("attempt %d status %d, want %d", i+1, v.AsInt64(), wantStatus[i])
		}
		et, hasET := attr(s, "error.type")
		if wantStatus[i] == 503 && et.AsString() != "503" || wantStatus[i] == 200 && hasET {
			t.Errorf("attempt %d error.type = %q (set %v)", i+1, et.AsString(), hasET)
		}
		for key, want := range map[string]string{
			"http.request.method": "GET", "server.address": "127.0.0.1", "url.full": srv.URL + "/v1/devices",
		} {
			if v, _ := attr(s, key); v.AsString() != want {
				t.Errorf("attempt %d %s = %q, want %q", i+1, key, v.AsString(), want)
			}
		}
		if v, _ := attr(s, "server.port"); v.AsInt64() == 0 {
			t.Errorf("attempt %d has no server.port", i+1)
		}
	}

	// The backoffs are events on the call's span, with the slept delays.
	var delays []time.Duration
	for _, e := range call.Events() {
		if e.Name != "devcloud.backoff" {
			continue
		}
		set := attribute.NewSet(e.Attributes...)
		d, _ := set.Value("devcloud.backoff.delay")
		delays = append(delays, time.Duration(d.AsFloat64()*float64(time.Second)).Round(time.Microsecond))
		if !has(set, "devcloud.backoff.reason", attribute.StringValue("retry")) || !has(set, "error.type", attribute.StringValue("503")) {
			t.Errorf("backoff event attributes %v, want reason retry and error.type 503", e.Attributes)
		}
	}
	slept := clock.Sleeps()
	for i := range slept {
		slept[i] = slept[i].Round(time.Microsecond)
	}
	if len(delays) != 2 || !slices.Equal(delays, slept) {
		t.Errorf("backoff events %v, want the 2 sleeps %v", delays, slept)
	}

	// Each request carried its own span's W3C trace context.
	var got []string
	for _, r := range srv.Requests() {
		if r.Path == "/v1/devices" {
			got = append(got, r.Header.Get("Traceparent"))
		}
	}
	var want []string
	for _, s := range attempts {
		want = append(want, "00-"+s.SpanContext().TraceID().String()+"-"+s.SpanContext().SpanID().String()+"-01")
	}
	if !slices.Equal(got, want) {
		t.Errorf("traceparent at the server %q, want %q", got, want)
	}

	m := rec.metrics(t)
	dur, ok := m["http.client.request.duration"].Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("http.client.request.duration missing or not a histogram: %#v", m["http.client.request.duration"])
	}
	if unit := m["http.client.request.duration"].Unit; unit != "s" {
		t.Errorf("http.client.request.duration unit %q, want s", unit)
	}
	counts := map[int64]uint64{}
	for _, dp := range dur.DataPoints {
		if !slices.Equal(dp.Bounds, semconvBuckets) {
			t.Errorf("buckets %v, want the semantic conventions' %v", dp.Bounds, semconvBuckets)
		}
		if !has(dp.Attributes, "http.request.method", attribute.StringValue("GET")) {
			t.Errorf("request duration recorded for %v: only the call's attempts count, not the login's request", dp.Attributes.ToSlice())
		}
		status, _ := dp.Attributes.Value("http.response.status_code")
		counts[status.AsInt64()] += dp.Count
	}
	if counts[503] != 2 || counts[200] != 1 || len(counts) != 2 {
		t.Errorf("request durations by status %v, want 2×503 and 1×200", counts)
	}
	var resends []string
	for _, s := range attempts {
		if v, ok := attr(s, "http.request.resend_count"); ok {
			resends = append(resends, v.Emit())
		} else {
			resends = append(resends, "absent")
		}
	}
	t.Logf("503,503,200: %d call span, %d CLIENT spans under it with resend_count %v, %d backoff events; http.client.request.duration count %d (%d×503, %d×200)",
		len(calls), len(attempts), resends, len(delays), counts[503]+counts[200], counts[503], counts[200])
	attemptsHist := m["devcloud.client.call.attempts"].Data.(metricdata.Histogram[int64])
	if len(attemptsHist.DataPoints) != 1 || attemptsHist.DataPoints[0].Count != 1 || attemptsHist.DataPoints[0].Sum != 3 {
		t.Errorf("call attempts %+v, want one call of 3 attempts", attemptsHist.DataPoints)
	}
	callDur := m["devcloud.client.call.duration"].Data.(metricdata.Histogram[float64])
	if len(callDur.DataPoints) != 1 || callDur.DataPoints[0].Count != 1 {
		t.Errorf("call durations %+v, want 1", callDur.DataPoints)
	}
	budget := m["devcloud.client.retry_budget.tokens"].Data.(metricdata.Gauge[int64])
	if len(budget.DataPoints) != 1 || budget.DataPoints[0].Value != int64(c.Stats().RetryTokens) {
		t.Errorf("retry budget gauge %+v, want %d", budget.DataPoints, c.Stats().RetryTokens)
	}
	logins := m["devcloud.client.logins"].Data.(metricdata.Sum[int64])
	if len(logins.DataPoints) != 1 || logins.DataPoints[0].Value != 1 {
		t.Errorf("logins %+v, want 1", logins.DataPoints)
	}
	loginDur := m["devcloud.client.login.duration"].Data.(metricdata.Histogram[float64])
	if len(loginDur.DataPoints) != 1 || loginDur.DataPoints[0].Count != 1 {
		t.Errorf("login durations %+v, want 1", loginDur.DataPoints)
	}
}

func TestFailedCallCarriesTheErrorTypeCodeAndRequestID(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("POST", "/v1/devices", mock.Code(10003).WithRequestID("req-42"))
	c, err := srv.NewClient(rec.option())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "POST", "/v1/devices", map[string]string{"Name": "x"}, nil); err == nil {
		t.Fatal("Do succeeded, want 10003")
	}
	calls := named(rec.spans.Ended(), "devcloud POST")
	if len(calls) != 1 {
		t.Fatalf("%d call spans, want 1", len(calls))
	}
	call := calls[0]
	if call.Status().Code != codes.Error || call.Status().Description != "10003" {
		t.Errorf("call status %+v, want Error 10003", call.Status())
	}
	for key, want := range map[string]attribute.Value{
		"error.type":          attribute.StringValue("10003"),
		"devcloud.error.code": attribute.IntValue(10003),
		"devcloud.request_id": attribute.StringValue("req-42"),
		"devcloud.attempts":   attribute.IntValue(1),
	} {
		if v, _ := attr(call, key); v != want {
			t.Errorf("call span %s = %v, want %v", key, v.Emit(), want.Emit())
		}
	}
	attempts := children(rec.spans.Ended(), call.SpanContext(), trace.SpanKindClient)
	if len(attempts) != 1 {
		t.Fatalf("%d attempts, want 1", len(attempts))
	}
	if v, _ := attr(attempts[0], "devcloud.action"); v.AsString() != "fail" {
		t.Errorf("attempt devcloud.action = %q, want fail", v.AsString())
	}
}
