package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// tableWidth is what the codes table and the demo fit in by default.
const tableWidth = 100

func codesCommand() *command {
	var wide, asJSON *bool
	declare := func(fs *flagSet) {
		wide = fs.Bool("wide", false, "every column in full, the Chinese text included (wider than 100 columns)")
		asJSON = fs.Bool("json", false, "a JSON array of the catalog's entries, with the field names of the Go type errors.Info")
	}
	return &command{
		name:    "codes",
		args:    "[--wide | --json]",
		summary: "list the platform's 72 error codes and what the SDK does about each",
		help: `
Codes prints the platform's error codes: the number, the Go constant of package
github.com/devcloud/devcloud-go/errors, the category, the SDK's default action and
an English description, cut to fit 100 columns. When standard output is not a
terminal (a pipe, a file) the header and the closing hint are left out, so each
line is one code: devcloud codes | wc -l counts the codes. --wide adds the
platform's Chinese text and prints every description in full, under a header;
--json prints everything as JSON. The same table is docs/CODES.md in the repository.`,
		examples: []string{
			"devcloud codes",
			"devcloud codes --wide | less -S",
			`devcloud codes --json | jq '.[] | select(.Action == "retry") | .Code'`,
		},
		flags: declare,
		run: func(_ context.Context, cmd *command, args []string, s streams) int {
			fs := newFlagSet(cmd)
			declare(fs)
			pos, r := fs.parse(args, s)
			if r.done {
				return r.status
			}
			if len(pos) > 0 {
				return cmd.usageError(s.err, "unexpected argument %q", pos[0])
			}
			if *wide && *asJSON {
				return cmd.usageError(s.err, "--wide and --json do not go together")
			}
			switch {
			case *asJSON:
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(apierrors.All()); err != nil {
					fmt.Fprintln(s.err, "devcloud codes:", err)
					return exitFailure
				}
			case *wide:
				wideTable(s.out)
			default:
				narrowTable(s.out, tableWidth, isTerminal(s.out))
			}
			return exitOK
		},
	}
}

// narrowTable prints the catalog in width columns, cutting descriptions;
// the header and the closing hint are for a person at a terminal, so a pipe
// gets one line per code.
func narrowTable(w io.Writer, width int, forPerson bool) {
	all := apierrors.All()
	nameW, catW, actW := len("NAME"), len("CATEGORY"), len("ACTION")
	for _, info := range all {
		nameW = max(nameW, len(info.Name))
		catW = max(catW, len(info.Category.String()))
		actW = max(actW, len(info.Action.String()))
	}
	row := func(code, name, cat, act, desc string) {
		left := fmt.Sprintf("%-5s  %-*s  %-*s  %-*s  ", code, nameW, name, catW, cat, actW, act)
		fmt.Fprintln(w, left+cut(desc, width-utf8.RuneCountInString(left)))
	}
	if forPerson {
		row("CODE", "NAME", "CATEGORY", "ACTION", "DESCRIPTION")
	}
	for _, info := range all {
		row(fmt.Sprint(int(info.Code)), info.Name, info.Category.String(), info.Action.String(), info.Description)
	}
	if forPerson {
		fmt.Fprintln(w, "\ndevcloud codes --wide for the Chinese text and whole descriptions; devcloud explain CODE for one")
	}
}

// isTerminal reports whether w is a terminal (a character device: /dev/null
// counts too, which prints nothing anyway).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// cut shortens s to n runes, ending in "…" when it had to cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:max(n-1, 0)]), " ,;:") + "…"
}

func wideTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tCATEGORY\tACTION\tDESCRIPTION\t中文")
	for _, info := range apierrors.All() {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", info.Code, info.Name, info.Category, info.Action, info.Description, info.Message)
	}
	tw.Flush()
}
