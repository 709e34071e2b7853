package mount_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// mountReference mounts the reverse view of the shared example and
// returns the mountpoint and the plain directory.
func mountReference(t *testing.T) (mnt, plain string) {
	t.Helper()
	canMount(t)
	plain = fstest.ExtractShared(t, "reverse-plain.tar")
	key, err := crypto.ParseMasterKey(fstest.MasterKey(t, "reverse"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := reverse.New(plain, key, reverse.Options{Raw64: true, DirIV: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	mnt = t.TempDir()
	srv, err := mount.MountReverse(v, mnt, mount.Options{FsName: plain, Transport: testTransport()})
	if err != nil {
		t.Fatal(err)
	}
	if want := testTransport(); want != mount.TransportAuto && srv.Transport() != want {
		srv.Unmount()
		t.Fatalf("reverse view served over %s, want %s", srv.Transport(), want)
	}
	t.Cleanup(func() {
		for i := 0; srv.Unmount() != nil; i++ {
			if i == 50 {
				t.Errorf("unmount %s failed", mnt)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return mnt, plain
}

// TestReverseMountGolden: the mounted view of the shared example is
// byte for byte gocryptfs's (compared as GNU tar sees both trees).
func TestReverseMountGolden(t *testing.T) {
	mnt, _ := mountReference(t)
	want := fstest.ExtractShared(t, "reverse-view.tar")
	out, err := exec.Command("diff", "-r", "--no-dereference", want, mnt).CombinedOutput()
	if err != nil {
		t.Fatalf("diff -r gocryptfs's view and the mount: %v\n%s", err, out)
	}
	ents, err := os.ReadDir(mnt)
	if err != nil || len(ents) < 8 {
		t.Fatalf("mount lists %d entries: %v", len(ents), err)
	}
}

// TestReverseMountReadOnly: every change fails with EROFS and the plain
// directory is untouched.
func TestReverseMountReadOnly(t *testing.T) {
	mnt, plain := mountReference(t)
	before, _ := exec.Command("ls", "-lR", "--full-time", plain).CombinedOutput()
	file := filepath.Join(mnt, "l-B2hXXmPaWgiPWdGoqYpw")
	checks := map[string]error{
		"create":      os.WriteFile(filepath.Join(mnt, "new"), []byte("x"), 0o644),
		"mkdir":       os.Mkdir(filepath.Join(mnt, "d"), 0o755),
		"remove":      os.Remove(file),
		"rename":      os.Rename(file, filepath.Join(mnt, "x")),
		"chmod":       os.Chmod(file, 0o600),
		"symlink":     os.Symlink("x", filepath.Join(mnt, "s")),
		"truncate":    os.Truncate(file, 0),
		"setxattr":    unix.Setxattr(file, "user.x", []byte("1"), 0),
		"removexattr": unix.Removexattr(file, "user.x"),
		"link":        os.Link(file, filepath.Join(mnt, "hard")),
		"mkfifo":      unix.Mkfifo(filepath.Join(mnt, "fifo"), 0o644),
		"rmdir":       unix.Rmdir(filepath.Join(mnt, dirName(t, mnt))),
		"chown":       os.Lchown(file, 1, 1),
		"utimes":      os.Chtimes(file, time.Unix(1, 0), time.Unix(1, 0)),
	}
	for name, flags := range map[string]int{"open for writing": os.O_WRONLY, "open read-write": os.O_RDWR,
		"open with O_TRUNC": os.O_RDONLY | os.O_TRUNC} {
		f, err := os.OpenFile(file, flags, 0)
		if err == nil {
			f.Close()
		}
		checks[name] = err
	}
	f, err := os.OpenFile(filepath.Join(mnt, "new2"), os.O_RDONLY|os.O_CREATE, 0o644)
	if err == nil {
		f.Close()
	}
	checks["open with O_CREAT"] = err
	for what, err := range checks {
		if !errors.Is(err, unix.EROFS) {
			t.Errorf("%s: %v, want EROFS", what, err)
		}
	}
	after, _ := exec.Command("ls", "-lR", "--full-time", plain).CombinedOutput()
	if !bytes.Equal(before, after) {
		t.Errorf("the plain directory changed:\n%s\n---\n%s", before, after)
	}
}

// dirName returns the name of a directory in the root of the view.
func dirName(t *testing.T, mnt string) string {
	t.Helper()
	ents, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			return e.Name()
		}
	}
	t.Fatal("the view's root has no directory")
	return ""
}
