package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

func explainCommand() *command {
	return &command{
		name:    "explain",
		args:    "CODE...",
		summary: "explain codes (numbers or Go names) and how to change what the SDK does",
		help: `
Explain prints, for each code, its Go name, the platform's Chinese text, an English
description, its category, what the SDK does about it by default, and how to match
it and override that in Go. A code is a number (20005) or the name of its constant
in package errors (SendMessageTimeout, any case). A number the catalog does not know
is explained by its range.`,
		examples: []string{
			"devcloud explain 20005",
			"devcloud explain SendMessageTimeout LoginTooFrequent 502",
		},
		run: runExplain,
	}
}

func runExplain(_ context.Context, cmd *command, args []string, s streams) int {
	var codes []apierrors.Code
	var bad []string
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			cmd.printHelp(s.out)
			return exitOK
		}
		code, err := parseCode(a)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		codes = append(codes, code)
	}
	switch {
	case len(bad) > 0:
		return cmd.usageError(s.err, "%s", strings.Join(bad, "\n  "))
	case len(codes) == 0:
		return cmd.usageError(s.err, "which code? give a number such as 20005 or a name such as SendMessageTimeout")
	}
	p := retry.DefaultPolicy()
	for i, code := range codes {
		if i > 0 {
			fmt.Fprintln(s.out)
		}
		explain(s.out, p, code)
	}
	return exitOK
}

// parseCode accepts a positive number or a catalog name (any case); for a
// name that is not in the catalog it suggests the nearest one.
func parseCode(s string) (apierrors.Code, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%s is not a code: codes are positive numbers", s)
		}
		return apierrors.Code(n), nil
	}
	var names []string
	for _, info := range apierrors.All() {
		if strings.EqualFold(info.Name, s) {
			return info.Code, nil
		}
		names = append(names, info.Name)
	}
	if n, ok := nearest(s, names); ok {
		return 0, fmt.Errorf("no code is named %q; did you mean %s?", s, n)
	}
	return 0, fmt.Errorf("%q is neither a code number nor the name of one (devcloud codes lists them)", s)
}

// explain prints what code means and what policy p does about it.
func explain(w io.Writer, p *retry.Policy, code apierrors.Code) {
	info, known := apierrors.Lookup(int(code))
	if known {
		fmt.Fprintf(w, "%d %s\n  中文:     %s\n  English:  %s\n  category: %s\n", info.Code, info.Name, info.Message, info.Description, info.Category)
	} else {
		fmt.Fprintf(w, "%d is not in the platform's catalog\n  category: %s (from its range)\n", code, code.Category())
	}
	fmt.Fprintf(w, "  action:   %s\n  the SDK:  %s\n", p.Rule(code).Action, describe(p, code))
	name := fmt.Sprintf("apierrors.Code(%d)", code)
	if known {
		name = "apierrors." + info.Name
	}
	fmt.Fprintf(w, `
Match it:
  if errors.Is(err, %[1]s) { ... }

Override it for one client:
  p := retry.DefaultPolicy()
  p.SetAction(%[1]s, apierrors.ActionFail) // or ActionRetry, ActionRetryThrottle, ...
  c, err := client.New(baseURL, client.WithPolicy(p), ...)
`, name)
}

// describe says in a sentence what policy p does about code.
func describe(p *retry.Policy, code apierrors.Code) string {
	r := p.Rule(code)
	if code == apierrors.DuplicateLongPoll && r.Action == apierrors.ActionFail {
		return "Do fails at once; client.Poll waits the hold (plus jitter) and polls again, and keeps one poll per client"
	}
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
