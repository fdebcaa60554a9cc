// Command devcloud is the device cloud SDK's command line: a demo tour
// against an embedded fake platform, the error-code catalog, and real calls.
//
//	devcloud demo                      tour the SDK's retries, relogin and errors
//	devcloud codes [--json]            the 72 platform codes
//	devcloud explain CODE              what a code means and what the SDK does
//	devcloud call METHOD PATH [flags]  call the platform and print the answer
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the call or demo failed
	exitUsage   = 2 // the command line was wrong
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status, so tests
// drive every subcommand in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "codes":
		return runCodes(args[1:], stdout, stderr)
	case "explain":
		return runExplain(args[1:], stdout, stderr)
	case "call":
		return runCall(args[1:], stdin, stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "devcloud: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: devcloud <command> [arguments]

commands:
  demo                       tour retries, relogin and typed errors against an embedded fake platform
  codes [--json]             list the platform's 72 error codes and the SDK's default action for each
  explain CODE               explain a code (number or Go name) and how to override its handling
  call METHOD PATH [flags]   call the platform; run 'devcloud call -h' for flags
`)
}
