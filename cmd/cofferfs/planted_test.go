package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestExportPlantedDirIV: a directory whose gocryptfs.diriv is a symlink
// or a FIFO is damage, reported like any entry that does not decrypt
// (exit 26), not an unknown error; and nothing blocks on the FIFO.
func TestExportPlantedDirIV(t *testing.T) {
	for _, kind := range []string{"symlink", "fifo", "directory"} {
		t.Run(kind, func(t *testing.T) {
			dir, pw, _ := makeVault(t, "pw")
			expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, smallTree(t), dir)
			iv := filepath.Join(cipherPathOf(t, dir, pw, "a/b"), "gocryptfs.diriv")
			if err := os.Remove(iv); err != nil {
				t.Fatal(err)
			}
			var err error
			switch kind {
			case "symlink":
				err = os.Symlink(filepath.Join(dir, "gocryptfs.diriv"), iv)
			case "fifo":
				err = unix.Mkfifo(iv, 0o644)
			default:
				err = os.Mkdir(iv, 0o755)
			}
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan result, 1)
			go func() {
				done <- runIn(t, "", "export", "-q", "--passfile", pw, dir, filepath.Join(t.TempDir(), "out"))
			}()
			select {
			case r := <-done:
				if r.code != exitCorrupt {
					t.Fatalf("export: exit %d, want %d\n%s", r.code, exitCorrupt, r.stderr)
				}
				mustContain(t, "export", r.stderr, "a/b (", "directory IV")
			case <-time.After(time.Minute):
				t.Fatal("export blocks on a planted diriv")
			}
			r := expectCode(t, exitCorrupt, "", "ls", "--passfile", pw, dir, "a/b")
			mustContain(t, "ls", r.stderr, "directory IV")
		})
	}
}

// TestCatPlantedSpecial: offline cat of a name under which the cloud
// planted a FIFO or a device node fails without opening it (an open can
// have side effects, and must never block).
func TestCatPlantedSpecial(t *testing.T) {
	dir, pw, _ := makeVault(t, "pw")
	expectCode(t, exitOK, "", "import", "-q", "--passfile", pw, smallTree(t), dir)
	file := cipherPathOf(t, dir, pw, "a/b/file.txt")
	kinds := map[string]func() error{"fifo": func() error { return unix.Mkfifo(file, 0o644) }}
	if os.Geteuid() == 0 {
		kinds["device"] = func() error { return unix.Mknod(file, unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3))) }
	}
	for kind, plant := range kinds {
		t.Run(kind, func(t *testing.T) {
			os.Remove(file)
			if err := plant(); err != nil {
				t.Fatal(err)
			}
			in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(in)
			if _, err := unix.InotifyAddWatch(in, filepath.Dir(file), unix.IN_OPEN); err != nil {
				t.Fatal(err)
			}
			done := make(chan result, 1)
			go func() { done <- runIn(t, "", "cat", "--passfile", pw, dir, "a/b/file.txt") }()
			select {
			case r := <-done:
				if r.code != exitOther || r.stdout != "" {
					t.Errorf("cat: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
				}
				mustContain(t, "cat", r.stderr, "a/b/file.txt (")
			case <-time.After(time.Minute):
				t.Fatal("cat blocks on a planted " + kind)
			}
			for _, name := range openEvents(t, in) {
				if name == filepath.Base(file) {
					t.Errorf("cat opened the planted %s", kind)
				}
			}
		})
	}
}

// openEvents returns the names of the entries the IN_OPEN events read
// from the inotify descriptor in name.
func openEvents(t *testing.T, in int) []string {
	t.Helper()
	var names []string
	buf := make([]byte, 64<<10)
	n, err := unix.Read(in, buf)
	if err == unix.EAGAIN {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
		names = append(names, strings.TrimRight(string(name), "\x00"))
		off += unix.SizeofInotifyEvent + int(ev.Len)
	}
	return names
}
