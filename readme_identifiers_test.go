package devcloud_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmePackages maps the package names the README's prose uses to their
// folders in this repository. errors is this repository's package when the
// name is not one of the standard library's (errors.Is, errors.As, …).
var readmePackages = map[string]string{
	"client":       "client",
	"apierrors":    "errors",
	"errors":       "errors",
	"retry":        "retry",
	"mock":         "mock",
	"redisstore":   "redisstore",
	"devcloudotel": "devcloudotel",
}

var stdErrors = []string{"Is", "As", "New", "Join", "Unwrap", "ErrUnsupported"}

// exported is what a package declares, read from its non-test files.
type exported struct {
	names   map[string]bool            // top-level funcs, types, vars, consts
	members map[string]map[string]bool // type name → its methods, fields and interface methods
}

func parseExported(t *testing.T, dir string) exported {
	t.Helper()
	e := exported{names: map[string]bool{}, members: map[string]map[string]bool{}}
	member := func(typ, name string) {
		if e.members[typ] == nil {
			e.members[typ] = map[string]bool{}
		}
		e.members[typ][name] = true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					e.names[d.Name.Name] = true
					continue
				}
				typ := d.Recv.List[0].Type
				for {
					switch x := typ.(type) {
					case *ast.StarExpr:
						typ = x.X
						continue
					case *ast.IndexExpr:
						typ = x.X
						continue
					case *ast.IndexListExpr:
						typ = x.X
						continue
					}
					break
				}
				if id, ok := typ.(*ast.Ident); ok {
					member(id.Name, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							e.names[n.Name] = true
						}
					case *ast.TypeSpec:
						e.names[s.Name.Name] = true
						var fields *ast.FieldList
						switch tt := s.Type.(type) {
						case *ast.StructType:
							fields = tt.Fields
						case *ast.InterfaceType:
							fields = tt.Methods
						}
						if fields == nil {
							continue
						}
						for _, fld := range fields.List {
							for _, n := range fld.Names {
								member(s.Name.Name, n.Name)
							}
							if len(fld.Names) == 0 { // embedded: its name is a field
								typ := fld.Type
								if st, ok := typ.(*ast.StarExpr); ok {
									typ = st.X
								}
								switch x := typ.(type) {
								case *ast.Ident:
									member(s.Name.Name, x.Name)
								case *ast.SelectorExpr:
									member(s.Name.Name, x.Sel.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	return e
}

var (
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// pkg.Name, pkg.Type.Member, (*pkg.Type).Member
	qualified = regexp.MustCompile(`\(\*?([a-z]+)\.([A-Z]\w*)\)\.([A-Z]\w*)|\b([a-z]+)\.([A-Z]\w*)(?:\.([A-Z]\w*))?`)
)

// TestReadmeIdentifiersExist resolves every pkg.Name the README's prose
// names in a code span (pkg.Type.Member and (*pkg.Type).Member too) against
// the declarations of this repository's packages, so a renamed or removed
// name cannot linger in the documentation. The Changelog's old names are
// exempt: they are there because they are gone.
func TestReadmeIdentifiersExist(t *testing.T) {
	text := readme(t)
	text, _, _ = strings.Cut(text, "\n## Changelog\n")
	var prose []string
	inCode := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			prose = append(prose, l)
		}
	}
	pkgs := map[string]exported{}
	checked := 0
	for _, span := range codeSpan.FindAllStringSubmatch(strings.Join(prose, "\n"), -1) {
		for _, m := range qualified.FindAllStringSubmatch(span[1], -1) {
			pkg, name, sel := m[1], m[2], m[3]
			if pkg == "" {
				pkg, name, sel = m[4], m[5], m[6]
			}
			dir, ours := readmePackages[pkg]
			if !ours || pkg == "errors" && slices.Contains(stdErrors, name) {
				continue
			}
			e, ok := pkgs[dir]
			if !ok {
				e = parseExported(t, dir)
				pkgs[dir] = e
			}
			checked++
			switch {
			case !e.names[name]:
				t.Errorf("README names %s.%s in `%s`; package %s declares no %s", pkg, name, span[1], dir, name)
			case sel != "" && e.members[name] != nil && !e.members[name][sel]:
				t.Errorf("README names %s.%s.%s in `%s`; %s has no method or field %s", pkg, name, sel, span[1], name, sel)
			}
		}
	}
	if checked < 50 {
		t.Errorf("resolved %d qualified names in the README's code spans, want at least 50", checked)
	}
	t.Logf("%d qualified names in the README's code spans checked", checked)
}

// TestReadmeLinksStayInTheRepository keeps the README's relative links
// pointing at files that exist.
func TestReadmeLinksStayInTheRepository(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#:\s]+)(?:#[^)]*)?\)`)
	for _, m := range link.FindAllStringSubmatch(readme(t), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("README links to %s, which is not in the repository", m[1])
		}
	}
}
