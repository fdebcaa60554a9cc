package devcloudotel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/devcloudotel"
)

// listBody is a small success envelope, the answer of every call below.
const listBody = `{"Response":{"RequestId":"5f0e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b","Devices":[` +
	`{"Id":"dev-0001","Name":"front-door"},{"Id":"dev-0002","Name":"garage"}],"Total":2}}`

// list is what the calls decode listBody into.
type list struct {
	Devices []struct{ Id, Name string }
	Total   int
}

// envelope is what a hand-written net/http caller declares to get a list
// and see an error.
type envelope struct {
	Response struct {
		list
		Error *struct {
			Code    any
			Message string
		}
	}
}

// discard is a span processor that exports nowhere: the SDK tracer's own
// cost, without an exporter's.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// sdkTracer is an SDK tracer provider that samples every span and exports
// none.
func sdkTracer(tb testing.TB) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(discard{}))
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// cannedTransport answers every request at once with listBody, so the
// allocations of a call are the client's alone and exact.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(listBody)),
		ContentLength: int64(len(listBody)),
	}, nil
}

// warmClient is a Client with a session already in hand, so the calls
// measured below send one request each.
func warmClient(tb testing.TB, url string, opts ...client.Option) *client.Client {
	tb.Helper()
	opts = append([]client.Option{client.WithLogin(func(context.Context) (client.Session, error) {
		return client.Session{Token: "token", CSRFToken: "csrf"}, nil
	})}, opts...)
	c, err := client.New(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Session(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

// sdkCall is one GET of the list with c.
func sdkCall(c *client.Client) func() error {
	return func() error {
		var out list
		if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
			return err
		}
		if out.Total != 2 {
			return fmt.Errorf("total %d, want 2", out.Total)
		}
		return nil
	}
}

// netHTTPCall is sdkCall written by hand with net/http and encoding/json.
func netHTTPCall(hc *http.Client, url string) func() error {
	return func() error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header["Authorization"] = []string{"Bearer token"}
		req.Header["X-Csrf-Token"] = []string{"csrf"}
		req.Header["Accept"] = []string{"application/json"}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		var env envelope
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			return err
		}
		if env.Response.Error != nil {
			return fmt.Errorf("code %v: %s", env.Response.Error.Code, env.Response.Error.Message)
		}
		if env.Response.Total != 2 {
			return fmt.Errorf("total %d, want 2", env.Response.Total)
		}
		return nil
	}
}

// BenchmarkTelemetryCost prices devcloudotel on one loopback server. Every
// iteration makes one call of each variant, in an order that rotates, and
// times each, so a drift of the machine's speed falls on all of them:
//
//	a  the SDK without telemetry
//	b  the SDK with devcloudotel on the no-op providers
//	c  the SDK with devcloudotel on an SDK tracer that exports nowhere
//	d  net/http and encoding/json by hand
//	e  d with otelhttp.NewTransport on the same SDK tracer
//
// Both instrumented sides get the no-op meter provider and the W3C trace
// context propagator. It reports each variant's median ns per call, b/a
// (the cost of the no-op path), and what tracing adds to each side:
// sdk-traced-ns = c-a and otelhttp-ns = e-d, and their ratio.
func BenchmarkTelemetryCost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(listBody)))
		io.WriteString(w, listBody)
	}))
	b.Cleanup(srv.Close)
	tp := sdkTracer(b)
	mp := metricnoop.NewMeterProvider()
	plain := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	traced := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport.(*http.Transport).Clone(),
		otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp),
		otelhttp.WithPropagators(propagation.TraceContext{}))}
	b.Cleanup(plain.CloseIdleConnections)
	b.Cleanup(traced.CloseIdleConnections)

	variants := []func() error{
		sdkCall(warmClient(b, srv.URL)),
		sdkCall(warmClient(b, srv.URL, devcloudotel.WithTelemetry(tracenoop.NewTracerProvider(), mp))),
		sdkCall(warmClient(b, srv.URL, devcloudotel.WithTelemetry(tp, mp))),
		netHTTPCall(plain, srv.URL+"/v1/devices"),
		netHTTPCall(traced, srv.URL+"/v1/devices"),
	}
	times := make([][]time.Duration, len(variants))
	timed := func(i int) {
		start := time.Now()
		if err := variants[i](); err != nil {
			b.Fatal(err)
		}
		times[i] = append(times[i], time.Since(start))
	}
	for i := range variants { // open every connection
		timed(i)
		times[i] = times[i][:0]
	}
	n := 0
	for b.Loop() {
		for j := range variants {
			timed((n + j) % len(variants))
		}
		n++
	}
	// Medians: a call the scheduler preempted costs many times a normal
	// one and would swamp a mean.
	m := make([]float64, len(variants))
	for i, d := range times {
		m[i] = float64(median(d).Nanoseconds())
	}
	const a, bb, c, d, e = 0, 1, 2, 3, 4
	for i, name := range []string{"a-sdk", "b-noop", "c-traced", "d-nethttp", "e-otelhttp"} {
		b.ReportMetric(m[i], name+"-ns/call")
	}
	b.ReportMetric(m[bb]/m[a], "b/a")
	b.ReportMetric(m[c]-m[a], "sdk-traced-ns")
	b.ReportMetric(m[e]-m[d], "otelhttp-ns")
	b.ReportMetric((m[c]-m[a])/(m[e]-m[d]), "(c-a)/(e-d)")
	b.ReportMetric(0, "ns/op") // the iteration is five calls: per call above
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	if n := len(d); n%2 == 0 {
		return (d[n/2-1] + d[n/2]) / 2
	}
	return d[len(d)/2]
}

// TestNoopTelemetryAllocations counts what devcloudotel on the no-op
// providers adds to a call, over a transport that answers at once: beside
// an Observer whose functions do nothing (the core's own cost of an
// observer, RequestInfo.URL above all, is on both sides) it adds the two
// allocations of the no-op tracer's Start, which puts a span in a context
// for the call and for its request.
func TestNoopTelemetryAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("-race makes allocation counts inexact")
	}
	hc := client.WithHTTPClient(&http.Client{Transport: cannedTransport{}})
	const url = "http://platform.invalid"
	empty := client.WithObserver(client.Observer{
		CallStart:    func(ctx context.Context, _ client.CallInfo) context.Context { return ctx },
		CallEnd:      func(context.Context, client.CallResult) {},
		AttemptStart: func(ctx context.Context, _ client.RequestInfo) context.Context { return ctx },
		AttemptEnd:   func(context.Context, client.AttemptInfo) {},
	})
	noop := devcloudotel.WithTelemetry(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider())
	allocs := func(opts ...client.Option) float64 {
		call := sdkCall(warmClient(t, url, append(opts, hc)...))
		return testing.AllocsPerRun(200, func() {
			if err := call(); err != nil {
				t.Fatal(err)
			}
		})
	}
	without, observed, got := allocs(), allocs(empty), allocs(noop)
	t.Logf("allocations per call: %v without an observer, %v with one that does nothing, %v with devcloudotel on the no-op providers",
		without, observed, got)
	const want = 2
	if got-observed != want {
		t.Errorf("devcloudotel on the no-op providers adds %v allocations per call to an empty Observer's, want %d", got-observed, want)
	}
}
