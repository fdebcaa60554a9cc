package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet that prints nothing itself: a command reports
// parse errors without the offending value (it may be a secret or a query
// value) and prints its flags with --names and without values taken from
// the environment.
type flagSet struct {
	*flag.FlagSet
	cmd *command
}

func newFlagSet(c *command) *flagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: c}
}

// parseResult is what parse tells a command: go on, or exit with status.
type parseResult struct {
	done   bool
	status int
}

// parse parses args, accepting flags before, between and after the
// positional arguments, which it returns. -h and --help print the help on
// standard output (exit 0); a wrong flag is a usage error (exit 2).
func (fs *flagSet) parse(args []string, s streams) ([]string, parseResult) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.cmd.printHelp(s.out)
				return nil, parseResult{true, exitOK}
			}
			return nil, parseResult{true, fs.cmd.usageError(s.err, "%s", fs.explain(err))}
		}
		if fs.NArg() == 0 {
			return pos, parseResult{}
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

var invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ".*" for (?:flag )?(-\S+): `)

// flagError rewrites the flag package's message so that it never repeats a
// value: `invalid value "s3cr3t" for flag -timeout: …` becomes
// `invalid value for --timeout: …`.
func flagError(err error) string {
	msg := err.Error()
	if m := invalidValue.FindStringSubmatchIndex(msg); m != nil {
		return "invalid value for -" + msg[m[2]:m[3]] + ": " + msg[m[1]:]
	}
	return strings.Replace(msg, ": -", ": --", 1)
}

// explain is flagError, with what a duration flag wants in place of the
// flag package's bare "parse error".
func (fs *flagSet) explain(err error) string {
	msg := flagError(err)
	m := invalidValue.FindStringSubmatch(err.Error())
	if m == nil {
		return msg
	}
	f := fs.Lookup(strings.TrimLeft(m[1], "-"))
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isDuration := g.Get().(time.Duration); isDuration {
			return "invalid value for --" + f.Name + ": want a duration with its unit, such as 30s, 1m30s or 500ms"
		}
	}
	return msg
}

// print lists the flags as "  --name ARG   usage".
func (fs *flagSet) print(w io.Writer) {
	type line struct{ left, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if arg != "" {
			left += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		lines = append(lines, line{left, usage})
		width = max(width, len(left))
	})
	for _, l := range lines {
		if 2+width+2+len(l.usage) > tableWidth {
			fmt.Fprintf(w, "  %s\n        %s\n", l.left, l.usage) // too long for one line
			continue
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, l.left, l.usage)
	}
}

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return "" }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
