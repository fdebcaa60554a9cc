package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

func explainCommand() *command {
	return &command{
		name:    "explain",
		args:    "CODE|WORD...",
		summary: "explain codes (numbers or Go names) and how to change what the SDK does",
		help: `
Explain prints, for each code, its Go name, the platform's Chinese text, an English
description, its category, what the SDK does about it by default, and how to match
it and override that in Go. A code is a number (20005) or the name of its constant
in package errors (SendMessageTimeout, any case). Any other word is looked up in the
codes' names and texts: one match is explained, several are listed.

Exit status: 0 when every argument was explained; 1 when a number is not in the
catalog (it is still explained by its range); 2 when an argument is neither a code
nor found in any name or text (the others are still explained).`,
		examples: []string{
			"devcloud explain 20005",
			"devcloud explain SendMessageTimeout LoginTooFrequent 502",
			"devcloud explain timeout",
		},
		run: runExplain,
	}
}

func runExplain(_ context.Context, cmd *command, args []string, s streams) int {
	if len(args) == 0 {
		return cmd.usageError(s.err, "which code? give a number such as 20005 or a name such as SendMessageTimeout")
	}
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			cmd.printHelp(s.out)
			return exitOK
		}
	}
	p := retry.DefaultPolicy()
	var bad, unknown []string
	printed := 0
	sep := func() {
		if printed > 0 {
			fmt.Fprintln(s.out)
		}
		printed++
	}
	for _, a := range args {
		codes, err := lookupCodes(a)
		switch {
		case err != nil:
			bad = append(bad, err.Error())
		case len(codes) == 1:
			sep()
			explain(s.out, p, codes[0])
			if _, known := apierrors.Lookup(int(codes[0])); !known {
				unknown = append(unknown, a)
			}
		default:
			sep()
			listMatches(s.out, a, codes)
		}
	}
	switch {
	case len(bad) > 0:
		return cmd.usageError(s.err, "%s", strings.Join(bad, "\n  "))
	case len(unknown) > 0:
		fmt.Fprintf(s.err, "devcloud explain: %s not in the platform's catalog (explained by range)\n", strings.Join(unknown, ", "))
		return exitFailure
	}
	return exitOK
}

// lookupCodes reads one argument: a positive number, a catalog name (any
// case), or a word found in the names and texts of the catalog (any case),
// in that order. A word found nowhere is an error that suggests the
// nearest name.
func lookupCodes(s string) ([]apierrors.Code, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return nil, fmt.Errorf("%s is not a code: codes are positive numbers", s)
		}
		return []apierrors.Code{apierrors.Code(n)}, nil
	}
	var names []string
	var found []apierrors.Code
	for _, info := range apierrors.All() {
		if strings.EqualFold(info.Name, s) {
			return []apierrors.Code{info.Code}, nil
		}
		names = append(names, info.Name)
		if mentions(info, s) {
			found = append(found, info.Code)
		}
	}
	if len(found) > 0 {
		return found, nil
	}
	if n, ok := nearest(s, names); ok {
		return nil, fmt.Errorf("no code is named %q; did you mean %s?", s, n)
	}
	return nil, fmt.Errorf("%q is neither a code number nor the name of one, nor in any code's text (devcloud codes lists them)", s)
}

// mentions reports whether query begins a word of the code's name
// (SendMessageTimeout is send, message, timeout) or of its English text,
// or, holding a space or a non-Latin letter, appears in its texts as it is:
// "timeout" finds GatewayTimeout, "perm" InsufficientPermission, "nope"
// nothing, "timed out" and 超时 the texts that say so.
func mentions(info apierrors.Info, query string) bool {
	q := strings.ToLower(query)
	if strings.ContainsFunc(q, func(r rune) bool { return r == ' ' || r > unicode.MaxLatin1 }) {
		return strings.Contains(strings.ToLower(info.Description), q) || strings.Contains(info.Message, query)
	}
	for _, w := range words(info.Name + " " + info.Description) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// words splits text into lower-case words, CamelCase included.
func words(text string) []string {
	var b strings.Builder
	prev := ' '
	for _, r := range text {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteRune(' ')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return strings.FieldsFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// listMatches prints the codes a word was found in, one line each.
func listMatches(w io.Writer, word string, codes []apierrors.Code) {
	fmt.Fprintf(w, "%d codes mention %q:\n", len(codes), word)
	nameW := 0
	for _, c := range codes {
		nameW = max(nameW, len(c.String()))
	}
	for _, c := range codes {
		info, _ := apierrors.Lookup(int(c))
		left := fmt.Sprintf("  %-5d  %-*s  ", int(c), nameW, info.Name)
		fmt.Fprintln(w, left+cut(info.Description, tableWidth-utf8.RuneCountInString(left)))
	}
	fmt.Fprintln(w, "devcloud explain CODE explains one")
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
