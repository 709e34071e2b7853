package fs_test

import (
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
)

// Permission bits bind fs itself when it does not run as root, as for a
// user's own mount. TestAsUser runs TestUserHelper in a copy of the test
// binary as the user nobody on a cipherdir nobody owns.

const (
	userHelperDir = "COFFERFS_TEST_USER_DIR"
	userHelperKey = "COFFERFS_TEST_USER_KEY"
	nobody        = 65534
)

func TestAsUser(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root to switch to an unprivileged user")
	}
	v := newVault(t, variants[0].opts)
	// Let nobody reach the cipherdir and the binary.
	bin := filepath.Join(t.TempDir(), "fs.test")
	for _, d := range []string{filepath.Dir(v.dir), filepath.Dir(bin)} {
		must(t, os.Chmod(d, 0o755))
	}
	must(t, filepath.Walk(v.dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			err = os.Lchown(p, nobody, nobody)
		}
		return err
	}))
	self, err := os.Open(os.Args[0])
	must(t, err)
	defer self.Close()
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	must(t, err)
	_, err = io.Copy(out, self)
	must(t, err)
	must(t, out.Close())

	cmd := exec.Command(bin, "-test.run=^TestUserHelper$", "-test.v")
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), userHelperDir+"="+v.dir, userHelperKey+"="+hex.EncodeToString(v.key))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	output, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(output), "--- PASS: TestUserHelper") {
		t.Fatalf("as nobody: %v\n%s", err, output)
	}
}

// TestUserHelper is the part of TestAsUser that runs as nobody.
func TestUserHelper(t *testing.T) {
	dir := os.Getenv(userHelperDir)
	if dir == "" {
		t.Skip("run by TestAsUser")
	}
	if os.Geteuid() == 0 {
		t.Fatal("still root")
	}
	key, err := hex.DecodeString(os.Getenv(userHelperKey))
	must(t, err)
	v := &vault{dir: dir, key: key, opts: variants[0].opts}
	v.FS = v.open(t)
	long := strings.Repeat("U", 200)

	// Directories without owner write or search permission can be
	// removed and replaced, as on any file system.
	for _, mode := range []uint32{0o500, 0o300, 0o000} {
		must(t, v.Mkdir("d", mode, nil))
		must(t, v.Mkdir(long, mode, nil))
		if st, err := v.Stat("d"); err != nil || st.Mode != unix.S_IFDIR|mode {
			t.Errorf("Mkdir mode %o: %o, %v", mode, st.Mode, err)
		}
		must(t, v.Rmdir("d"))
		must(t, v.Rmdir(long))
	}
	must(t, v.Mkdir("src", 0o755, nil))
	must(t, v.Mkdir("dst", 0o500, nil))
	must(t, v.Rename("src", "dst", 0))
	if st, err := v.Stat("dst"); err != nil || st.Mode != unix.S_IFDIR|0o755 {
		t.Errorf("Rename over an empty 0500 dir: %o, %v", st.Mode, err)
	}
	// A failed Rmdir of a non-empty read-only dir leaves its mode.
	must(t, v.Mkdir("full", 0o755, nil))
	writeFile(t, v.FS, "full/f", nil)
	must(t, v.Chmod("full", 0o500))
	wantErrno(t, v.Rmdir("full"), unix.ENOTEMPTY, "Rmdir of a non-empty 0500 dir")
	if st, _ := v.Stat("full"); st.Mode != unix.S_IFDIR|0o500 {
		t.Errorf("failed Rmdir changed the mode to %o", st.Mode)
	}
	if _, err := os.Stat(filepath.Join(v.backing(t, "full"), crypto.DirIVName)); err != nil {
		t.Errorf("failed Rmdir lost the diriv: %v", err)
	}

	// A read-only file can be read, not opened for writing.
	writeFile(t, v.FS, "ro", []byte("x"))
	must(t, v.Chmod("ro", 0o400))
	_, err = v.Open("ro", unix.O_RDWR)
	wantErrno(t, err, unix.EACCES, "Open O_RDWR of a 0400 file")
	if got := readFile(t, v.FS, "ro"); string(got) != "x" {
		t.Errorf("read %q", got)
	}

	// A write-only file can be written, partial blocks too, and keeps
	// its mode.
	f, err := v.Create("wo", unix.O_WRONLY, 0o200, nil)
	must(t, err)
	_, err = f.WriteAt([]byte("hello world"), 0)
	must(t, err)
	must(t, f.Close())
	for _, flags := range []int{unix.O_WRONLY, unix.O_WRONLY | unix.O_APPEND} {
		f, err = v.Open("wo", flags)
		must(t, err)
		_, err = f.WriteAt([]byte("HELLO"), 0)
		must(t, err)
		must(t, f.Close())
	}
	_, err = v.Open("wo", unix.O_RDWR)
	wantErrno(t, err, unix.EACCES, "Open O_RDWR of a 0200 file")
	if st, _ := v.Stat("wo"); st.Mode != unix.S_IFREG|0o200 {
		t.Errorf("write-only file has mode %o after writing", st.Mode)
	}
	must(t, v.Chmod("wo", 0o600))
	if got := readFile(t, v.FS, "wo"); string(got) != "HELLO worldHELLO" {
		t.Errorf("write-only file holds %q", got)
	}
	must(t, v.Chmod("wo", 0o000))
	_, err = v.Open("wo", unix.O_WRONLY)
	wantErrno(t, err, unix.EACCES, "Open O_WRONLY of a 0000 file")
	checkBackingClean(t, v)
}
