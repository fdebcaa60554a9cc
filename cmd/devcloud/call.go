package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

// queryFlag collects repeated --query k=v flags.
type queryFlag url.Values

func (q queryFlag) String() string { return "" }

func (q queryFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value")
	}
	url.Values(q).Add(k, v)
	return nil
}

func runCall(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: devcloud call METHOD PATH [--base-url URL] [--app-id ID] [--secret S] [--data JSON|-] [--query k=v]... [--verbose]")
		fmt.Fprintln(stderr, "the base URL, app id and secret default to $DEVCLOUD_BASE_URL, $DEVCLOUD_APP_ID and $DEVCLOUD_SECRET")
		fs.PrintDefaults()
	}
	baseURL := fs.String("base-url", os.Getenv("DEVCLOUD_BASE_URL"), "platform base URL")
	appID := fs.String("app-id", os.Getenv("DEVCLOUD_APP_ID"), "application id")
	secret := fs.String("secret", os.Getenv("DEVCLOUD_SECRET"), "application secret (prefer $DEVCLOUD_SECRET: flags show in ps)")
	data := fs.String("data", "", "JSON request body, or - to read it from standard input")
	timeout := fs.Duration("timeout", 60*time.Second, "bound on the whole call, retries included")
	verbose := fs.Bool("verbose", false, "print every attempt on standard error")
	query := queryFlag(url.Values{})
	fs.Var(query, "query", "query parameter key=value (repeatable)")

	// Accept flags before and after METHOD PATH.
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitUsage
	}
	method, path := strings.ToUpper(pos[0]), pos[1]
	if *baseURL == "" {
		fmt.Fprintln(stderr, "devcloud call: no base URL: use --base-url or $DEVCLOUD_BASE_URL")
		return exitUsage
	}

	var body any
	switch *data {
	case "":
	case "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "devcloud call: reading standard input: %v\n", err)
			return exitUsage
		}
		body = json.RawMessage(b)
	default:
		body = json.RawMessage(*data)
	}
	if raw, ok := body.(json.RawMessage); ok && !json.Valid(raw) {
		fmt.Fprintln(stderr, "devcloud call: the request body is not valid JSON")
		return exitUsage
	}

	opts := []client.Option{}
	if *appID != "" || *secret != "" {
		opts = append(opts, client.WithCredentials(*appID, *secret))
	}
	if *verbose {
		opts = append(opts, client.WithAttemptHook(func(i client.AttemptInfo) { printAttempt(stderr, i) }))
	}
	c, err := client.New(*baseURL, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var out json.RawMessage
	var callOpts []client.CallOption
	if len(query) > 0 {
		callOpts = append(callOpts, client.Query(url.Values(query)))
	}
	if err := c.Do(ctx, method, path, body, &out, callOpts...); err != nil {
		fmt.Fprintln(stderr, err)
		if id := apierrors.RequestIDOf(err); id != "" {
			fmt.Fprintf(stderr, "request id: %s\n", id)
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
	stdout.Write(pretty.Bytes())
	return exitOK
}

// printAttempt writes one attempt as a line: attempt, method, path, result,
// and what happens next.
func printAttempt(w io.Writer, i client.AttemptInfo) {
	what := "ok"
	switch {
	case i.Err != nil && i.Code != 0:
		what = fmt.Sprintf("code %d", i.Code)
	case i.Err != nil:
		what = "error: " + i.Err.Error()
	}
	next := ""
	switch {
	case i.Login:
		next = "(login)"
	case i.Err == nil:
		next = "done"
	case i.Action == apierrors.ActionFail:
		next = "→ fail"
	case i.Delay > 0:
		next = fmt.Sprintf("→ %s in %v", i.Action, i.Delay.Round(time.Millisecond))
	default:
		next = "→ " + i.Action.String()
	}
	fmt.Fprintf(w, "  attempt %d  %-6s %-22s %-12s %s\n", i.Attempt, i.Method, i.Path, what, next)
}
