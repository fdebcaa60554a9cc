package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// step is one stop of the demo tour.
type step struct {
	name     string
	expected string
	run      func(ctx context.Context, d *demo) (seen string, ok bool)
}

// demo holds the fake platform, the SDK client and the attempt printer.
type demo struct {
	srv   *mock.Server
	c     *client.Client
	out   io.Writer
	mu    sync.Mutex
	quiet atomic.Bool // the storm step counts its attempts instead of printing them
	storm struct {
		attempts, relogins atomic.Int64
	}
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	srv := mock.NewServer()
	defer srv.Close()
	d := &demo{srv: srv, out: stdout}
	c, err := srv.NewClient(client.WithAttemptHook(d.print))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	d.c = c
	fmt.Fprintf(stdout, "devcloud demo: a fake platform on %s, reached through real HTTP\n", srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 14*time.Second)
	defer cancel()
	type row struct {
		name, expected, seen string
		ok                   bool
	}
	var rows []row
	for i, s := range demoSteps() {
		fmt.Fprintf(stdout, "\n[%d] %s\n    expect: %s\n", i+1, s.name, s.expected)
		seen, ok := s.run(ctx, d)
		mark := "as expected"
		if !ok {
			mark = "NOT AS EXPECTED"
		}
		fmt.Fprintf(stdout, "    seen:   %s (%s)\n", seen, mark)

		rows = append(rows, row{s.name, s.expected, seen, ok})
	}

	fmt.Fprintln(stdout, "\nsummary")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tEXPECTED\tSEEN\tOK")
	failed := 0
	for _, r := range rows {
		mark := "yes"
		if !r.ok {
			mark, failed = "NO", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, r.expected, r.seen, mark)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nrequests served: %d, logins: %d\n", len(srv.Requests()), srv.Logins())
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d steps did not behave as expected\n", failed, len(rows))
		return exitFailure
	}
	fmt.Fprintf(stdout, "all %d steps behaved as expected\n", len(rows))
	return exitOK
}

// print writes one attempt line as it happens.
func (d *demo) print(i client.AttemptInfo) {
	if d.quiet.Load() {
		d.storm.attempts.Add(1)
		if i.Action == apierrors.ActionRelogin {
			d.storm.relogins.Add(1)
		}
		if !i.Login {
			return
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	printAttempt(d.out, i)
}

func demoSteps() []step {
	return []step{
		{
			name:     "504 gateway timeout is retried",
			expected: "504, 504, then OK: 3 attempts, success",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("GET", "/v1/devices", mock.Code(504).Times(2), mock.OK(map[string]any{"Devices": []string{"cam-1"}}))
				err := d.c.Do(ctx, "GET", "/v1/devices", nil, nil)
				n := d.srv.Count("GET", "/v1/devices")
				return fmt.Sprintf("%d attempts, %s", n, outcome(err)), err == nil && n == 3
			},
		},
		{
			name:     "20005 and 20022 are retried",
			expected: "20005, 20022, then OK: 3 attempts, success",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("POST", "/v1/streams", mock.Code(20005), mock.Code(20022), mock.OK(map[string]any{"StreamId": "s-1"}))
				err := d.c.Do(ctx, "POST", "/v1/streams", map[string]string{"DeviceId": "cam-1"}, nil)
				reqs := requestsTo(d.srv, "POST", "/v1/streams")
				sameKey := len(reqs) == 3 && reqs[0].IdempotencyKey != "" &&
					reqs[1].IdempotencyKey == reqs[0].IdempotencyKey && reqs[2].IdempotencyKey == reqs[0].IdempotencyKey
				return fmt.Sprintf("%d attempts, one Idempotency-Key: %v, %s", len(reqs), sameKey, outcome(err)), err == nil && sameKey
			},
		},
		{
			name:     "10001 storm from 100 goroutines",
			expected: "the session dies under 100 callers: 1 login, 100 successes",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("GET", "/v1/gateways", mock.OK(map[string]any{"Gateways": []string{"gw-1"}}))
				if err := d.c.Do(ctx, "GET", "/v1/gateways", nil, nil); err != nil { // a warm session
					return outcome(err), false
				}
				// A slow login keeps the storm going while it runs: every
				// goroutine meets the dead session before the new one exists.
				d.srv.OnLogin(mock.LoginOK().WithDelay(300 * time.Millisecond))
				defer d.srv.OnLogin(mock.LoginOK())
				d.srv.InvalidateSessions()
				before := d.srv.Logins()
				d.quiet.Store(true)
				defer d.quiet.Store(false)
				var wg sync.WaitGroup
				var okCalls atomic.Int64
				start := make(chan struct{})
				for range 100 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						if d.c.Do(ctx, "GET", "/v1/gateways", nil, nil) == nil {
							okCalls.Add(1)
						}
					}()
				}
				close(start)
				wg.Wait()
				logins := d.srv.Logins() - before
				fmt.Fprintf(d.out, "  (%d attempts by 100 goroutines; %d saw 10001 and joined the shared relogin)\n",
					d.storm.attempts.Load()-int64(logins), d.storm.relogins.Load())
				return fmt.Sprintf("%d login, %d successes", logins, okCalls.Load()), logins == 1 && okCalls.Load() == 100
			},
		},
		{
			name:     "20001 fails at once",
			expected: "1 attempt, typed error 20001",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("POST", "/v1/licences", mock.Code(20001))
				err := d.c.Do(ctx, "POST", "/v1/licences", map[string]string{"DeviceId": "cam-1"}, nil)
				var ae *apierrors.APIError
				ok := errors.As(err, &ae) && errors.Is(err, apierrors.InsufficientPermission) && ae.Attempts == 1
				return fmt.Sprintf("%d attempt, %s", d.srv.Count("POST", "/v1/licences"), outcome(err)), ok
			},
		},
		{
			name:     "a gateway's HTML 502 becomes a typed 502",
			expected: "HTML page, retried: 3 attempts, typed error 502",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("GET", "/v1/recordings", mock.HTML(502, ""))
				err := d.c.Do(ctx, "GET", "/v1/recordings", nil, nil)
				var ae *apierrors.APIError
				ok := errors.As(err, &ae) && ae.Code == apierrors.BadGateway && ae.Attempts == 3
				return fmt.Sprintf("%d attempts, %s", d.srv.Count("GET", "/v1/recordings"), outcome(err)), ok
			},
		},
		{
			name:     "Retry-After is honoured",
			expected: "503 with Retry-After: 1, a 1 s wait, then OK",
			run: func(ctx context.Context, d *demo) (string, bool) {
				d.srv.On("GET", "/v1/wechat/binding", mock.Code(503).WithRetryAfter(time.Second), mock.OK(map[string]any{"Bound": true}))
				start := time.Now()
				err := d.c.Do(ctx, "GET", "/v1/wechat/binding", nil, nil)
				waited := time.Since(start)
				n := d.srv.Count("GET", "/v1/wechat/binding")
				return fmt.Sprintf("%d attempts over %v, %s", n, waited.Round(100*time.Millisecond), outcome(err)),
					err == nil && n == 2 && waited >= time.Second
			},
		},
		breakerStep(),
	}
}

func requestsTo(srv *mock.Server, method, path string) []mock.Request {
	var out []mock.Request
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// outcome names a call's result: success, or the error's code and type.
func outcome(err error) string {
	if err == nil {
		return "success"
	}
	var ae *apierrors.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("*errors.APIError %d %s", ae.Code, ae.Code.String())
	}
	return fmt.Sprintf("%T", err)
}
