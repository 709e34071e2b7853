package mount_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// POSIX details through a mount that posixtest does not cover.

func lstat(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatalf("lstat %s: %v", p, err)
	}
	return st
}

// wantStat checks the size and full mode (type and permission bits) of p.
func wantStat(t *testing.T, p string, size int64, mode uint32) {
	t.Helper()
	st := lstat(t, p)
	if st.Size != size || st.Mode != mode {
		t.Errorf("%s: size %d mode %#o, want size %d mode %#o", filepath.Base(p), st.Size, st.Mode, size, mode)
	}
}

func posixMount(t *testing.T) string {
	_, fsys := newVault(t, crypto.AESGCM)
	return mountFS(t, fsys, mount.Options{})
}

// TestAttrsImmediate checks that every change shows in the attributes at
// once, although the kernel caches them for a second.
func TestAttrsImmediate(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("hello"), 0o640))
	wantStat(t, p, 5, unix.S_IFREG|0o640)

	a, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, err)
	defer a.Close()
	b, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, err)
	defer b.Close()
	_, err = b.WriteAt(bytes.Repeat([]byte("x"), 10000), 3)
	must(t, err)
	wantStat(t, p, 10003, unix.S_IFREG|0o640)
	if fi, err := a.Stat(); err != nil || fi.Size() != 10003 {
		t.Errorf("fstat of the other handle after a write: %v %v", fi.Size(), err)
	}
	must(t, a.Truncate(4097))
	wantStat(t, p, 4097, unix.S_IFREG|0o640)
	if fi, err := b.Stat(); err != nil || fi.Size() != 4097 {
		t.Errorf("fstat of the other handle after ftruncate: %v %v", fi.Size(), err)
	}
	must(t, os.Truncate(p, 20000))
	if fi, err := a.Stat(); err != nil || fi.Size() != 20000 {
		t.Errorf("fstat after truncate by path: %v %v", fi.Size(), err)
	}
	must(t, os.Chmod(p, 0o604))
	wantStat(t, p, 20000, unix.S_IFREG|0o604)

	must(t, os.Link(p, p+".link"))
	if st := lstat(t, p); st.Nlink != 2 {
		t.Errorf("nlink after link: %d", st.Nlink)
	}
	wantStat(t, p+".link", 20000, unix.S_IFREG|0o604)
	must(t, os.Rename(p+".link", p+".moved"))
	wantStat(t, p+".moved", 20000, unix.S_IFREG|0o604)
	must(t, os.Remove(p+".moved"))
	if st := lstat(t, p); st.Nlink != 1 {
		t.Errorf("nlink after unlink of the other link: %d", st.Nlink)
	}
	d := filepath.Join(mnt, "dir")
	must(t, os.Mkdir(d, 0o751))
	wantStat(t, d, lstat(t, d).Size, unix.S_IFDIR|0o751)
	must(t, os.Symlink("some/target/path", filepath.Join(d, "sym")))
	wantStat(t, filepath.Join(d, "sym"), 16, unix.S_IFLNK|0o777)
	if got, err := os.Readlink(filepath.Join(d, "sym")); err != nil || got != "some/target/path" {
		t.Errorf("readlink: %q %v", got, err)
	}
}

