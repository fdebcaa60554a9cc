package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCallStreamsFilesBothWays(t *testing.T) {
	env := startServe(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	t.Run("-o writes the recording into a file", func(t *testing.T) {
		path := filepath.Join(dir, "rec-1.bin")
		code, out, errOut := cli(t, "", "call", "GET", "/v1/recordings/rec-1", "-o", path)
		got, err := os.ReadFile(path)
		if code != exitOK || out != "" || errOut != "" || err != nil || len(got) != serveFileSize {
			t.Errorf("exit %d out %q err %q, file of %d bytes (%v); want %d bytes", code, out, errOut, len(got), err, serveFileSize)
		}
	})
	t.Run("--output - writes it to standard output", func(t *testing.T) {
		code, out, _ := cli(t, "", "call", "GET", "/v1/recordings/rec-1", "--output", "-")
		if code != exitOK || len(out) != serveFileSize {
			t.Errorf("exit %d, %d bytes out; want %d", code, len(out), serveFileSize)
		}
	})
	t.Run("--data @file streams the file", func(t *testing.T) {
		path := filepath.Join(dir, "fw.bin")
		if err := os.WriteFile(path, bytes.Repeat([]byte{7}, 3<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := cli(t, "", "call", "PUT", "/v1/files/fw.bin", "--data", "@"+path)
		if code != exitOK || !strings.Contains(out, `"Stored": true`) {
			t.Errorf("exit %d out %q err %q", code, out, errOut)
		}
	})
	t.Run("--data @ of a missing file exits 1", func(t *testing.T) {
		code, _, errOut := cli(t, "", "call", "PUT", "/v1/files/x", "--data", "@"+filepath.Join(dir, "missing"))
		if code != exitFailure || !strings.Contains(errOut, "no such file") {
			t.Errorf("exit %d err %q", code, errOut)
		}
	})
}
