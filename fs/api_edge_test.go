package fs_test

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

func TestPlainPathRootAndEmptySymlink(t *testing.T) {
	v := newVault(t, variants[0].opts)
	if p, err := v.PlainPath(""); err != nil || p != "" {
		t.Errorf("PlainPath(\"\") = %q, %v; want the root", p, err)
	}
	if p, err := v.PlainPath("/"); err != nil || p != "" {
		t.Errorf("PlainPath(\"/\") = %q, %v; want the root", p, err)
	}
	wantErrno(t, v.Symlink("", "link", nil), unix.ENOENT, "Symlink with an empty target")
}

// TestNewBadKeyLength checks that a master key of the wrong length is an
// error, not a panic.
func TestNewBadKeyLength(t *testing.T) {
	for _, n := range []int{0, 5, 31, 33} {
		f, err := fs.New(t.TempDir(), make([]byte, n), fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true})
		if err == nil {
			f.Close()
			t.Errorf("New with a %d-byte key succeeded", n)
		}
	}
}

// TestSentinelsNameLayer checks that every sentinel error of fs carries
// the layer's one prefix, as the errors fs wraps do.
func TestSentinelsNameLayer(t *testing.T) {
	for _, err := range []error{fs.ErrReadOnly, fs.ErrNotProvable, fs.ErrIncomplete} {
		if !strings.HasPrefix(err.Error(), "fs: ") {
			t.Errorf("%q lacks the \"fs: \" prefix", err)
		}
	}
}