// TestExactModes: the mode of a new entry is what the caller asked for
// less the caller's umask, never the daemon's.
func TestExactModes(t *testing.T) {
	mnt := posixMount(t)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	f, err := os.OpenFile(filepath.Join(mnt, "f0604"), os.O_CREATE|os.O_WRONLY, 0o604)
	must(t, err)
	f.Close()
	wantStat(t, filepath.Join(mnt, "f0604"), 0, unix.S_IFREG|0o604)
	must(t, os.Mkdir(filepath.Join(mnt, "d0707"), 0o707))
	wantStat(t, filepath.Join(mnt, "d0707"), lstat(t, filepath.Join(mnt, "d0707")).Size, unix.S_IFDIR|0o707)
	must(t, unix.Mkfifo(filepath.Join(mnt, "fifo0666"), 0o666))
	wantStat(t, filepath.Join(mnt, "fifo0666"), 0, unix.S_IFIFO|0o666)
	must(t, os.Mkdir(filepath.Join(mnt, "sticky"), 0o1777|os.ModeSticky))
	must(t, os.Chmod(filepath.Join(mnt, "sticky"), 0o777|os.ModeSticky))
	wantStat(t, filepath.Join(mnt, "sticky"), lstat(t, filepath.Join(mnt, "sticky")).Size, unix.S_IFDIR|unix.S_ISVTX|0o777)

	// The daemon (this process) now has a strict umask; another process
	// with umask 0 still gets exactly what it asks for.
	syscall.Umask(0o077)
	run(t, mnt, nil, "sh", "-c", "umask 0 && : > shfile && mkdir shdir && mkfifo shfifo")
	wantStat(t, filepath.Join(mnt, "shfile"), 0, unix.S_IFREG|0o666)
	wantStat(t, filepath.Join(mnt, "shdir"), lstat(t, filepath.Join(mnt, "shdir")).Size, unix.S_IFDIR|0o777)
	wantStat(t, filepath.Join(mnt, "shfifo"), 0, unix.S_IFIFO|0o666)
	// And the caller's umask applies.
	run(t, mnt, nil, "sh", "-c", "umask 027 && : > masked")
	wantStat(t, filepath.Join(mnt, "masked"), 0, unix.S_IFREG|0o640)
}

func TestOwnerTimes(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("data"), 0o644))
	must(t, os.Lchown(p, 1234, 5678))
	if st := lstat(t, p); st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("after chown: %d:%d", st.Uid, st.Gid)
	}
	must(t, os.Lchown(p, -1, 42))
	if st := lstat(t, p); st.Uid != 1234 || st.Gid != 42 {
		t.Errorf("after chown -1:42: %d:%d", st.Uid, st.Gid)
	}
	must(t, os.Symlink("target", p+".sym"))
	must(t, os.Lchown(p+".sym", 7, 8))
	if st := lstat(t, p+".sym"); st.Uid != 7 || st.Gid != 8 {
		t.Errorf("lchown of a symlink: %d:%d", st.Uid, st.Gid)
	}

	ts := []unix.Timespec{{Sec: 1000000000, Nsec: 123456789}, {Sec: 1200000000, Nsec: 987654321}}
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, 0))
	st := lstat(t, p)
	if st.Atim != ts[0] || st.Mtim != ts[1] {
		t.Errorf("utimens: atime %v mtime %v, want %v %v", st.Atim, st.Mtim, ts[0], ts[1])
	}
	// UTIME_OMIT leaves atime; a new mtime is set.
	m2 := unix.Timespec{Sec: 1300000000, Nsec: 5}
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Nsec: unix.UTIME_OMIT}, m2}, 0))
	st = lstat(t, p)
	if st.Atim != ts[0] || st.Mtim != m2 {
		t.Errorf("utimens with atime UTIME_OMIT: atime %v mtime %v, want %v %v", st.Atim, st.Mtim, ts[0], m2)
	}
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{ts[1], {Nsec: unix.UTIME_OMIT}}, 0))
	st = lstat(t, p)
	if st.Atim != ts[1] || st.Mtim != m2 {
		t.Errorf("utimens with mtime UTIME_OMIT: atime %v mtime %v, want %v %v", st.Atim, st.Mtim, ts[1], m2)
	}
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}, 0))
	if st = lstat(t, p); st.Mtim.Sec < 1700000000 || st.Atim.Sec < 1700000000 {
		t.Errorf("UTIME_NOW: atime %v mtime %v", st.Atim, st.Mtim)
	}
	// Symlink times, without following it.
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p+".sym", ts, unix.AT_SYMLINK_NOFOLLOW))
	if st := lstat(t, p+".sym"); st.Mtim != ts[1] {
		t.Errorf("symlink mtime %v, want %v", st.Mtim, ts[1])
	}
}

