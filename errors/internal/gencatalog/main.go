// Command gencatalog generates the error catalog from codes.json: the
// constants and catalog array of package errors (catalog_gen.go) and the
// code table of the documentation (docs/CODES.md). It is run by go generate
// in the errors directory:
//
//	go run ./internal/gencatalog -data codes.json -out catalog_gen.go -codes ../docs/CODES.md
//
// It checks the data first and writes nothing when the data is invalid. A file
// whose content would not change is left untouched, so running it twice is a
// no-op.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/devcloud/devcloud-go/errors/internal/catalogdata"
)

func main() {
	data := flag.String("data", "codes.json", "the catalog's source `file`")
	out := flag.String("out", "catalog_gen.go", "the Go `file` to write")
	codes := flag.String("codes", "", "the Markdown `file` of the code table to write (none if empty)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gencatalog: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*data, *out, *codes); err != nil {
		fmt.Fprintln(os.Stderr, "gencatalog:", err)
		os.Exit(1)
	}
}

func run(dataPath, outPath, codesPath string) error {
	raw, err := os.ReadFile(dataPath)
	if err != nil {
		return err
	}
	entries, err := catalogdata.Parse(raw)
	if err != nil {
		return err
	}
	reserved, err := catalogdata.DeclaredNames(filepath.Dir(outPath), filepath.Base(outPath))
	if err != nil {
		return err
	}
	if err := catalogdata.Validate(entries, reserved); err != nil {
		return err
	}
	src, err := catalogdata.RenderGo(entries)
	if err != nil {
		return err
	}

	if err := writeIfChanged(outPath, src); err != nil {
		return err
	}
	if codesPath == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(codesPath), 0o755); err != nil {
		return err
	}
	return writeIfChanged(codesPath, catalogdata.RenderCodesDoc(entries))
}

// writeIfChanged writes data to path unless the file already holds it.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
