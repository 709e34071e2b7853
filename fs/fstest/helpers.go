package fstest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/vault"
	"golang.org/x/sys/unix"
)

// Must fails the test on a non-nil error.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// CI reports whether the tests run under CI=true, where a missing
// prerequisite fails the test instead of skipping it.
func CI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test, or fails it under CI=true.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// NewVaultIn makes the existing empty directory dir a cipherdir without a
// config (a root gocryptfs.diriv when opts.DirIV is set, written by
// vault.WriteRootIV), opens it with key and closes it at the end of the
// test.
func NewVaultIn(t testing.TB, dir string, key []byte, opts fs.Options) *fs.FS {
	t.Helper()
	if opts.DirIV {
		Must(t, vault.WriteRootIV(dir))
	}
	f, err := fs.New(dir, key, opts)
	Must(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// NewVault returns a new empty cipherdir (root gocryptfs.diriv only, no
// config) opened with a random key, and the key.
func NewVault(t testing.TB, alg crypto.Algorithm) (string, *fs.FS, []byte) {
	t.Helper()
	dir := t.TempDir()
	key := crypto.NewMasterKey()
	return dir, NewVaultIn(t, dir, key, fs.Options{Algorithm: alg, Raw64: true, DirIV: true, NoSync: true}), key
}

// LogRecorder is a slog.Handler that keeps every record as one line
// "LEVEL msg k=v k=v", for tests that check what was logged.
type LogRecorder struct {
	mu    sync.Mutex
	lines []string
	t     testing.TB
}

// NewLogRecorder returns a recorder that also logs each line to t, if
// t is not nil.
func NewLogRecorder(t testing.TB) *LogRecorder { return &LogRecorder{t: t} }

// Enabled implements slog.Handler: every level is kept.
func (r *LogRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (r *LogRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", rec.Level, rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	line := b.String()
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	if r.t != nil {
		r.t.Log("log: " + line)
	}
	return nil
}

// WithAttrs implements slog.Handler (attributes are dropped).
func (r *LogRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }

// WithGroup implements slog.Handler (groups are dropped).
func (r *LogRecorder) WithGroup(string) slog.Handler { return r }

// Lines returns the recorded lines that contain every one of words.
func (r *LogRecorder) Lines(words ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
next:
	for _, l := range r.lines {
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// Errors returns the recorded lines at level ERROR or above.
func (r *LogRecorder) Errors() []string { return r.Lines("ERROR") }

// Open opens the cipherdir dir (Raw64, DirIV, no fsyncs) with key and
// closes it at the end of the test.
func Open(t testing.TB, dir string, key []byte, alg crypto.Algorithm) *fs.FS {
	t.Helper()
	fsys, err := fs.New(dir, key, fs.Options{Algorithm: alg, Raw64: true, DirIV: true, NoSync: true})
	Must(t, err)
	t.Cleanup(func() { fsys.Close() })
	return fsys
}

// NoTmpfsDir returns a temporary directory on a file system other than
// tmpfs, whose fallocate(FALLOC_FL_KEEP_SIZE) checks RLIMIT_FSIZE (a
// reservation there, on a nearly full tmpfs, would fail the write at once,
// not later): t.TempDir(), else under /var/tmp.
func NoTmpfsDir(t testing.TB) string {
	t.Helper()
	for _, base := range []string{"", "/var/tmp"} {
		dir := t.TempDir()
		if base != "" {
			var err error
			if dir, err = os.MkdirTemp(base, "writebehind"); err != nil {
				break
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
		}
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type != unix.TMPFS_MAGIC {
			return dir
		}
	}
	t.Fatal("no temporary directory outside tmpfs (t.TempDir, /var/tmp)")
	return ""
}