func TestOpenFlags(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, bytes.Repeat([]byte("0123456789"), 1000), 0o644))
	if _, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); !errors.Is(err, unix.EEXIST) {
		t.Errorf("O_EXCL on an existing file: %v", err)
	}
	// O_WRONLY partial overwrite: the daemon must read-modify-write.
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	must(t, err)
	_, err = w.WriteAt([]byte("WRONLY"), 4094)
	must(t, err)
	must(t, w.Close())
	want := bytes.Repeat([]byte("0123456789"), 1000)
	copy(want[4094:], "WRONLY")
	if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, want) {
		t.Errorf("after O_WRONLY overwrite: %v, first difference at %d", err, firstDiff(got, want))
	}
	// O_TRUNC on open.
	tr, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	must(t, err)
	if fi, err := tr.Stat(); err != nil || fi.Size() != 0 {
		t.Errorf("O_TRUNC: size %d %v", fi.Size(), err)
	}
	tr.Close()
	// O_APPEND with write(2).
	ap, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	ap.Write([]byte("one,"))
	ap.Write([]byte("two"))
	ap.Close()
	if got, _ := os.ReadFile(p); string(got) != "one,two" {
		t.Errorf("O_APPEND: %q", got)
	}
	// A read-only handle cannot write; a directory cannot be opened for writing.
	ro, err := os.Open(p)
	must(t, err)
	if _, err := ro.Write([]byte("x")); err == nil {
		t.Error("write on an O_RDONLY handle succeeded")
	}
	ro.Close()
	if _, err := os.OpenFile(mnt, os.O_RDWR, 0); !errors.Is(err, unix.EISDIR) {
		t.Errorf("open a directory O_RDWR: %v", err)
	}
}

// TestHoles: a write past the end leaves a hole that reads as zeros,
// SEEK_DATA/SEEK_HOLE describe it, and cp --sparse=always keeps the data.
func TestHoles(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "sparse")
	f, err := os.Create(p)
	must(t, err)
	defer f.Close()
	const far = 1 << 20
	_, err = f.WriteAt([]byte("head"), 0)
	must(t, err)
	_, err = f.WriteAt([]byte("tail"), far)
	must(t, err)
	size := int64(far + 4)
	fd := int(f.Fd())
	if d, err := unix.Seek(fd, 0, unix.SEEK_DATA); err != nil || d != 0 {
		t.Errorf("SEEK_DATA 0: %d %v", d, err)
	}
	hole, err := unix.Seek(fd, 0, unix.SEEK_HOLE)
	if err != nil || hole < 4 || hole > far {
		t.Fatalf("SEEK_HOLE 0: %d %v, want in [4, %d]", hole, err, far)
	}
	data, err := unix.Seek(fd, hole, unix.SEEK_DATA)
	if err != nil || data <= hole || data > far {
		t.Fatalf("SEEK_DATA %d: %d %v, want in (%d, %d]", hole, data, err, hole, far)
	}
	if h, err := unix.Seek(fd, far, unix.SEEK_HOLE); err != nil || h != size {
		t.Errorf("SEEK_HOLE in the last block: %d %v, want %d", h, err, size)
	}
	if _, err := unix.Seek(fd, size, unix.SEEK_DATA); err != unix.ENXIO {
		t.Errorf("SEEK_DATA at EOF: %v, want ENXIO", err)
	}
	got, err := os.ReadFile(p)
	must(t, err)
	want := make([]byte, size)
	copy(want, "head")
	copy(want[far:], "tail")
	if !bytes.Equal(got, want) {
		t.Fatalf("hole does not read as zeros: first difference at %d", firstDiff(got, want))
	}
	if !bytes.Equal(got[hole:data], make([]byte, data-hole)) {
		t.Errorf("reported hole [%d,%d) holds data", hole, data)
	}
	// The backing file is sparse too.
	if st := lstat(t, p); st.Blocks*512 >= far/2 {
		t.Errorf("file uses %d bytes of disk: hole not kept", st.Blocks*512)
	}
	needTools(t, "cp", "cmp")
	out := filepath.Join(t.TempDir(), "copy")
	run(t, "", nil, "cp", "--sparse=always", p, out)
	run(t, "", nil, "cmp", p, out)
	in := filepath.Join(mnt, "copy-in")
	run(t, "", nil, "cp", "--sparse=always", out, in)
	run(t, "", nil, "cmp", in, out)
}

