package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

// The environment variables call reads, through client.LoadEnvFrom; serve
// prints them.
const (
	envBaseURL = client.EnvBaseURL
	envAppID   = client.EnvAppID
	envSecret  = client.EnvSecret
)

// callFlags are call's flags. None takes its default from the
// environment, so no help or error ever shows the secret: the environment
// is read after parsing, for the flags not given.
type callFlags struct {
	baseURL, appID, secret, data *string
	output, contentType          *string
	timeout                      *time.Duration
	verbose                      *bool
	query                        *repeated
}

func (f *callFlags) declare(fs *flagSet) {
	f.baseURL = fs.String("base-url", "", "the platform's base `URL`; set from $"+envBaseURL+" when not given")
	f.appID = fs.String("app-id", "", "the application `ID`; set from $"+envAppID+" when not given")
	f.secret = fs.String("secret", "", "the application `SECRET`; set from $"+envSecret+" when not given")
	f.data = fs.String("data", "", "the request body: `JSON`, - to read it from standard input, or @file to stream a file")
	f.contentType = fs.String("content-type", "", "the `type` of an @file body (default application/octet-stream)")
	f.output = fs.String("output", "", "stream the answer into `file` (- for standard output) instead of printing JSON")
	fs.StringVar(f.output, "o", "", "short for --output")
	f.timeout = fs.Duration("timeout", 60*time.Second, "bound on the whole call, retries included")
	f.verbose = fs.Bool("verbose", false, "print every attempt on standard error")
	f.query = &repeated{}
	fs.Var(f.query, "query", "a query parameter `key=value` (repeatable)")
}

func callCommand() *command {
	f := &callFlags{}
	return &command{
		name:    "call",
		args:    "METHOD PATH [flags]",
		summary: "call the platform through the SDK and print the answer",
		help: `
Call sends one request through the SDK, as an application would: it logs in with the
app id and secret, retries what the SDK retries, and prints the answer's payload as
indented JSON on standard output. A failure prints the typed error and its request
id on standard error and exits with status 1; a wrong command line exits with 2.

The base URL, app id and secret come from the flags or from $` + envBaseURL + `,
$` + envAppID + ` and $` + envSecret + ` (prefer the variable for the secret: other
users see command lines in ps). 'devcloud serve' runs a fake platform on this machine
and prints those three variables for a shell to eval. $` + client.EnvAttemptTimeout + `,
when set (a duration such as 10s), bounds each attempt; --timeout bounds the whole call.
The environment is read as client.NewFromEnv reads it.`,
		examples: []string{
			"devcloud call GET /v1/devices",
			"devcloud call --verbose GET /v1/devices --query limit=10",
			`echo '{"DeviceId":"cam-1"}' | devcloud call POST /v1/licences --data -`,
			"devcloud call PUT /v1/firmware/fw-2.bin --data @fw-2.bin",
			"devcloud call GET /v1/recordings/rec-1 -o rec-1.mp4",
		},
		flags: f.declare,
		run: func(ctx context.Context, cmd *command, args []string, s streams) int {
			fs := newFlagSet(cmd)
			f.declare(fs)
			pos, r := fs.parse(args, s)
			if r.done {
				return r.status
			}
			return runCall(ctx, cmd, f, pos, s)
		},
	}
}

