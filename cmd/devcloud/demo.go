package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

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
	srv     *mock.Server
	c       *client.Client
	out     io.Writer
	mu      sync.Mutex
	quiet   atomic.Bool // the storm step counts its requests instead of printing its attempts
	polling atomic.Bool // the poll step runs: a 20008 is waited out, not a failure
}

func demoCommand() *command {
	var failover *bool
	declare := func(fs *flagSet) {
		failover = fs.Bool("failover", false, "tour two gateways to one platform instead: one dies mid-run, one answers 503")
	}
	return &command{
		name:    "demo",
		args:    "[--failover]",
		summary: "tour retries, relogin and typed errors against an embedded fake platform",
		help: `
Demo starts the SDK's fake platform on a loopback port and walks through what the
SDK does, through real HTTP: retries with backoff, a relogin storm collapsed into one
login, errors that fail at once, a gateway's HTML page typed as an error,
Retry-After, and more. Each step says what it expects, prints every attempt as it
happens, and says what it saw; a summary table follows. The exit status is 0 when
every step behaved as expected. Nothing leaves the machine.

--failover tours a platform reached through two gateways instead (client.WithEndpoints):
the first dies mid-run with no call lost, then answers 503 and comes back.`,
		examples: []string{"devcloud demo", "go run github.com/devcloud/devcloud-go/cmd/devcloud@latest demo", "devcloud demo --failover"},
		flags:    declare,
		run: func(ctx context.Context, cmd *command, args []string, s streams) int {
			fs := newFlagSet(cmd)
			declare(fs)
			pos, r := fs.parse(args, s)
			if r.done {
				return r.status
			}
			if len(pos) > 0 {
				return cmd.usageError(s.err, "unexpected argument %q", pos[0])
			}
			if *failover {
				return runTour(ctx, s, failoverSteps())
			}
			return runDemo(ctx, s)
		},
	}
}

// stepResult is one row of the summary.
type stepResult struct {
	name             string
	requests, logins int
	ok               bool
}

func runDemo(ctx context.Context, s streams) int { return runTour(ctx, s, demoSteps()) }

// runTour runs steps against a fake platform of their own.
func runTour(ctx context.Context, s streams, steps []step) int {
	srv, err := mock.ListenServer()
	if err != nil {
		fmt.Fprintln(s.err, "devcloud demo:", err)
		return exitFailure
	}
	defer srv.Close()
	d := &demo{srv: srv, out: s.out}
	c, err := srv.NewClient(client.WithAttemptHook(d.print))
	if err != nil {
		fmt.Fprintln(s.err, "devcloud demo:", err)
		return exitFailure
	}
	defer c.Close()
	d.c = c
	fmt.Fprintf(s.out, "devcloud demo: a fake platform on %s, reached through real HTTP\n", srv.URL)

	ctx, cancel := context.WithTimeout(ctx, 14*time.Second)
	defer cancel()
	var rows []stepResult
	for i, st := range steps {
		fmt.Fprintf(s.out, "\n[%d] %s\n", i+1, cut(st.name, tableWidth-5))
		wrap(s.out, "    expect: ", st.expected, "")
		requests, logins := len(srv.Requests()), srv.Logins()
		seen, ok := st.run(ctx, d)
		mark := "(as expected)"
		if !ok {
			mark = "(NOT AS EXPECTED)"
		}
		wrap(s.out, "    seen:   ", seen, mark)
		rows = append(rows, stepResult{st.name, len(srv.Requests()) - requests, srv.Logins() - logins, ok})
	}
	return summary(s.out, rows)
}