func TestFallocate(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("abc"), 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	must(t, unix.Fallocate(int(f.Fd()), 0, 0, 10000))
	if fi, _ := f.Stat(); fi.Size() != 10000 {
		t.Errorf("size after fallocate: %d", fi.Size())
	}
	must(t, unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 0, 50000))
	if fi, _ := f.Stat(); fi.Size() != 10000 {
		t.Errorf("size after fallocate KEEP_SIZE: %d", fi.Size())
	}
	must(t, unix.Fallocate(int(f.Fd()), 0, 100, 200)) // inside: no change
	got, err := os.ReadFile(p)
	must(t, err)
	want := make([]byte, 10000)
	copy(want, "abc")
	if !bytes.Equal(got, want) {
		t.Errorf("content after fallocate differs at %d", firstDiff(got, want))
	}
	err = unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, 4096)
	if err != unix.EOPNOTSUPP {
		t.Errorf("punch hole: %v, want EOPNOTSUPP", err)
	}
}

func TestStatfsXattr(t *testing.T) {
	mnt := posixMount(t)
	var sf unix.Statfs_t
	must(t, unix.Statfs(mnt, &sf))
	if sf.Blocks == 0 || sf.Bsize == 0 || sf.Namelen != 255 {
		t.Errorf("statfs: blocks %d bsize %d namelen %d", sf.Blocks, sf.Bsize, sf.Namelen)
	}
	p := filepath.Join(mnt, "x")
	must(t, os.WriteFile(p, nil, 0o644))
	val := bytes.Repeat([]byte("v"), 3000)
	must(t, unix.Setxattr(p, "user.big", val, 0))
	must(t, unix.Setxattr(p, "user.empty", nil, 0))
	if err := unix.Setxattr(p, "user.big", []byte("x"), unix.XATTR_CREATE); err != unix.EEXIST {
		t.Errorf("XATTR_CREATE on an existing attribute: %v", err)
	}
	if err := unix.Setxattr(p, "user.none", []byte("x"), unix.XATTR_REPLACE); err != unix.ENODATA {
		t.Errorf("XATTR_REPLACE on a missing attribute: %v", err)
	}
	if n, err := unix.Getxattr(p, "user.big", nil); err != nil || n != len(val) {
		t.Errorf("getxattr size probe: %d %v", n, err)
	}
	buf := make([]byte, 10)
	if _, err := unix.Getxattr(p, "user.big", buf); err != unix.ERANGE {
		t.Errorf("getxattr into a short buffer: %v, want ERANGE", err)
	}
	buf = make([]byte, 4000)
	n, err := unix.Getxattr(p, "user.big", buf)
	if err != nil || !bytes.Equal(buf[:n], val) {
		t.Errorf("getxattr: %d %v", n, err)
	}
	if n, err := unix.Getxattr(p, "user.empty", buf); err != nil || n != 0 {
		t.Errorf("empty xattr: %d %v", n, err)
	}
	if _, err := unix.Getxattr(p, "user.missing", buf); err != unix.ENODATA {
		t.Errorf("missing xattr: %v, want ENODATA", err)
	}
	n, err = unix.Listxattr(p, buf)
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00")
	if strings.Join(names, ",") != "user.big,user.empty" && strings.Join(names, ",") != "user.empty,user.big" {
		t.Errorf("listxattr: %q", names)
	}
	must(t, unix.Removexattr(p, "user.big"))
	if _, err := unix.Getxattr(p, "user.big", buf); err != unix.ENODATA {
		t.Errorf("removed xattr: %v", err)
	}
	d := filepath.Join(mnt, "d")
	must(t, os.Mkdir(d, 0o755))
	must(t, unix.Setxattr(d, "user.dir", []byte("on a dir"), 0))
	if n, err := unix.Getxattr(d, "user.dir", buf); err != nil || string(buf[:n]) != "on a dir" {
		t.Errorf("xattr on a directory: %q %v", buf[:n], err)
	}
}