func runCall(ctx context.Context, cmd *command, f *callFlags, pos []string, s streams) int {
	switch {
	case len(pos) < 2:
		return cmd.usageError(s.err, "want METHOD and PATH, got %d argument(s)", len(pos))
	case len(pos) > 2:
		return cmd.usageError(s.err, "unexpected argument after METHOD PATH: %q", pos[2])
	}
	if *f.timeout <= 0 {
		return cmd.usageError(s.err, "--timeout must be positive, got %v", *f.timeout)
	}
	method, path := strings.ToUpper(pos[0]), pos[1]
	if !strings.HasPrefix(path, "/") {
		return cmd.usageError(s.err, "PATH must start with /, as in /v1/devices")
	}
	env, err := f.env()
	if ee := (*client.EnvError)(nil); errors.As(err, &ee) {
		switch {
		case ee.IsMissing(envBaseURL):
			return cmd.usageError(s.err, "no base URL: set $%s or --base-url ('devcloud serve' runs a fake platform)", envBaseURL)
		case len(ee.Missing) > 0:
			var missing []string
			for name, flag := range map[string]string{envAppID: "--app-id", envSecret: "--secret"} {
				if ee.IsMissing(name) {
					missing = append(missing, "$"+name+" (or "+flag+")")
				}
			}
			slices.Sort(missing)
			return cmd.usageError(s.err, "no credentials: set %s", strings.Join(missing, " and "))
		}
		return cmd.usageError(s.err, "%s", strings.TrimPrefix(err.Error(), "devcloud: "))
	}
	query := url.Values{}
	for _, kv := range *f.query {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return cmd.usageError(s.err, "--query wants key=value")
		}
		query.Add(k, v)
	}
	var body any
	switch *f.data {
	case "":
	case "-":
		b, err := io.ReadAll(s.in)
		if err != nil {
			fmt.Fprintf(s.err, "devcloud call: reading standard input: %v\n", err)
			return exitFailure
		}
		body = json.RawMessage(b)
	case "@", "@-":
		return cmd.usageError(s.err, "--data @ wants a file name")
	default:
		if strings.HasPrefix(*f.data, "@") {
			file, err := openData(*f.data)
			if err != nil {
				fmt.Fprintf(s.err, "devcloud call: %v\n", err)
				return exitFailure
			}
			defer file.Close()
			body = file
			break
		}
		body = json.RawMessage(*f.data)
	}
	if raw, ok := body.(json.RawMessage); ok && !json.Valid(raw) {
		return cmd.usageError(s.err, "the request body is not valid JSON")
	}

	opts := env.Options()
	if *f.verbose {
		opts = append(opts, client.WithAttemptHook(func(i client.AttemptInfo) { printAttempt(s.err, i) }))
	}
	c, err := client.New(env.BaseURL, opts...)
	if err != nil {
		return cmd.usageError(s.err, "%v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, *f.timeout)
	defer cancel()
	var callOpts []client.CallOption
	if len(query) > 0 {
		callOpts = append(callOpts, client.Query(query))
	}
	if *f.contentType != "" {
		callOpts = append(callOpts, client.ContentType(*f.contentType))
	}
	var out json.RawMessage
	var dest any = &out
	closeOut := func() error { return nil }
	if *f.output != "" {
		var w io.Writer
		if w, closeOut, err = openOutput(*f.output, s); err != nil {
			fmt.Fprintf(s.err, "devcloud call: %v\n", err)
			return exitFailure
		}
		dest = w
	}
	endProgress := func() {}
	if _, upload := body.(*os.File); (upload || *f.output != "") && isTerminal(s.err) {
		what := "downloaded"
		if upload {
			what = "sent"
		}
		var opt client.CallOption
		opt, endProgress = progressLine(s.err, what)
		callOpts = append(callOpts, opt)
	}
	err = c.Do(ctx, method, path, body, dest, callOpts...)
	endProgress()
	if cerr := closeOut(); err == nil && cerr != nil {
		fmt.Fprintf(s.err, "devcloud call: %v\n", cerr)
		return exitFailure
	}
	if err != nil {
		if ie := (*client.InputError)(nil); errors.As(err, &ie) {
			return cmd.usageError(s.err, "%v", err)
		}
		fmt.Fprintln(s.err, err)
		if id := apierrors.RequestIDOf(err); id != "" {
			fmt.Fprintf(s.err, "request id: %s\n", id)
		}
		return exitFailure
	}
	if len(out) == 0 {
		return exitOK
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(out)
	}
	pretty.WriteByte('\n')
	s.out.Write(pretty.Bytes())
	return exitOK
}

// env is the client's configuration as the library reads it from the
// environment (client.LoadEnvFrom), each flag given taking the place of its
// variable: one source of truth for the CLI and applications.
func (f *callFlags) env() (client.Env, error) {
	flags := map[string]string{envBaseURL: *f.baseURL, envAppID: *f.appID, envSecret: *f.secret}
	return client.LoadEnvFrom(func(name string) (string, bool) {
		if v := flags[name]; v != "" {
			return v, true
		}
		return os.LookupEnv(name)
	})
}

// printAttempt writes one attempt: attempt, method and path, the answer
// (code and name, or the whole error), what happens next. A line longer
// than tableWidth wraps at spaces, never cutting the error: its cause is at
// its end.
func printAttempt(w io.Writer, i client.AttemptInfo) {
	printAttemptNext(w, i, nextStep(i))
}

// printAttemptNext is printAttempt with next in place of what the
// attempt's Action says.
func printAttemptNext(w io.Writer, i client.AttemptInfo, next string) {
	what := "ok"
	switch {
	case i.Err != nil && i.Code != 0:
		what = fmt.Sprintf("%d %s", int(i.Code), i.Code.String())
	case i.Err != nil:
		what = "error: " + i.Err.Error()
	}
	head := fmt.Sprintf("  attempt %d  %s %s  ", i.Attempt, i.Method, i.Path)
	if i.Login {
		head = fmt.Sprintf("  login      %s %s  ", i.Method, i.Path)
	}
	if line := head + what + "  " + next; len(line) <= tableWidth || strings.Count(what, " ") == 0 {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		return
	}
	wrapIndent(w, head, "      ", what, next)
}

// nextStep says what the client does after attempt i.
func nextStep(i client.AttemptInfo) string {
	switch {
	case i.Login:
		return ""
	case i.Err == nil:
		return "→ done"
	case i.Action == apierrors.ActionFail:
		return "→ fail"
	case i.Delay > 0:
		return fmt.Sprintf("→ %s in %v", i.Action, i.Delay.Round(time.Millisecond))
	}
	return "→ " + i.Action.String()
}