// summary prints the table of steps and the closing lines; it returns the
// exit status. The requests and logins of the steps add up to the totals.
func summary(w io.Writer, rows []stepResult) int {
	nameW := len("STEP")
	for _, r := range rows {
		nameW = max(nameW, utf8.RuneCountInString(cut(r.name, 50)))
	}
	fmt.Fprintf(w, "\nsummary\n  %2s  %-*s  %8s  %6s  %s\n", "#", nameW, "STEP", "REQUESTS", "LOGINS", "RESULT")
	failed, requests, logins := 0, 0, 0
	for i, r := range rows {
		mark := "as expected"
		if !r.ok {
			mark, failed = "NOT AS EXPECTED", failed+1
		}
		requests, logins = requests+r.requests, logins+r.logins
		fmt.Fprintf(w, "  %2d  %-*s  %8d  %6d  %s\n", i+1, nameW, cut(r.name, 50), r.requests, r.logins, mark)
	}
	fmt.Fprintf(w, "  %2s  %-*s  %8d  %6d\n\n", "", nameW, "total", requests, logins)
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d steps did not behave as expected\n", failed, len(rows))
	} else {
		fmt.Fprintf(w, "all %d steps behaved as expected\n", len(rows))
	}
	fmt.Fprint(w, `
try next:
  devcloud explain 10001       what a code means, what the SDK does, how to change it
  devcloud codes               the 72 codes and the SDK's default action for each
  devcloud serve               this fake platform on its own, for devcloud call
  devcloud call -h             call the platform (or the fake one) from the shell
  go doc github.com/devcloud/devcloud-go/mock   fake the platform in your own tests
`)
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}

// wrap writes text and then tail after prefix, wrapped at word boundaries
// to tableWidth columns, continuation lines indented as far as the prefix;
// tail is never split. It counts bytes, not runes, so a line with a µ or
// an arrow fits tableWidth for tools that count either.
func wrap(w io.Writer, prefix, text, tail string) {
	wrapIndent(w, prefix, strings.Repeat(" ", len(prefix)), text, tail)
}

// wrapIndent is wrap with continuation lines indented by indent.
func wrapIndent(w io.Writer, prefix, indent, text, tail string) {
	line := prefix
	words := strings.Fields(text)
	if tail != "" {
		words = append(words, tail)
	}
	for i, word := range words {
		if i > 0 && len(line)+1+len(word) > tableWidth {
			fmt.Fprintln(w, line)
			line = indent + word
			continue
		}
		if i > 0 {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

// print writes one attempt line as it happens; during the storm only the
// login is printed.
func (d *demo) print(i client.AttemptInfo) {
	if d.quiet.Load() && !i.Login {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.polling.Load() && i.Code == apierrors.DuplicateLongPoll {
		printAttemptNext(d.out, i, "→ Poll waits the hold")
		return
	}
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
				warmFrom := len(d.srv.Requests())
				if err := d.c.Do(ctx, "GET", "/v1/gateways", nil, nil); err != nil { // a warm session
					return outcome(err), false
				}
				warm := len(d.srv.Requests()) - warmFrom
				// A slow login keeps the storm going while it runs: every
				// goroutine meets the dead session before the new one exists.
				d.srv.OnLogin(mock.LoginOK().WithDelay(300 * time.Millisecond))
				defer d.srv.OnLogin(mock.LoginOK())
				d.srv.InvalidateSessions()
				before, loginsBefore := len(d.srv.Requests()), d.srv.Logins()
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
				logins := d.srv.Logins() - loginsBefore
				reqs := d.srv.Requests()[before:]
				var dead, served, other int
				for _, r := range reqs {
					switch {
					case r.Login:
					case r.Code == int(apierrors.NotLoggedIn):
						dead++
					case r.Code == 0 && r.Status == 200:
						served++
					default:
						other++
					}
				}
				// The step's count, as in the summary: the call that warmed
				// the session up, then the storm.
				fmt.Fprintf(d.out, "  %d requests: %d warm-up + %d answered 10001 NotLoggedIn + %d login + %d replays answered ok",
					warm+len(reqs), warm, dead, len(reqs)-dead-served-other, served)
				if other > 0 {
					fmt.Fprintf(d.out, " + %d other", other)
				}
				fmt.Fprintln(d.out)
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
		pollStep(),
		breakerStep(),
		fileStep(),
		throttleStep(),
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