// TestSetgidDirectory: entries made in a set-group-ID directory take its
// group (and directories keep the bit), by root and by another user.
func TestSetgidDirectory(t *testing.T) {
	needTools(t, "setpriv", "sh")
	dir, fsys := newVault(t, crypto.AESGCM)
	must(t, os.Chmod(dir, 0o755))
	mnt := mountFS(t, fsys, mount.Options{AllowOther: true})
	for d := filepath.Dir(mnt); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
	d := filepath.Join(mnt, "shared")
	must(t, os.Mkdir(d, 0o755))
	must(t, os.Chown(d, 0, 1234))
	must(t, os.Chmod(d, 0o777|os.ModeSetgid))
	must(t, os.WriteFile(filepath.Join(d, "f"), nil, 0o644))
	must(t, os.Mkdir(filepath.Join(d, "sub"), 0o755))
	must(t, unix.Mkfifo(filepath.Join(d, "fifo"), 0o644))
	must(t, os.Symlink("f", filepath.Join(d, "sym")))
	run(t, d, nil, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", ": > nf && mkdir nd")
	for _, c := range []struct {
		name     string
		uid, gid uint32
		sgid     bool
	}{
		{"f", 0, 1234, false}, {"sub", 0, 1234, true}, {"fifo", 0, 1234, false}, {"sym", 0, 1234, false},
		{"nf", 65534, 1234, false}, {"nd", 65534, 1234, true},
	} {
		st := lstat(t, filepath.Join(d, c.name))
		if st.Uid != c.uid || st.Gid != c.gid || (st.Mode&unix.S_ISGID != 0) != c.sgid {
			t.Errorf("%s: owner %d:%d mode %#o, want %d:%d, setgid %v", c.name, st.Uid, st.Gid, st.Mode, c.uid, c.gid, c.sgid)
		}
	}
}

// TestACLRefused: the mount does not enforce POSIX ACLs (the kernel only
// does with FUSE_POSIX_ACL), so it must not accept them either: an ACL
// that was stored but not enforced would, e.g., let a user named in a
// deny entry in through the "other" bits. setxattr of an ACL fails with
// EOPNOTSUPP, as on a file system mounted with noacl, and none is listed.
func TestACLRefused(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("x"), 0o644))
	// user::rw- user:65534:--- group::r-- mask::r-- other::r--
	acl := []byte{2, 0, 0, 0,
		1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 0, 0, 0xfe, 0xff, 0, 0,
		4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff}
	for _, name := range []string{"system.posix_acl_access", "system.posix_acl_default"} {
		target := p
		if strings.HasSuffix(name, "default") {
			target = mnt
		}
		if err := unix.Setxattr(target, name, acl, 0); err != unix.EOPNOTSUPP {
			t.Errorf("setxattr %s: %v, want EOPNOTSUPP", name, err)
		}
	}
	buf := make([]byte, 1000)
	n, err := unix.Listxattr(p, buf)
	if err != nil || strings.Contains(string(buf[:n]), "posix_acl") {
		t.Errorf("listxattr: %q %v", buf[:n], err)
	}
	if _, err := unix.Getxattr(p, "system.posix_acl_access", buf); err != unix.ENODATA && err != unix.EOPNOTSUPP {
		t.Errorf("getxattr of an ACL: %v", err)
	}
}

