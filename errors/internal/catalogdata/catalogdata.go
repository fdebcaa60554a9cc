// Package catalogdata reads, checks and renders errors/codes.json, the one
// source of truth of the error catalog.
//
// It is shared by the gencatalog command, which writes catalog_gen.go and the
// README's code table, and by the errors package's tests, which render the
// same output in memory to prove the checked-in files are up to date. It
// depends on the standard library only — not on package errors — so the
// generator still runs when catalog_gen.go is broken.
package catalogdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/token"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// The catalog's shape, checked by Validate.
const (
	// WantEntries is the number of codes of the platform's document.
	WantEntries = 72
	// WantHTTP is how many of them are HTTP statuses (below 1000).
	WantHTTP = 8
)

// Entry is one element of codes.json.
type Entry struct {
	// Code is the platform's number.
	Code int `json:"code"`
	// Name is the Go constant's name.
	Name string `json:"name"`
	// ZH is the platform document's Chinese text, verbatim.
	ZH string `json:"zh"`
	// EN is a short English description, without a final period.
	EN string `json:"en"`
	// Category is a category name as errors.Category.String spells it.
	Category string `json:"category"`
	// Action is an action name as errors.Action.String spells it.
	Action string `json:"action"`
}

// Categories maps each category name codes.json may use to the Go constant of
// package errors. "unknown" is deliberately absent: every catalog code has a
// category.
var Categories = map[string]string{
	"auth":     "CategoryAuth",
	"throttle": "CategoryThrottle",
	"client":   "CategoryClient",
	"server":   "CategoryServer",
}

// Actions maps each action name codes.json may use to the Go constant of
// package errors.
var Actions = map[string]string{
	"fail":               "ActionFail",
	"retry":              "ActionRetry",
	"retry-idempotent":   "ActionRetryIdempotent",
	"retry-throttle":     "ActionRetryThrottle",
	"relogin":            "ActionRelogin",
	"relogin-clock-skew": "ActionReloginClockSkew",
	"login-cooldown":     "ActionLoginCooldown",
}

// Parse decodes codes.json. Unknown fields and trailing data are errors, so a
// misspelt key cannot silently leave a field empty.
func Parse(data []byte) ([]Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var entries []Entry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("codes.json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("codes.json: unexpected data after the array")
	}
	return entries, nil
}

// Validate checks the catalog as a whole: the expected number of entries,
// codes positive, ascending and unique, names exported Go identifiers unique
// and not in reserved (the other names declared by package errors), known
// categories and actions, and texts that are non-empty single lines safe for
// a Go comment and the README's markers. It reports every problem at once.
func Validate(entries []Entry, reserved map[string]bool) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if len(entries) != WantEntries {
		add("%d entries, want %d", len(entries), WantEntries)
	}
	http := 0
	names := make(map[string]int)
	for i, e := range entries {
		at := fmt.Sprintf("entry %d (code %d)", i, e.Code)
		if e.Code <= 0 {
			add("%s: code must be positive", at)
		}
		if e.Code > 0 && e.Code < 1000 {
			http++
		}
		if i > 0 && e.Code <= entries[i-1].Code {
			add("%s: codes must be ascending and unique (follows %d)", at, entries[i-1].Code)
		}
		switch {
		case !token.IsIdentifier(e.Name) || !token.IsExported(e.Name):
			add("%s: name %q is not an exported Go identifier", at, e.Name)
		case reserved[e.Name]:
			add("%s: name %q is already declared in package errors", at, e.Name)
		case names[e.Name] != 0:
			add("%s: name %q is also used by code %d", at, e.Name, names[e.Name])
		}
		names[e.Name] = e.Code
		if _, ok := Categories[e.Category]; !ok {
			add("%s: unknown category %q (want one of %s)", at, e.Category, keys(Categories))
		}
		if _, ok := Actions[e.Action]; !ok {
			add("%s: unknown action %q (want one of %s)", at, e.Action, keys(Actions))
		}
		for _, f := range []struct{ field, text string }{{"zh", e.ZH}, {"en", e.EN}} {
			if msg := checkText(f.text); msg != "" {
				add("%s: %s %s", at, f.field, msg)
			}
		}
		if strings.HasSuffix(e.EN, ".") {
			add("%s: en must not end with a period (the doc comment adds one)", at)
		}
	}
	if len(entries) == WantEntries && http != WantHTTP {
		add("%d HTTP codes, want %d", http, WantHTTP)
	}
	if len(problems) > 0 {
		return fmt.Errorf("codes.json is invalid:\n\t%s", strings.Join(problems, "\n\t"))
	}
	return nil
}

// checkText returns why text cannot go into a comment or a table cell, or "".
func checkText(text string) string {
	switch {
	case strings.TrimSpace(text) == "":
		return "is empty"
	case !utf8.ValidString(text):
		return "is not valid UTF-8"
	case strings.TrimSpace(text) != text:
		return "has leading or trailing space"
	case strings.ContainsAny(text, "\r\n\t"):
		return "must be one line without tabs"
	case strings.Contains(text, "*/"), strings.Contains(text, "<!--"), strings.Contains(text, "-->"):
		return "contains a comment delimiter"
	}
	return ""
}

func keys(m map[string]string) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
