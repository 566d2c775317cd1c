// Package archtest holds tests about the code base itself rather than about
// one package's behaviour: its layering, its test clocks.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// latestTestClockYear is the latest year a test may fix its clock in.
//
// A test that fixes its clock near today's date and lets that time meet the
// real clock somewhere (a cookie jar, a context deadline, a certificate, a
// token's expiry) passes for days or weeks and then fails on its own: the
// console's tests did, once the real date passed their 2026-11-23 clock.
// Fixed clocks far in the past make any such mix fail at once, the day it
// is written, instead. 2015 has the same calendar as 2026 (the same
// weekdays, no leap day), so business-hours cases read the same.
const latestTestClockYear = 2015

// TestFixedClocksAreFarFromToday checks every time.Date with a literal year
// in the module's tests. A time that is data, not a clock (a timestamp read
// from a fixture), says so with a "not a clock" comment on its line.
func TestFixedClocksAreFarFromToday(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		exempt := map[int]bool{}
		for _, group := range f.Comments {
			for _, c := range group.List {
				if strings.Contains(c.Text, "not a clock") {
					exempt[fset.Position(c.Pos()).Line] = true
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isTimeDate(call) || len(call.Args) == 0 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.INT {
				return true
			}
			checked++
			if year, _ := strconv.Atoi(lit.Value); year > latestTestClockYear && !exempt[fset.Position(lit.Pos()).Line] {
				t.Errorf("%s: time.Date(%d, …): fix test clocks in %d or earlier (see latestTestClockYear)", fset.Position(lit.Pos()), year, latestTestClockYear)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no time.Date in any test: the check is looking in the wrong place")
	}
}

func isTimeDate(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Date" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "time"
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
