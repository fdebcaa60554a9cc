package devcloud_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// snippetImports maps the package names a README snippet may use to their
// import paths; a snippet gets the imports of the names it uses, nothing
// else. A snippet that uses a package missing here fails the test with a
// message saying so.
var snippetImports = map[string]string{
	"context":      "context",
	"errors":       "errors",
	"fmt":          "fmt",
	"http":         "net/http",
	"io":           "io",
	"iter":         "iter",
	"json":         "encoding/json",
	"log":          "log",
	"os":           "os",
	"slog":         "log/slog",
	"strings":      "strings",
	"sync":         "sync",
	"atomic":       "sync/atomic",
	"testing":      "testing",
	"time":         "time",
	"url":          "net/url",
	"apierrors":    "github.com/devcloud/devcloud-go/errors",
	"client":       "github.com/devcloud/devcloud-go/client",
	"retry":        "github.com/devcloud/devcloud-go/retry",
	"mock":         "github.com/devcloud/devcloud-go/mock",
	"redisstore":   "github.com/devcloud/devcloud-go/redisstore",
	"devcloudotel": "github.com/devcloud/devcloud-go/devcloudotel",
	"redis":        "github.com/redis/go-redis/v9",
	"miniredis":    "github.com/alicebob/miniredis/v2",
	"otel":         "go.opentelemetry.io/otel",
	"sdktrace":     "go.opentelemetry.io/otel/sdk/trace",
	"sdkmetric":    "go.opentelemetry.io/otel/sdk/metric",
	"stdouttrace":  "go.opentelemetry.io/otel/exporters/stdout/stdouttrace",
	"stdoutmetric": "go.opentelemetry.io/otel/exporters/stdout/stdoutmetric",
}

// snippet is one ```go block of the README.
type snippet struct {
	line int // README line of the block's first line of code
	code string
}

// readmeSnippets returns the README's ```go blocks.
func readmeSnippets(t *testing.T) []snippet {
	t.Helper()
	var out []snippet
	lines := strings.Split(readme(t), "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		out = append(out, snippet{line: start + 1, code: strings.Join(lines[start:i], "\n") + "\n"})
	}
	return out
}

// snippetFile turns a snippet into a Go file of package snippets: complete
// declarations stay as they are, anything else becomes the body of a
// function. A block that starts with import declarations keeps them as the
// file's only imports, so the compiler checks the paths a reader copies;
// a block without them gets the imports of the package names it uses. A
// //line directive makes the compiler's messages point at README.md's
// lines.
func snippetFile(s snippet) ([]byte, error) {
	imports, body := splitImports(s.code)
	bodyLine := s.line + strings.Count(imports, "\n") // the README line body starts on
	src := body
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package snippets\n"+imports+body, parser.SkipObjectResolution); err != nil {
		src = fmt.Sprintf("func readmeLine%d() {\n%s}\n", s.line, body)
		bodyLine-- // the func line stands before the body's first line
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package snippets\n"+imports+src, 0)
	if err != nil {
		return nil, fmt.Errorf("README.md:%d: the Go block is neither whole declarations nor a function body: %v", s.line, err)
	}
	var b bytes.Buffer
	b.WriteString("package snippets\n\n")
	if imports != "" {
		fmt.Fprintf(&b, "//line README.md:%d\n%s", s.line, imports)
		fmt.Fprintf(&b, "\n//line README.md:%d\n%s", bodyLine, src)
		return b.Bytes(), nil
	}
	used := map[string]bool{}
	var unknown []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
			if _, known := snippetImports[id.Name]; known {
				used[id.Name] = true
			} else if !slices.Contains(unknown, id.Name) {
				unknown = append(unknown, id.Name)
			}
		}
		return true
	})
	if len(unknown) > 0 {
		return nil, fmt.Errorf("README.md:%d: the Go block uses %s, which is neither declared in it nor a package readme_snippets_test.go knows (give the block its imports, or add it to snippetImports)",
			s.line, strings.Join(unknown, ", "))
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range used {
			if !yield(n) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "import %s %q\n", name, snippetImports[name])
	}
	fmt.Fprintf(&b, "\n//line README.md:%d\n%s", bodyLine, src)
	return b.Bytes(), nil
}

// splitImports returns the import declarations code starts with (up to the
// end of the last one's line) and the rest.
func splitImports(code string) (imports, rest string) {
	const pkg = "package snippets\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", pkg+code, parser.ImportsOnly|parser.SkipObjectResolution)
	if err != nil || len(f.Imports) == 0 {
		return "", code
	}
	end := fset.Position(f.Decls[len(f.Decls)-1].End()).Offset - len(pkg)
	if nl := strings.IndexByte(code[end:], '\n'); nl >= 0 {
		end += nl + 1
	} else {
		end = len(code)
	}
	return code[:end], code[end:]
}

