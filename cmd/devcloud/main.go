// Command devcloud is the device cloud SDK's command line: a demo tour
// against an embedded fake platform, that fake platform on its own, the
// error-code catalog, and real calls.
//
//	devcloud demo                      tour the SDK's retries, relogin and errors
//	devcloud serve [--fault ...]       run the fake platform until interrupted
//	devcloud codes [--wide | --json]   the 72 platform codes
//	devcloud explain CODE...           what codes mean and what the SDK does
//	devcloud call METHOD PATH [flags]  call the platform and print the answer
//
// Every command takes -h; devcloud help COMMAND prints the same.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the call or demo failed
	exitUsage   = 2 // the command line was wrong
)

// streams are a command's standard input, output and error.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand: its help and how to run it.
type command struct {
	name     string
	args     string // after the name in the usage line
	summary  string // one line, for the command list
	help     string // what it does, in a paragraph or two
	examples []string
	flags    func(*flagSet) // declares the command's flags, for its help
	run      func(ctx context.Context, cmd *command, args []string, s streams) int
}

func commands() []*command {
	return []*command{demoCommand(), serveCommand(), codesCommand(), explainCommand(), callCommand()}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], streams{os.Stdin, os.Stdout, os.Stderr}))
}

// run is main without the process: it returns the exit status, so tests
// drive every subcommand in-process. ctx ends serve.
func run(ctx context.Context, args []string, s streams) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(s.out)
		return exitOK
	case "-version", "--version", "version":
		if len(args) > 1 {
			fmt.Fprintf(s.err, "devcloud: unexpected argument %q after %s\nusage: devcloud --version\n", args[1], args[0])
			return exitUsage
		}
		fmt.Fprintln(s.out, version())
		return exitOK
	case "help":
		return runHelp(args[1:], s)
	}
	if cmd := find(args[0]); cmd != nil {
		return cmd.run(ctx, cmd, args[1:], s)
	}
	if strings.HasPrefix(args[0], "-") {
		name, _, _ := strings.Cut(args[0], "=") // a value after = may be a secret
		fmt.Fprintf(s.err, "devcloud: unknown flag %s%s\nrun 'devcloud --help' for the flags and commands\n",
			name, didYouMean(name, []string{"--help", "--version"}))
		return exitUsage
	}
	fmt.Fprintf(s.err, "devcloud: unknown command %q%s\nrun 'devcloud --help' for the commands\n", args[0], didYouMean(args[0], names()))
	return exitUsage
}

func find(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func names() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	return out
}

// runHelp is "devcloud help [COMMAND]".
func runHelp(args []string, s streams) int {
	switch {
	case len(args) == 0:
		usage(s.out)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(s.err, "usage: devcloud help [COMMAND]")
		return exitUsage
	}
	cmd := find(args[0])
	if cmd == nil {
		fmt.Fprintf(s.err, "devcloud help: unknown command %q%s\n", args[0], didYouMean(args[0], names()))
		return exitUsage
	}
	cmd.printHelp(s.out)
	return exitOK
}

func usage(w io.Writer) {
	fmt.Fprint(w, "devcloud is the command line of the device cloud Go SDK.\n\nusage: devcloud COMMAND [arguments]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
  help CMD  the help of a command (or devcloud CMD -h)

flags:
  -h, --help   this help
  --version    the version of devcloud

Start with 'devcloud demo', then 'devcloud serve' and 'devcloud call' in a second terminal.
`)
}

// printHelp writes the command's usage line, description, flags and
// examples.
func (c *command) printHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: devcloud %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.help))
	if c.flags != nil {
		fs := newFlagSet(c)
		c.flags(fs)
		fmt.Fprint(w, "\nflags:\n")
		fs.print(w)
	}
	fmt.Fprint(w, "\nexamples:\n")
	for _, e := range c.examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// usageError reports a wrong command line and returns exitUsage.
func (c *command) usageError(w io.Writer, format string, args ...any) int {
	fmt.Fprintf(w, "devcloud %s: %s\nusage: devcloud %s %s\nrun 'devcloud %s -h' for help\n",
		c.name, fmt.Sprintf(format, args...), c.name, c.args, c.name)
	return exitUsage
}
