package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
an English description, cut to fit 100 columns. --wide adds the platform's Chinese
text and prints every description in full; --json prints everything as JSON.
The same table is docs/CODES.md in the repository.`,
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
				narrowTable(s.out, tableWidth)
			}
			return exitOK
		},
	}
}

// narrowTable prints the catalog in width columns, cutting descriptions.
func narrowTable(w io.Writer, width int) {
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
	row("CODE", "NAME", "CATEGORY", "ACTION", "DESCRIPTION")
	for _, info := range all {
		row(fmt.Sprint(int(info.Code)), info.Name, info.Category.String(), info.Action.String(), info.Description)
	}
	fmt.Fprintln(w, "\ndevcloud codes --wide for the Chinese text and whole descriptions; devcloud explain CODE for one")
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
