package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

// codeJSON is one entry of `devcloud codes --json`.
type codeJSON struct {
	Code        int    `json:"code"`
	Name        string `json:"name"`
	Chinese     string `json:"zh"`
	English     string `json:"en"`
	Category    string `json:"category"`
	Action      string `json:"action"`
	Description string `json:"sdk"`
}

func runCodes(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("codes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "devcloud codes: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	p := retry.DefaultPolicy()
	all := apierrors.All()
	if *asJSON {
		out := make([]codeJSON, len(all))
		for i, info := range all {
			out[i] = codeJSON{int(info.Code), info.Name, info.Message, info.Description,
				info.Category.String(), info.Action.String(), describe(p, info.Code)}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return exitFailure
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tCATEGORY\tACTION\tDESCRIPTION\t中文")
	for _, info := range all {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", info.Code, info.Name, info.Category, info.Action, info.Description, info.Message)
	}
	tw.Flush()
	return exitOK
}

func runExplain(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: devcloud explain CODE   (a number such as 20005, or a name such as SendMessageTimeout)")
		return exitUsage
	}
	code, ok := parseCode(args[0])
	if !ok {
		fmt.Fprintf(stderr, "devcloud explain: %q is neither a code number nor a catalog name\n", args[0])
		return exitUsage
	}
	p := retry.DefaultPolicy()
	info, known := apierrors.Lookup(int(code))
	if known {
		fmt.Fprintf(stdout, "%d %s\n  中文:     %s\n  English:  %s\n  category: %s\n", info.Code, info.Name, info.Message, info.Description, info.Category)
	} else {
		fmt.Fprintf(stdout, "%d is not in the platform's catalog\n  category: %s (from its range)\n", code, code.Category())
	}
	fmt.Fprintf(stdout, "  action:   %s\n  the SDK:  %s\n", p.Rule(code).Action, describe(p, code))
	name := fmt.Sprintf("apierrors.Code(%d)", code)
	if known {
		name = "apierrors." + info.Name
	}
	fmt.Fprintf(stdout, `
Match it:
  if errors.Is(err, %[1]s) { ... }

Override it for one client:
  p := retry.DefaultPolicy()
  p.SetAction(%[1]s, apierrors.ActionFail) // or ActionRetry, ActionRetryThrottle, ...
  c, err := client.New(baseURL, client.WithPolicy(p), ...)
`, name)
	return exitOK
}

// parseCode accepts a number or a catalog name (case-insensitive).
func parseCode(s string) (apierrors.Code, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return apierrors.Code(n), true
	}
	for _, info := range apierrors.All() {
		if strings.EqualFold(info.Name, s) {
			return info.Code, true
		}
	}
	return 0, false
}

// describe says in a sentence what policy p does about code.
func describe(p *retry.Policy, code apierrors.Code) string {
	r := p.Rule(code)
	b := r.Backoff
	sched := fmt.Sprintf("up to %d attempts, backoff %v ×%g with full jitter, capped at %v; Retry-After honoured up to %v",
		r.MaxAttempts, b.Initial, b.Multiplier, b.Max, p.MaxRetryAfter)
	switch r.Action {
	case apierrors.ActionRetry:
		return "retried: " + sched + budgetNote(p)
	case apierrors.ActionRetryThrottle:
		return "retried on the slower throttle schedule: " + sched + budgetNote(p)
	case apierrors.ActionRetryIdempotent:
		return "retried for idempotent calls only (GET, HEAD, PUT, DELETE, OPTIONS, or client.Idempotent(true)): " + sched + budgetNote(p)
	case apierrors.ActionRelogin:
		return "logs in again (one login shared by every goroutine that hit it), then replays the call once"
	case apierrors.ActionReloginClockSkew:
		return "corrects the clock offset from the server's Date header, logs in again, then replays the call once"
	case apierrors.ActionLoginCooldown:
		return fmt.Sprintf("cools the login down (backoff from %v, capped at %v) instead of hammering the login endpoint", p.LoginCooldown.Initial, p.LoginCooldown.Max)
	}
	return "fails at once with the typed error"
}

// budgetNote says how retries draw on the client's retry budget.
func budgetNote(p *retry.Policy) string {
	b := p.Budget
	if b.Disabled {
		return "; the retry budget is off"
	}
	return fmt.Sprintf(`;
            each retry takes %d tokens (%d after a timeout) from the client's %d-token retry
            budget and gets them back when it succeeds; a call that succeeds without a retry
            adds %d; an empty budget (an outage) stops retries and returns the last error`,
		b.RetryCost, b.TimeoutCost, b.Capacity, b.SuccessRefund)
}
