// Package cofferfs_test enforces the layering of the module: arrows point
// down only (cmd → mount → fs → crypto), go-fuse is imported by mount
// alone, and crypto stays pure (no os, syscalls, logging or FUSE).
package cofferfs_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cofferfs/cofferfs"

// rule says which imports a package directory (and its subdirectories,
// unless a longer prefix has its own rule) may and may not have.
type rule struct {
	// deny lists import path prefixes the package must not import.
	deny []string
}

var (
	fuse   = "github.com/hanwen/go-fuse"
	impure = []string{"os", "os/exec", "syscall", "log", "log/slog", "net", "golang.org/x/sys", fuse}
	rules  = map[string]rule{
		"crypto":       {deny: append([]string{module + "/fs", module + "/mount", module + "/cmd"}, impure...)},
		"fs":           {deny: []string{module + "/mount", module + "/cmd", fuse, module + "/fs/config"}},
		"fs/config":    {deny: []string{module + "/fs", module + "/mount", module + "/cmd", fuse}},
		"fs/transfer":  {deny: []string{module + "/mount", module + "/cmd", fuse}},
		"fs/fstest":    {deny: []string{module + "/mount", module + "/cmd", fuse}},
		"fs/reverse":   {deny: []string{module + "/mount", module + "/cmd", fuse, module + "/fs/config", module + "/fs/transfer"}},
		"mount":        {deny: []string{module + "/cmd", module + "/fs/config", module + "/fs/transfer", "golang.org/x/term", "flag"}},
		"cmd/cofferfs": {deny: []string{fuse}},
	}
)

// ruleFor returns the rule of the longest matching directory prefix.
func ruleFor(dir string) (string, rule, bool) {
	best := ""
	for d := range rules {
		if (dir == d || strings.HasPrefix(dir, d+"/")) && len(d) > len(best) {
			best = d
		}
	}
	r, ok := rules[best]
	return best, r, ok
}

func TestLayering(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		name, r, ok := ruleFor(dir)
		if !ok {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, deny := range r.deny {
				if p == deny || strings.HasPrefix(p, deny+"/") {
					t.Errorf("%s imports %s: not allowed in %s", path, p, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d files checked: the walk is broken", checked)
	}
}

// TestOnlyMountImportsFuse double-checks the most important rule over
// every non-test file, whatever directory it is in.
func TestOnlyMountImportsFuse(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if strings.Contains(imp.Path.Value, fuse) && !strings.HasPrefix(filepath.ToSlash(path), "mount/") {
				t.Errorf("%s imports go-fuse; only package mount may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
