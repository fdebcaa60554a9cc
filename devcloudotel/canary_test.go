package devcloudotel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// TestNoSecretReachesTelemetry drives retries, a relogin, a failed login and
// a broken body with canary values in every secret place, then reads every
// span name, attribute, event, link and status, and every metric attribute.
func TestNoSecretReachesTelemetry(t *testing.T) {
	const (
		secret       = "CANARY-secret-s3cr3t"
		pathQuery    = "CANARY-path-query"
		optionQuery  = "CANARY-option-query"
		message      = "CANARY-server-message"
		loginMessage = "CANARY-login-message"
		headerValue  = "CANARY-header-value"
	)
	rec := record(t)
	srv := mock.StartServer(t, mock.WithApp(mock.DefaultAppID, secret))
	srv.On("GET", "/v1/devices",
		mock.Code(20005).WithMessage(message), mock.Code(10001).WithMessage(message),
		mock.TruncatedJSON(), mock.OK(nil))
	srv.On("POST", "/v1/streams", mock.Code(10002).WithMessage(message))
	c, err := client.New(srv.URL, client.WithCredentials(mock.DefaultAppID, secret),
		client.WithClock(mock.NewFakeClock()), rec.option())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices?token="+pathQuery, nil, nil,
		client.Query(url.Values{"sig": {optionQuery}}), client.Header("X-Tenant", headerValue)); err != nil {
		t.Fatalf("first call: %v", err)
	}
	srv.OnLogin(mock.Code(10003).WithMessage(loginMessage))
	if err := c.Do(ctx, "POST", "/v1/streams?k="+pathQuery, map[string]string{"Secret": secret}, nil); err == nil {
		t.Fatal("second call succeeded, want its failed relogin")
	}

	canaries := []string{secret, pathQuery, optionQuery, message, loginMessage, headerValue}
	for _, r := range srv.Requests() {
		if r.Token != "" {
			canaries = append(canaries, r.Token)
		}
		if csrf := r.Header.Get(mock.DefaultCSRFHeader); csrf != "" {
			canaries = append(canaries, csrf)
		}
		if r.Login {
			var body struct{ Sig, Nonce string }
			if err := json.Unmarshal(r.Body, &body); err != nil || body.Sig == "" {
				t.Fatalf("login body %q: %v", r.Body, err)
			}
			canaries = append(canaries, body.Sig)
		}
	}
	if len(canaries) < 10 {
		t.Fatalf("only %d canaries: the scenario did not log in and call as planned", len(canaries))
	}

	var texts []string
	add := func(where string, kvs ...attribute.KeyValue) {
		for _, kv := range kvs {
			texts = append(texts, fmt.Sprintf("%s %s=%s", where, kv.Key, kv.Value.Emit()))
		}
	}
	for _, s := range rec.spans.Ended() {
		texts = append(texts, "span "+s.Name(), "status "+s.Status().Description)
		add("span "+s.Name(), s.Attributes()...)
		for _, e := range s.Events() {
			texts = append(texts, "event "+e.Name)
			add("event "+e.Name, e.Attributes...)
		}
		for _, l := range s.Links() {
			add("link", l.Attributes...)
		}
	}
	for name, m := range rec.metrics(t) {
		texts = append(texts, "metric "+name)
		for _, set := range metricAttributes(m) {
			add("metric "+name, set.ToSlice()...)
		}
	}
	all := strings.Join(texts, "\n")
	for _, c := range canaries {
		if strings.Contains(all, c) {
			t.Errorf("telemetry holds canary %q:\n%s", c, grep(all, c))
		}
	}
	t.Logf("%d canaries (secret, tokens, CSRF tokens, signatures, query and header values, server messages) absent from %d span and metric texts",
		len(canaries), len(texts))
	// The places the canaries would have gone are there, redacted.
	for _, want := range []string{"url.full=" + srv.URL + "/v1/devices?token=REDACTED&sig=REDACTED", "event devcloud.backoff", "span devcloud.login", "error.type=10003"} {
		if !strings.Contains(all, want) {
			t.Errorf("telemetry lacks %q", want)
		}
	}
}

func metricAttributes(m metricdata.Metrics) []attribute.Set {
	var out []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Histogram[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, dp.Attributes)
		}
	}
	return out
}

func grep(text, s string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
