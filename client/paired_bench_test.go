package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/client"
)

// The benchmarks below come in pairs, the SDK ("sdk") and the same call
// written by hand ("resty", "nethttp"), so scripts/bench.sh can run each
// side alone and alternate their order.

// errorBody is the platform's 20001 answer.
const errorBody = `{"Response":{"Error":{"Code":20001,"Message":"权限不足"},"RequestId":"5f0e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"}}`

// restyEnvelope is what a hand-written resty or net/http caller declares
// to get doList and see an error.
type restyEnvelope struct {
	Response struct {
		doList
		Error *struct {
			Code    any
			Message string
		}
	}
}

// serve answers every request with body, with a Content-Length unless
// chunked, after reading and dropping the request's body.
func serve(tb testing.TB, body []byte, chunked bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if !chunked {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// sdkClient is a Client on the defaults with a warm session.
func sdkClient(tb testing.TB, url string, opts ...client.Option) *client.Client {
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

// restyCall is the hand-written resty call: session headers, SetResult
// into the envelope, the Error check.
func restyCall(ctx context.Context, rc *resty.Client, method, path string, in any, env *restyEnvelope) error {
	r := rc.R().SetContext(ctx).
		SetHeader("Authorization", "Bearer token").
		SetHeader("X-CSRF-Token", "csrf").
		SetResult(env)
	if in != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(in)
	}
	resp, err := r.Execute(method, path)
	switch {
	case err != nil:
		return err
	case resp.IsError():
		return fmt.Errorf("status %d", resp.StatusCode())
	case env.Response.Error != nil:
		return fmt.Errorf("code %v: %s", env.Response.Error.Code, env.Response.Error.Message)
	}
	return nil
}

// netHTTPCall is the same call with net/http and encoding/json alone.
func netHTTPCall(ctx context.Context, hc *http.Client, url string, env *restyEnvelope) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
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
	if err := json.NewDecoder(resp.Body).Decode(env); err != nil {
		return err
	}
	if env.Response.Error != nil {
		return fmt.Errorf("code %v: %s", env.Response.Error.Code, env.Response.Error.Message)
	}
	return nil
}

// BenchmarkNetHTTPBaseline is BenchmarkClientDo's call written with
// net/http and encoding/json alone: the floor of any client.
func BenchmarkNetHTTPBaseline(b *testing.B) {
	srv := doServer(b)
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	ctx := context.Background()
	url := srv.URL + "/v1/devices"
	b.ReportAllocs()
	for b.Loop() {
		var env restyEnvelope
		if err := netHTTPCall(ctx, hc, url, &env); err != nil || env.Response.Total != 3 {
			b.Fatal(err)
		}
	}
}

// BenchmarkPost1MiB sends a 1 MiB JSON body and reads a small answer.
func BenchmarkPost1MiB(b *testing.B) {
	in := json.RawMessage(bigPayload(1 << 20))
	srv := serve(b, []byte(doBody), false)
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv.URL)
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var out doList
			if err := c.Do(ctx, "POST", "/v1/devices", in, &out, client.NoRetry()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resty", func(b *testing.B) {
		rc := resty.New().SetBaseURL(srv.URL)
		body := []byte(in)
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			var env restyEnvelope
			if err := restyCall(ctx, rc, "POST", "/v1/devices", body, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGet10MB reads a 10 MB list of devices.
func BenchmarkGet10MB(b *testing.B) {
	body := bigList(10 << 20)
	srv := serve(b, body, false)
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv.URL)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var out doList
			if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resty", func(b *testing.B) {
		rc := resty.New().SetBaseURL(srv.URL)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var env restyEnvelope
			if err := restyCall(ctx, rc, "GET", "/v1/devices", nil, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkErrorPath gets the platform's 20001, which is not retried.
func BenchmarkErrorPath(b *testing.B) {
	srv := serve(b, []byte(errorBody), false)
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			var out doList
			if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err == nil {
				b.Fatal("no error")
			}
		}
	})
	b.Run("resty", func(b *testing.B) {
		rc := resty.New().SetBaseURL(srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			var env restyEnvelope
			if err := restyCall(ctx, rc, "GET", "/v1/devices", nil, &env); err == nil {
				b.Fatal("no error")
			}
		}
	})
}

// BenchmarkConcurrent64 and BenchmarkConcurrent256 share one client, on
// its defaults, among that many goroutines; ns/op is the inverse of the
// throughput, also reported as calls/s.
func BenchmarkConcurrent64(b *testing.B)  { benchConcurrent(b, 64) }
func BenchmarkConcurrent256(b *testing.B) { benchConcurrent(b, 256) }

func benchConcurrent(b *testing.B, goroutines int) {
	srv := doServer(b)
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, srv.URL)
		concurrently(b, goroutines, func() error {
			var out doList
			return c.Do(ctx, "GET", "/v1/devices", nil, &out)
		})
	})
	b.Run("resty", func(b *testing.B) {
		rc := resty.New().SetBaseURL(srv.URL)
		b.Cleanup(rc.GetClient().CloseIdleConnections)
		concurrently(b, goroutines, func() error {
			var env restyEnvelope
			return restyCall(ctx, rc, "GET", "/v1/devices", nil, &env)
		})
	})
}