// scratchModule writes a module that uses this repository (and its
// submodules) through replace directives, so the snippets build against
// the code in the tree. A submodule's own dependencies (go-redis) come
// from the module cache, or the module proxy on a fresh machine.
func scratchModule(t *testing.T, dir string) {
	t.Helper()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	var mod, sum bytes.Buffer
	mod.WriteString("module readmesnippets\n\ngo 1.26.0\n\n")
	mods, _ := filepath.Glob(filepath.Join(root, "*", "go.mod"))
	mods = append([]string{filepath.Join(root, "go.mod")}, mods...)
	for _, gomod := range mods {
		rel, _ := filepath.Rel(root, filepath.Dir(gomod))
		path := "github.com/devcloud/devcloud-go"
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		fmt.Fprintf(&mod, "require %s v0.0.0\nreplace %s => %s\n", path, path, filepath.Dir(gomod))
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(gomod), "go.sum")); err == nil {
			sum.Write(b)
		}
	}
	write(t, filepath.Join(dir, "go.mod"), mod.Bytes())
	write(t, filepath.Join(dir, "go.sum"), sum.Bytes())
	write(t, filepath.Join(dir, "doc.go"), []byte("// Package snippets holds the README's Go blocks.\npackage snippets\n"))
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeGoSnippetsCompileOnTheirOwn gives every ```go block of the
// README to the compiler as a reader would paste it: a block of statements
// becomes a function body, a block of declarations (func TestX(t
// *testing.T), func ExampleX(), types) stays as it is, and only imports are
// added. The blocks are built and vetted in a scratch module that uses this
// repository, and their Test and Example functions run.
func TestReadmeGoSnippetsCompileOnTheirOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	snippets := readmeSnippets(t)
	if len(snippets) < 6 {
		t.Fatalf("found %d Go blocks in README.md, want at least 6", len(snippets))
	}
	dir := t.TempDir()
	scratchModule(t, dir)
	for _, s := range snippets {
		src, err := snippetFile(s)
		if err != nil {
			t.Error(err)
			continue
		}
		write(t, filepath.Join(dir, fmt.Sprintf("readme_line%d_test.go", s.line)), src)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d Go blocks of README.md, each compiled on its own", len(snippets))
	// One go command builds, vets (every check, as go vet does) and runs
	// them: the scratch module is loaded and compiled once. The blocks are
	// checked, not timed, so they are compiled without optimisations
	// (-N -l, for this package only): the generic code they instantiate,
	// some 3,000 functions, then compiles in half the time.
	args := []string{"test", "-vet=all", "-gcflags=-N -l", "-count=1", "."}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOSUMDB=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s on the README's Go blocks: %v\n"+
			"Each ```go block of README.md must compile on its own, with only imports added:\n"+
			"statements are wrapped in a function, declarations (func TestX(t *testing.T),\n"+
			"func ExampleX()) are kept as they are. The lines below point into README.md.\n\n%s",
			strings.Join(args, " "), err, out)
	}
}

// TestReadmeSnippetFileWrapsStatementsAndKeepsDeclarations pins down how a
// block becomes a file: which form it takes, and that it imports exactly
// the packages it names.
func TestReadmeSnippetFileWrapsStatementsAndKeepsDeclarations(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		want       []string
		wantErr    string
	}{
		{"statements", "fmt.Println(time.Second)\n", []string{"func readmeLine7() {", `import fmt "fmt"`, `import time "time"`, "//line README.md:6"}, ""},
		{"declarations", "func TestX(t *testing.T) { _ = mock.OK(nil) }\n", []string{`import mock "github.com/devcloud/devcloud-go/mock"`, `import testing "testing"`, "//line README.md:7\nfunc TestX"}, ""},
		{"local names are not packages", "client := 1\nfmt.Println(client)\n", []string{`import fmt "fmt"`}, ""},
		{"unknown package", "foo.Bar()\n", nil, "uses foo"},
		{"imports of its own", "import (\n\t\"fmt\"\n\n\tfoo \"example.com/bar\"\n)\n\nfoo.Bar()\nfmt.Println()\n",
			[]string{"//line README.md:7\nimport (\n\t\"fmt\"\n\n\tfoo \"example.com/bar\"\n)\n", "//line README.md:11\nfunc readmeLine7() {\n\nfoo.Bar()"}, ""},
		{"imports and declarations", "import \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
			[]string{"//line README.md:7\nimport \"testing\"\n", "//line README.md:8\n\nfunc TestX"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := snippetFile(snippet{line: 7, code: tc.code})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "README.md:7") {
					t.Fatalf("err = %v, want it to name README.md:7 and contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(src), w) {
					t.Errorf("file lacks %q:\n%s", w, src)
				}
			}
			if tc.name == "local names are not packages" && strings.Contains(string(src), "devcloud-go/client") {
				t.Errorf("a local variable was taken for a package:\n%s", src)
			}
		})
	}
}

var tocEntry = regexp.MustCompile(`^- \[(.+)\]\(#([^)]+)\)$`)

// anchor is GitHub's anchor for a heading: lower case, punctuation dropped,
// spaces as hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestReadmeTableOfContentsListsEverySection keeps the Contents list in step
// with the README's sections, in order.
func TestReadmeTableOfContentsListsEverySection(t *testing.T) {
	var headings, toc []string
	inCode, inTOC := false, false
	for _, l := range strings.Split(readme(t), "\n") {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
		}
		if inCode {
			continue
		}
		if h, ok := strings.CutPrefix(l, "## "); ok {
			inTOC = h == "Contents"
			if !inTOC {
				headings = append(headings, h)
			}
			continue
		}
		if m := tocEntry.FindStringSubmatch(l); inTOC && m != nil {
			if m[2] != anchor(m[1]) {
				t.Errorf("README Contents: %q links to #%s; GitHub's anchor for that heading is #%s", m[1], m[2], anchor(m[1]))
			}
			toc = append(toc, m[1])
		}
	}
	for _, h := range headings {
		if !slices.Contains(toc, h) {
			t.Errorf("README section %q is missing from the Contents list; add the line\n- [%s](#%s)", h, h, anchor(h))
		}
	}
	for _, e := range toc {
		if !slices.Contains(headings, e) {
			t.Errorf("README Contents lists %q, but no \"## %s\" section exists", e, e)
		}
	}
	if !t.Failed() && !slices.Equal(headings, toc) {
		t.Errorf("README Contents order\n  %s\ndiffers from the sections'\n  %s", strings.Join(toc, " | "), strings.Join(headings, " | "))
	}
}
