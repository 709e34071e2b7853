// Package cofferfs_test enforces the layering of the module with an allow
// list per package: arrows point down only (cmd → mount → fs → crypto),
// go-fuse is imported by mount alone (and the benchmark's loopback), and
// crypto stays pure (no os, syscalls, logging or FUSE).
package cofferfs_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module = "github.com/cofferfs/cofferfs"
	m      = module + "/"
	fuse   = "github.com/hanwen/go-fuse/v2"
)

// The groups below are the building blocks of the allow lists, as in Go's
// own go/build/deps_test.go. An import is allowed when it is listed for
// the package or is in one of the groups listed for it; anything new
// fails the test until it is added here on purpose.
var groups = map[string][]string{
	// PURE: computation only, no I/O, no clock, no logging.
	"PURE": {"bytes", "errors", "fmt", "math", "math/bits", "slices", "sort", "strconv", "strings",
		"unicode", "unicode/utf8", "cmp", "encoding/base64", "encoding/binary", "encoding/hex"},
	// CRYPTO: the standard library's primitives and x/crypto.
	"CRYPTO": {"crypto/aes", "crypto/cipher", "crypto/hkdf", "crypto/hmac", "hash", "crypto/rand", "crypto/sha256",
		"crypto/subtle", "golang.org/x/crypto/chacha20poly1305", "golang.org/x/crypto/scrypt"},
	// RUNTIME: concurrency, time and in-memory I/O interfaces.
	"RUNTIME": {"context", "io", "regexp", "runtime", "sync", "sync/atomic", "time", "encoding/json",
		"path", "math/rand/v2", "unsafe"},
	// OS: files, processes, system calls and logging.
	"OS": {"bufio", "io/fs", "log", "log/slog", "net", "os", "os/exec", "os/signal", "path/filepath",
		"syscall", "golang.org/x/sys/unix"},
	// FUSE: go-fuse; see TestOnlyFuseLayerImportsFuse.
	"FUSE": {fuse + "/fs", fuse + "/fuse"},
}

// allow lists, per package directory of the module, the imports its
// non-test files may have: group names, standard or external packages,
// and module packages by their directory. Every package needs an entry.
var allow = map[string][]string{
	"crypto/internal/eme":      {"crypto/cipher", "crypto/subtle"},
	"crypto":                   {"PURE", "CRYPTO", m + "crypto/internal/eme", m + "crypto/internal/siv"},
	"config":                   {"PURE", "CRYPTO", "encoding/json", "io", "os", "path/filepath", "syscall", m + "crypto"},
	"fs":                       {"PURE", "RUNTIME", "crypto/rand", "crypto/sha256", "golang.org/x/sys/unix", "log/slog", m + "crypto", m + "fs/syncname", m + "fs/internal/sysx"},
	"fs/syncname":              {"PURE", "regexp"},
	"fs/internal/sysx":         {"PURE", "crypto/rand", "io", "runtime", "unsafe", "golang.org/x/sys/unix"},
	"fs/reverse":               {"PURE", "RUNTIME", "OS", "sort", m + "crypto", m + "fs/internal/sysx"},
	"crypto/internal/siv":      {"crypto/aes", "crypto/cipher", "crypto/subtle", "errors"},
	"fs/manifest":              {"PURE", "RUNTIME", "OS", "crypto/rand", "compress/gzip", "os/user", m + "crypto", m + "fs"},
	"fs/fsck":                  {"PURE", "RUNTIME", "golang.org/x/sys/unix", m + "crypto", m + "fs"},
	"fs/transfer":              {"PURE", "RUNTIME", "OS", m + "crypto", m + "fs"},
	"fs/fstest":                {"PURE", "RUNTIME", "OS", "crypto/sha256", "testing", m + "crypto", m + "fs", m + "vault"},
	"fs/transfer/transfertest": {"PURE", "RUNTIME", "OS", "crypto/rand", "testing", m + "crypto", m + "fs", m + "fs/fstest"},
	"mount":                    {"PURE", "RUNTIME", "FUSE", "bufio", "golang.org/x/sys/unix", "log", "log/slog", "os", "runtime/debug", "syscall", m + "fs", m + "fs/reverse", "crypto/sha256", m + "mount/uring", m + "internal/mountinfo"},
	"mount/uring":              {"PURE", "RUNTIME", "FUSE", "os", "golang.org/x/sys/unix"},
	"vault":                    {"PURE", "crypto/rand", "log/slog", "os", "path/filepath", m + "config", m + "crypto", m + "fs"},
	"internal/daemon":          {"PURE", "RUNTIME", "OS", "crypto/sha256", m + "internal/mountinfo"},
	"internal/mountinfo":       {"PURE"},
	"cmd/cofferfs": {"PURE", "RUNTIME", "OS", "crypto/rand", "flag", "log/syslog", "runtime/debug",
		"text/tabwriter", "reflect", "golang.org/x/term", m + "crypto", m + "fs", m + "config", m + "fs/fsck", m + "fs/transfer", m + "fs/manifest", m + "fs/reverse",
		m + "mount", m + "internal/daemon", m + "vault"},
	"cmd/mount.cofferfs":         {"PURE", "OS"},
	"bench/chart":                {"PURE", "OS", "encoding/csv", "flag", "html", "io"},
	"bench/cofferfs-bench-mount": {"PURE", "RUNTIME", "OS", "crypto/rand", "flag", "runtime/pprof", m + "config", m + "mount", m + "vault"},
	// The benchmark's baseline: a plain go-fuse loopback, explicitly
	// allowed go-fuse, with the mount options of package mount.
	"bench/loopback": {"PURE", "RUNTIME", "OS", "FUSE", "flag", m + "mount"},
	"bench/mkfiles":  {"PURE", "OS", "flag"},
}

// allowed reports whether package dir may import p.
func allowed(dir, p string) bool {
	for _, a := range allow[dir] {
		if a == p {
			return true
		}
		for _, g := range groups[a] {
			if g == p {
				return true
			}
		}
	}
	return false
}

func TestLayering(t *testing.T) {
	fset := token.NewFileSet()
	checked, seen := 0, map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if strings.Contains("/"+dir+"/", "/testdata/") {
			return nil
		}
		seen[dir] = true
		if _, ok := allow[dir]; !ok {
			t.Errorf("%s: package %s has no allow list in deps_test.go", path, dir)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !allowed(dir, p) {
				t.Errorf("%s imports %s: not in the allow list of %s", path, p, dir)
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
	for dir := range allow {
		if !seen[dir] {
			t.Errorf("allow list for %s, which has no Go files: remove it", dir)
		}
	}
}

// fuseLayer are the packages allowed to import go-fuse: the FUSE adapter,
// and the benchmark's loopback baseline.
var fuseLayer = []string{"mount", "mount/uring", "bench/loopback"}

// TestOnlyFuseLayerImportsFuse double-checks the most important rule over
// every non-test file, whatever directory it is in.
func TestOnlyFuseLayerImportsFuse(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			if strings.Contains(imp.Path.Value, fuse) && !slices.Contains(fuseLayer, dir) {
				t.Errorf("%s imports go-fuse; only %v may", path, fuseLayer)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