// concurrently makes b.N calls from goroutines goroutines.
func concurrently(b *testing.B, goroutines int, call func() error) {
	b.ReportAllocs()
	var (
		next   atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	n := int64(b.N)
	b.ResetTimer()
	for range goroutines {
		wg.Go(func() {
			for next.Add(1) <= n {
				if err := call(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// bigPayload is a JSON object of about size bytes.
func bigPayload(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Blob":"`)
	b.WriteString(strings.Repeat("x", size-len(`{"Blob":""}`)))
	b.WriteString(`"}`)
	return b.Bytes()
}

// bigList is a success envelope of about size bytes listing devices.
func bigList(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Response":{"RequestId":"5f0e7c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b","Devices":[`)
	n := 0
	for b.Len() < size-64 {
		if n > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Id":"dev-%07d","Name":"camera-%d","Online":%t,"Firmware":"2.4.%d"}`, n, n, n%2 == 0, n%10)
		n++
	}
	fmt.Fprintf(&b, `],"Total":%d}}`, n)
	return b.Bytes()
}

// BenchmarkInterleaved pairs the SDK and a hand-written call within one
// loop: every iteration makes one call of each, the order swapped every
// other iteration, and times each. A drift of the machine's speed, even a
// short one, falls on both sides, so the ratio ours/base resolves a few
// per cent where separate runs do not. It reports each side's ns per call
// and the ratio of the medians.
func BenchmarkInterleaved(b *testing.B) {
	ctx := context.Background()
	small := doServer(b)
	failing := serve(b, []byte(errorBody), false)
	post := serve(b, []byte(doBody), false)
	in := json.RawMessage(bigPayload(1 << 20))
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	pairs := []struct {
		name       string
		ours, base func() error
	}{
		{"GET-vs-resty", sdkGet(b, small.URL, true), restyGet(b, small.URL, true)},
		{"GET-vs-nethttp", sdkGet(b, small.URL, true), func() error {
			var env restyEnvelope
			return netHTTPCall(ctx, hc, small.URL+"/v1/devices", &env)
		}},
		{"error-vs-resty", sdkGet(b, failing.URL, false), restyGet(b, failing.URL, false)},
		{"POST-1MiB-vs-resty", sdkPost(b, post.URL, in), restyPost(b, post.URL, in)},
	}
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) { interleave(b, p.ours, p.base) })
	}
}

// BenchmarkInterleavedLarge is BenchmarkInterleaved for the large answers,
// which take a thousand times longer per call and so run with their own
// -benchtime: a 10 MB GET (Content-Length) over HTTP/1.1 and a 1 MB GET
// over HTTP/2, each against hand-written resty.
func BenchmarkInterleavedLarge(b *testing.B) {
	h1 := serve(b, bigList(10<<20), false)
	h2 := serveH2(b, bigList(1<<20))
	b.Run("GET-10MB-vs-resty", func(b *testing.B) {
		interleave(b, sdkGet(b, h1.URL, true), restyGet(b, h1.URL, true))
	})
	b.Run("GET-1MB-h2-vs-resty", func(b *testing.B) {
		c := sdkClient(b, h2.URL, client.WithHTTPClient(h2.Client()))
		rc := resty.NewWithClient(h2.Client()).SetBaseURL(h2.URL)
		interleave(b, func() error {
			var out doList
			return c.Do(context.Background(), "GET", "/v1/devices", nil, &out)
		}, func() error {
			var env restyEnvelope
			return restyCall(context.Background(), rc, "GET", "/v1/devices", nil, &env)
		})
	})
}

// interleave makes one call of ours and one of base per iteration, the
// order swapped every other iteration, times each, and reports each side's
// median and the ratio of the medians.
func interleave(b *testing.B, ours, base func() error) {
	timed := func(f func() error) float64 {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return float64(time.Since(start).Nanoseconds())
	}
	mo, mb := inTurns(b, func() float64 { return timed(ours) }, func() float64 { return timed(base) })
	b.ReportMetric(mo, "ours-ns/call")
	b.ReportMetric(mb, "base-ns/call")
	b.ReportMetric(mo/mb, "ours/base")
}

// inTurns measures ours and base once each to warm them, then once each
// per iteration of b, the order swapped every other iteration, and returns
// the medians of their measures. Medians: a call the scheduler preempted
// for a time slice of another process costs 50× a normal one and would
// swamp a mean on a busy machine.
func inTurns(b *testing.B, ours, base func() float64) (float64, float64) {
	ours() // warm both connections
	base()
	var o, m []float64
	for b.Loop() {
		if len(o)%2 == 0 {
			o = append(o, ours())
			m = append(m, base())
		} else {
			m = append(m, base())
			o = append(o, ours())
		}
	}
	return medianFloat(o), medianFloat(m)
}

// sdkGet returns a GET of /v1/devices with the SDK that wants success
// (ok) or a failure.
func sdkGet(b *testing.B, url string, ok bool) func() error {
	c := sdkClient(b, url)
	return func() error {
		var out doList
		err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out)
		return want(ok, err)
	}
}

// restyGet is sdkGet written by hand with resty.
func restyGet(b *testing.B, url string, ok bool) func() error {
	rc := resty.New().SetBaseURL(url)
	b.Cleanup(rc.GetClient().CloseIdleConnections)
	return func() error {
		var env restyEnvelope
		err := restyCall(context.Background(), rc, "GET", "/v1/devices", nil, &env)
		return want(ok, err)
	}
}

// sdkPost returns a POST of in with the SDK.
func sdkPost(b *testing.B, url string, in json.RawMessage) func() error {
	c := sdkClient(b, url)
	return func() error {
		var out doList
		return c.Do(context.Background(), "POST", "/v1/devices", in, &out, client.NoRetry())
	}
}

// restyPost is sdkPost written by hand with resty, the body as []byte.
func restyPost(b *testing.B, url string, in json.RawMessage) func() error {
	rc := resty.New().SetBaseURL(url)
	b.Cleanup(rc.GetClient().CloseIdleConnections)
	return func() error {
		var env restyEnvelope
		return restyCall(context.Background(), rc, "POST", "/v1/devices", []byte(in), &env)
	}
}

func want(ok bool, err error) error {
	switch {
	case ok:
		return err
	case err == nil:
		return fmt.Errorf("no error")
	}
	return nil
}

// cannedTransport answers every request at once with a small body, so a
// benchmark through it measures the client side alone.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(doBody)),
		ContentLength: int64(len(doBody)),
	}, nil
}

// BenchmarkClientSide runs the per-call benchmarks' calls over a transport
// that answers at once, without a network or a server: what is left is
// what each client does per call. "sdk" is Client.Do; "resty" the
// hand-written resty call; "resty-raw" resty with the body read and
// decoded by hand (resty's request building alone); "nethttp" net/http and
// encoding/json.
func BenchmarkClientSide(b *testing.B) {
	ctx := context.Background()
	const url = "http://platform.invalid"
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b, url, client.WithHTTPClient(&http.Client{Transport: cannedTransport{}}))
		b.ReportAllocs()
		for b.Loop() {
			var out doList
			if err := c.Do(ctx, "GET", "/v1/devices", nil, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resty", func(b *testing.B) {
		rc := resty.NewWithClient(&http.Client{Transport: cannedTransport{}}).SetBaseURL(url)
		b.ReportAllocs()
		for b.Loop() {
			var env restyEnvelope
			if err := restyCall(ctx, rc, "GET", "/v1/devices", nil, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resty-raw", func(b *testing.B) {
		rc := resty.NewWithClient(&http.Client{Transport: cannedTransport{}})
		b.ReportAllocs()
		for b.Loop() {
			resp, err := rc.R().SetContext(ctx).SetDoNotParseResponse(true).
				SetHeader("Authorization", "Bearer token").SetHeader("X-CSRF-Token", "csrf").
				Get(url + "/v1/devices")
			if err != nil {
				b.Fatal(err)
			}
			var env restyEnvelope
			err = json.NewDecoder(resp.RawBody()).Decode(&env)
			resp.RawBody().Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nethttp", func(b *testing.B) {
		hc := &http.Client{Transport: cannedTransport{}}
		b.ReportAllocs()
		for b.Loop() {
			var env restyEnvelope
			if err := netHTTPCall(ctx, hc, url+"/v1/devices", &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInterleavedConcurrent pairs the concurrent benchmarks the way
// BenchmarkInterleaved pairs the per-call ones: every iteration runs one
// slice of calls through 64 (or 256) goroutines with the SDK's client on
// its defaults and one with the baseline, in alternating order, and it
// compares the medians of the two sides' slice throughputs. The baselines
// are hand-written resty on its defaults, and net/http + encoding/json on
// the same connection pool as the SDK's (client.NewTransport): the first
// pair shows what the pool gives, the second what the path costs.
func BenchmarkInterleavedConcurrent(b *testing.B) {
	for _, goroutines := range []int{64, 256} {
		for _, against := range []string{"resty", "nethttp-same-pool"} {
			name := fmt.Sprintf("%d-goroutines", goroutines)
			if against != "resty" {
				name = fmt.Sprintf("%d-goroutines-vs-%s", goroutines, against)
			}
			b.Run(name, func(b *testing.B) {
				srv := doServer(b)
				c := sdkClient(b, srv.URL)
				ours := func() error {
					var out doList
					return c.Do(context.Background(), "GET", "/v1/devices", nil, &out)
				}
				var base func() error
				switch against {
				case "resty":
					rc := resty.New().SetBaseURL(srv.URL)
					b.Cleanup(rc.GetClient().CloseIdleConnections)
					base = func() error {
						var env restyEnvelope
						return restyCall(context.Background(), rc, "GET", "/v1/devices", nil, &env)
					}
				default:
					hc := &http.Client{Transport: client.NewTransport()}
					b.Cleanup(hc.CloseIdleConnections)
					url := srv.URL + "/v1/devices"
					base = func() error {
						var env restyEnvelope
						return netHTTPCall(context.Background(), hc, url, &env)
					}
				}
				perSlice := 4 * goroutines
				// slice runs one slice of calls and returns its throughput;
				// it appends the process's CPU time per call to *cpu.
				slice := func(call func() error, cpu *[]float64) float64 {
					start, cpu0 := time.Now(), processCPU()
					if err := inParallel(goroutines, perSlice, call); err != nil {
						b.Fatal(err)
					}
					elapsed := time.Since(start)
					*cpu = append(*cpu, float64(processCPU()-cpu0)/float64(perSlice))
					return float64(perSlice) / elapsed.Seconds()
				}
				// The warm-up slices open the connections both pools keep.
				var co, cb []float64
				mo, mb := inTurns(b, func() float64 { return slice(ours, &co) }, func() float64 { return slice(base, &cb) })
				b.ReportMetric(mo, "ours-calls/s")
				b.ReportMetric(mb, "base-calls/s")
				b.ReportMetric(mo/mb, "ours/base")
				// The CPU the process spends per call, server included:
				// what the throughput of a saturated machine is made of,
				// read from the process's own accounting, which the VM's
				// neighbours, taking wall-clock time, leave alone.
				if oc, bc := medianFloat(co[1:]), medianFloat(cb[1:]); bc > 0 {
					b.ReportMetric(oc, "ours-cpu-ns/call")
					b.ReportMetric(bc, "base-cpu-ns/call")
					b.ReportMetric(oc/bc, "cpu-ours/base")
				}
			})
		}
	}
}

// inParallel makes n calls from goroutines goroutines.
func inParallel(goroutines, n int, call func() error) error {
	var (
		next   atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	for range goroutines {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := call(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

func medianFloat(v []float64) float64 {
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}
