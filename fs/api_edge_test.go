package fs_test

import (
	"testing"

	"golang.org/x/sys/unix"
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
