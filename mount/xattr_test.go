package mount_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// TestXattrFreshFile checks the shortcut for files made through the
// mount (no xattrs yet, answered without the backing file): xattrs set
// through the mount show at once, and one set behind the mount (as a
// sync client would) shows within the attribute timeout.
func TestXattrFreshFile(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{})
	p := filepath.Join(mnt, "fresh")
	must(t, os.WriteFile(p, []byte("x"), 0o644))
	buf := make([]byte, 64)
	if _, err := unix.Getxattr(p, "security.capability", buf); err != unix.ENODATA {
		t.Errorf("fresh file: %v, want ENODATA", err)
	}
	must(t, unix.Setxattr(p, "user.a", []byte("1"), 0))
	if n, err := unix.Getxattr(p, "user.a", buf); err != nil || string(buf[:n]) != "1" {
		t.Errorf("after setxattr: %q %v", buf[:n], err)
	}

	q := filepath.Join(mnt, "behind")
	must(t, os.WriteFile(q, []byte("x"), 0o644))
	must(t, fsys.Setxattr("behind", "user.b", []byte("2"), 0))
	deadline := time.Now().Add(3 * time.Second)
	for {
		n, err := unix.Getxattr(q, "user.b", buf)
		if err == nil && string(buf[:n]) == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("xattr set behind the mount still not shown after 3 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, err := unix.Listxattr(q, buf); err != nil || string(buf[:n]) != "user.b\x00" {
		t.Errorf("listxattr: %q %v", buf[:n], err)
	}
}

// TestNoXattr checks the --noxattr mount: xattr calls fail with
// EOPNOTSUPP (the kernel stops asking the daemon), files work as before,
// and the vault's stored xattrs are untouched.
func TestNoXattr(t *testing.T) {
	_, fsys := newVault(t, crypto.AESGCM)
	mnt := mountFS(t, fsys, mount.Options{NoXattr: true})
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("data"), 0o644))
	must(t, fsys.Setxattr("f", "user.kept", []byte("1"), 0))
	if err := unix.Setxattr(p, "user.a", []byte("1"), 0); err != unix.EOPNOTSUPP {
		t.Errorf("setxattr: %v, want EOPNOTSUPP", err)
	}
	buf := make([]byte, 64)
	for i := 0; i < 2; i++ {
		if _, err := unix.Getxattr(p, "user.kept", buf); err != unix.EOPNOTSUPP {
			t.Errorf("getxattr #%d: %v, want EOPNOTSUPP", i, err)
		}
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != "data" {
		t.Errorf("read: %q %v", got, err)
	}
	if v, err := fsys.Getxattr("f", "user.kept"); err != nil || string(v) != "1" {
		t.Errorf("stored xattr: %q %v", v, err)
	}
}
