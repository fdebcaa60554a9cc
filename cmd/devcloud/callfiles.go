package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/devcloud/devcloud-go/client"
)

// call's files: --data @file streams a file as the body, -o/--output
// streams the answer into a file (or - for standard output), and a
// terminal on standard error shows their progress.

// openData opens the file of --data @path; it is sent as it is read, and
// rewound for a retry.
func openData(spec string) (*os.File, error) {
	path := strings.TrimPrefix(spec, "@")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	return f, nil
}

// openOutput creates the file of --output path, or takes standard output
// for -.
func openOutput(path string, s streams) (io.Writer, func() error, error) {
	if path == "-" {
		return s.out, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// progressLine returns a Progress option that redraws one line on w,
// a terminal: "  what 12.0 MiB of 200.0 MiB (6 %)", and a function that
// ends the line.
func progressLine(w io.Writer, what string) (client.CallOption, func()) {
	var mu sync.Mutex
	drawn := false
	opt := client.Progress(func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		drawn = true
		if total > 0 {
			fmt.Fprintf(w, "\r  %s %s of %s (%d %%)   ", what, size(done), size(total), done*100/total)
			return
		}
		fmt.Fprintf(w, "\r  %s %s   ", what, size(done))
	})
	return opt, func() {
		mu.Lock()
		defer mu.Unlock()
		if drawn {
			fmt.Fprintln(w)
		}
	}
}

// size writes n bytes in MiB with one decimal.
func size(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