// TestReadOnlyMount: a read-only mount serves reads and refuses every
// change with EROFS.
func TestReadOnlyMount(t *testing.T) {
	dir := t.TempDir()
	key := crypto.NewMasterKey()
	iv := make([]byte, crypto.DirIVSize)
	iv[0] = 1
	must(t, os.WriteFile(filepath.Join(dir, crypto.DirIVName), iv, 0o444))
	open := func(readOnly bool) *fs.FS {
		f, err := fs.New(dir, append([]byte(nil), key...), fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true, ReadOnly: readOnly})
		must(t, err)
		return f
	}
	rw := open(false)
	must(t, rw.Mkdir("d", 0o755, nil))
	f, err := rw.Create("d/f", os.O_RDWR, 0o644, nil)
	must(t, err)
	_, err = f.WriteAt([]byte("content"), 0)
	must(t, err)
	must(t, f.Close())
	must(t, rw.Close())
	ro := open(true)
	mnt := mountFS(t, ro, mount.Options{ReadOnly: true})
	p := filepath.Join(mnt, "d", "f")
	if got := readString(t, p); got != "content" {
		t.Errorf("read: %q", got)
	}
	checks := map[string]error{
		"open for writing": func() error { _, err := os.OpenFile(p, os.O_WRONLY, 0); return err }(),
		"create":           os.WriteFile(filepath.Join(mnt, "new"), nil, 0o644),
		"mkdir":            os.Mkdir(filepath.Join(mnt, "nd"), 0o755),
		"unlink":           os.Remove(p),
		"rename":           os.Rename(p, p+"2"),
		"chmod":            os.Chmod(p, 0o600),
		"truncate":         os.Truncate(p, 0),
		"setxattr":         unix.Setxattr(p, "user.x", []byte("v"), 0),
		"symlink":          os.Symlink("x", filepath.Join(mnt, "sl")),
		"utimens":          unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{{Sec: 1}, {Sec: 1}}, 0),
	}
	for what, err := range checks {
		if !errors.Is(err, unix.EROFS) {
			t.Errorf("%s on a read-only mount: %v, want EROFS", what, err)
		}
	}
	if got := readString(t, p); got != "content" {
		t.Errorf("after refused changes: %q", got)
	}
}

// TestOpenUnlinkedFile: a file unlinked while open keeps working through
// its descriptor, metadata included (fchmod, fchown, futimens, ftruncate,
// fstat), as on a local file system; and a new file under the old name
// is not affected.
func TestOpenUnlinkedFile(t *testing.T) {
	mnt := posixMount(t)
	p := filepath.Join(mnt, "f")
	must(t, os.WriteFile(p, []byte("old content"), 0o644))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	ro, err := os.Open(p)
	must(t, err)
	defer ro.Close()
	must(t, os.Remove(p))
	must(t, os.WriteFile(p, []byte("new"), 0o600)) // same name, another file
	fd := int(f.Fd())
	must(t, f.Truncate(3))
	_, err = f.WriteAt([]byte("XY"), 5)
	must(t, err)
	if err := f.Chmod(0o640); err != nil {
		t.Errorf("fchmod: %v", err)
	}
	if err := f.Chown(1234, 5678); err != nil {
		t.Errorf("fchown: %v", err)
	}
	ts := []unix.Timespec{{Sec: 1000, Nsec: 1}, {Sec: 2000, Nsec: 2}}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), ts, 0); err != nil {
		t.Errorf("futimens: %v", err)
	}
	var st unix.Stat_t
	must(t, unix.Fstat(fd, &st))
	if st.Mode != unix.S_IFREG|0o640 || st.Uid != 1234 || st.Gid != 5678 || st.Mtim != ts[1] || st.Size != 7 {
		t.Errorf("fstat of the unlinked file: mode %#o owner %d:%d mtime %v size %d", st.Mode, st.Uid, st.Gid, st.Mtim, st.Size)
	}
	got := make([]byte, 20)
	n, _ := ro.ReadAt(got, 0)
	if string(got[:n]) != "old\x00\x00XY" {
		t.Errorf("read through another descriptor: %q", got[:n])
	}
	if err := ro.Chmod(0o604); err != nil { // through the read-only descriptor
		t.Errorf("fchmod of a read-only descriptor: %v", err)
	}
	// The new file under the name was not touched.
	wantStat(t, p, 3, unix.S_IFREG|0o600)
	if st := lstat(t, p); st.Uid != 0 {
		t.Errorf("new file's owner changed: %d", st.Uid)
	}
	if got := readString(t, p); got != "new" {
		t.Errorf("new file: %q", got)
	}
}
