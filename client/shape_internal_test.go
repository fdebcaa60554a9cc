package client

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestShapeOfTheCallPath keeps the call path's shape in view: how many ways
// a call can end (the returns of do, the breaks of its loop), the state one
// call carries, the session resource's fields and do.go's length
// (go test ./client -run TestShapeOfTheCallPath -v). A new concern belongs
// in a step of the pipeline or an entry of the judgement's chains, never in
// another exit of the loop.
func TestShapeOfTheCallPath(t *testing.T) {
	src, err := os.ReadFile("do.go")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "do.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var returns, breaks int
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "do" {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ReturnStmt:
				returns++
			case *ast.BranchStmt:
				if n.Tok == token.BREAK {
					breaks++
				}
			case *ast.FuncLit:
				return false
			}
			return true
		})
	}
	fields := func(v any) (top, all int) {
		var walk func(reflect.Type) int
		walk = func(rt reflect.Type) int {
			n := 0
			for i := range rt.NumField() {
				if ft := rt.Field(i).Type; ft.Kind() == reflect.Struct && ft.PkgPath() == rt.PkgPath() {
					n += walk(ft)
				} else {
					n++
				}
			}
			return n
		}
		rt := reflect.TypeOf(v)
		return rt.NumField(), walk(rt)
	}
	callTop, callAll := fields(call{})
	sessTop, _ := fields(sessions{})
	lines := strings.Count(string(src), "\n")
	t.Logf("do: %d returns (two for bad input, then finish) and %d break in its loop: %d ways out once the call is made", returns, breaks, breaks)
	t.Logf("one call's state: call has %d fields, %d counting those of its callConfig, ticket and exchange", callTop, callAll)
	t.Logf("the session resource: sessions has %d fields; do.go has %d lines", sessTop, lines)
	if breaks != 1 || returns != 3 {
		t.Errorf("do has %d returns and %d breaks, want 3 and 1: every end of a call goes through finish", returns, breaks)
	}
}
