package fs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs"
)

// Symlinks, device nodes and metadata: chmod, chown, utimens.

func TestSymlink(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("S", 220)
		max := maxSymlinkTarget(v)
		targets := map[string]string{
			"rel": "a/b/c/file.txt", "abs": "/etc/passwd", "dot": "..", "uni": "Grüße – 日本",
			"255": strings.Repeat("t", 255), long: "target of a long-named link",
			"max": strings.Repeat("m", max), "nl": "new\nline",
		}
		for name, target := range targets {
			must(t, v.Symlink(target, name, nil))
		}
		for name, target := range targets {
			got, err := v.Readlink(name)
			must(t, err)
			st, err := v.Stat(name)
			must(t, err)
			if got != target || st.Size != int64(len(target)) || st.Mode&unix.S_IFMT != unix.S_IFLNK {
				t.Errorf("%.10s: Readlink %.20q, size %d, mode %o; want %.20q, %d", name, got, st.Size, st.Mode, target, len(target))
			}
		}
		wantErrno(t, v.Symlink(strings.Repeat("m", max+1), "toolong", nil), unix.ENAMETOOLONG, "Symlink with a target over the limit")
		wantErrno(t, v.Symlink(strings.Repeat("m", max+1), "x"+long, nil), unix.ENAMETOOLONG, "long-named Symlink with a target over the limit")
		wantErrno(t, v.Symlink("x", "rel", nil), unix.EEXIST, "Symlink onto an existing name")
		wantErrno(t, v.Symlink("x", long, nil), unix.EEXIST, "Symlink onto an existing long name")
		writeFile(t, v.FS, "file", []byte("x"))
		_, err := v.Readlink("file")
		wantErrno(t, err, unix.EINVAL, "Readlink of a file")
		_, err = v.Readlink("missing")
		wantErrno(t, err, unix.ENOENT, "Readlink of a missing entry")
		_, err = v.Open("rel", unix.O_RDONLY)
		wantErrno(t, err, unix.ELOOP, "Open of a symlink")

		must(t, v.Symlink("owned", "owned", &fs.Owner{UID: 1234, GID: 5678}))
		var st unix.Stat_t
		must(t, unix.Lstat(v.backing(t, "owned"), &st))
		if st.Uid != 1234 || st.Gid != 5678 {
			t.Errorf("symlink owner %d:%d, want 1234:5678", st.Uid, st.Gid)
		}
		checkBackingClean(t, v)
	})
}

func TestMknod(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("F", 200)
		must(t, v.Mknod("fifo", unix.S_IFIFO|0o640, 0, &fs.Owner{UID: 42, GID: 43}))
		must(t, v.Mknod(long, unix.S_IFIFO|0o600, 0, nil))
		must(t, v.Mknod("sock", unix.S_IFSOCK|0o600, 0, nil))
		nodes := map[string]uint32{"fifo": unix.S_IFIFO | 0o640, long: unix.S_IFIFO | 0o600, "sock": unix.S_IFSOCK | 0o600}
		if err := v.Mknod("null", unix.S_IFCHR|0o666, unix.Mkdev(1, 3), nil); err == nil {
			nodes["null"] = unix.S_IFCHR | 0o666
			if st, _ := v.Stat("null"); st.Rdev != unix.Mkdev(1, 3) {
				t.Errorf("char device rdev %x", st.Rdev)
			}
		} else {
			wantErrno(t, err, unix.EPERM, "Mknod of a char device")
		}
		for p, mode := range nodes {
			st, err := v.Stat(p)
			must(t, err)
			if st.Mode != mode {
				t.Errorf("%.10s: mode %o, want %o", p, st.Mode, mode)
			}
			// Opening a node must fail at once, not block or touch a device.
			for _, fl := range []int{unix.O_RDONLY, unix.O_WRONLY, unix.O_RDWR} {
				if f, err := v.Open(p, fl); err == nil {
					f.Close()
					t.Errorf("%.10s: Open(%#x) succeeded", p, fl)
				}
			}
		}
		if st, _ := v.Stat("fifo"); st.Uid != 42 || st.Gid != 43 {
			t.Errorf("fifo owner %d:%d", st.Uid, st.Gid)
		}
		wantErrno(t, v.Mknod("fifo", unix.S_IFIFO|0o600, 0, nil), unix.EEXIST, "Mknod onto an existing name")
		checkBackingClean(t, v)
	})
}

func TestChmodChownUtimens(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("C", 200)
		writeFile(t, v.FS, long, []byte("x"))
		must(t, v.Mkdir("dir", 0o755, nil))
		must(t, v.Mknod("fifo", unix.S_IFIFO|0o644, 0, nil))
		must(t, v.Symlink(long, "link", nil))
		for i, p := range []string{long, "dir", "fifo"} {
			mode := []uint32{0o4751, 0o1700, 0o000}[i]
			// chown clears set-id bits (as chown(2) does), so it goes first.
			must(t, v.Chown(p, 1000+i, 2000+i))
			must(t, v.Chown(p, -1, 3000+i))
			must(t, v.Chmod(p, mode))
			st, err := v.Stat(p)
			must(t, err)
			if st.Mode&0o7777 != mode || st.Uid != uint32(1000+i) || st.Gid != uint32(3000+i) {
				t.Errorf("%.10s: mode %o owner %d:%d, want %o %d:%d", p, st.Mode, st.Uid, st.Gid, mode, 1000+i, 3000+i)
			}
		}
		wantErrno(t, v.Chmod("link", 0o600), unix.EOPNOTSUPP, "Chmod of a symlink")
		wantErrno(t, v.Chmod("missing", 0o600), unix.ENOENT, "Chmod of a missing entry")
		wantErrno(t, v.Chown("missing", 1, 1), unix.ENOENT, "Chown of a missing entry")

		// Chown and Utimens of a symlink change the link, not its target.
		must(t, v.Chown("link", 77, 78))
		ts := func(sec, nsec int64) unix.Timespec { return unix.Timespec{Sec: sec, Nsec: nsec} }
		must(t, v.Utimens(long, ts(1000000001, 1), ts(1000000002, 2)))
		must(t, v.Utimens("link", ts(1500000001, 5), ts(1500000002, 6)))
		lst, _ := v.Stat("link")
		fst, _ := v.Stat(long)
		if lst.Uid != 77 || lst.Gid != 78 || fst.Uid != 1000 {
			t.Errorf("Chown of the symlink: link %d:%d, target %d", lst.Uid, lst.Gid, fst.Uid)
		}
		if lst.Mtim != ts(1500000002, 6) || fst.Atim != ts(1000000001, 1) || fst.Mtim != ts(1000000002, 2) {
			t.Errorf("Utimens: link mtime %v, target atime %v mtime %v", lst.Mtim, fst.Atim, fst.Mtim)
		}
		// UTIME_OMIT keeps one of the times.
		must(t, v.Utimens(long, ts(0, unix.UTIME_OMIT), ts(1200000000, 0)))
		must(t, v.Utimens("dir", ts(1300000000, 0), ts(0, unix.UTIME_OMIT)))
		must(t, v.Utimens("dir", ts(0, unix.UTIME_OMIT), ts(1300000001, 0)))
		fst, _ = v.Stat(long)
		dst, _ := v.Stat("dir")
		if fst.Atim != ts(1000000001, 1) || fst.Mtim != ts(1200000000, 0) || dst.Atim != ts(1300000000, 0) || dst.Mtim != ts(1300000001, 0) {
			t.Errorf("UTIME_OMIT: file %v %v, dir %v %v", fst.Atim, fst.Mtim, dst.Atim, dst.Mtim)
		}
		must(t, v.Utimens(long, ts(0, unix.UTIME_NOW), ts(0, unix.UTIME_NOW)))
		if fst, _ = v.Stat(long); fst.Mtim == ts(1200000000, 0) {
			t.Error("UTIME_NOW did not change the mtime")
		}
		wantErrno(t, v.Utimens("missing", ts(0, 0), ts(0, 0)), unix.ENOENT, "Utimens of a missing entry")
		checkBackingClean(t, v)
	})
}

// TestExternalTarget plants symlinks in the backing directory under the
// encrypted names of a directory and of a file, pointing outside the
// cipherdir: walking into them fails, and chmod, chown, utimens, xattr,
// truncate and open never reach the target.
func TestExternalTarget(t *testing.T) {
	v := newVault(t, variants[0].opts)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	must(t, os.WriteFile(secret, []byte("outside"), 0o640))
	var before unix.Stat_t
	must(t, unix.Stat(secret, &before))

	must(t, v.Mkdir("dir", 0o755, nil))
	writeFile(t, v.FS, "file", []byte("x"))
	for _, p := range []string{"dir", "file"} {
		b := v.backing(t, p)
		must(t, os.RemoveAll(b))
		target := outside
		if p == "file" {
			target = secret
		}
		must(t, os.Symlink(target, b))
	}
	_, err := v.Stat("dir/secret")
	wantErrno(t, err, unix.ENOTDIR, "Stat through a planted directory symlink")
	_, err = v.ReadDir("dir")
	wantErrno(t, err, unix.ENOTDIR, "ReadDir of a planted directory symlink")
	_, err = v.Create("dir/new", unix.O_RDWR, 0o644, nil)
	wantErrno(t, err, unix.ENOTDIR, "Create through a planted directory symlink")
	wantErrno(t, v.Mkdir("dir/new", 0o755, nil), unix.ENOTDIR, "Mkdir through a planted directory symlink")
	_, err = v.Open("file", unix.O_RDWR)
	wantErrno(t, err, unix.ELOOP, "Open of a planted file symlink")
	_, err = v.Open("file", unix.O_RDWR|unix.O_TRUNC)
	wantErrno(t, err, unix.ELOOP, "Open O_TRUNC of a planted file symlink")
	wantErrno(t, v.Truncate("file", 0), unix.ELOOP, "Truncate of a planted file symlink")
	for _, p := range []string{"dir", "file"} {
		v.Chmod(p, 0o777)
		v.Chown(p, 4321, 4321)
		v.Utimens(p, unix.Timespec{Sec: 5}, unix.Timespec{Sec: 5})
		v.Setxattr(p, "user.x", []byte("x"), 0)
		v.Rmdir(p + "/secret")
		v.Unlink(p + "/secret")
	}
	var after unix.Stat_t
	must(t, unix.Stat(secret, &after))
	if after.Mode != before.Mode || after.Uid != before.Uid || after.Gid != before.Gid || after.Mtim != before.Mtim || after.Size != before.Size {
		t.Errorf("the target outside the cipherdir changed: %+v -> %+v", before, after)
	}
	if sz, err := unix.Getxattr(secret, "user.x", nil); err == nil {
		t.Errorf("an xattr (%d bytes) reached the target outside", sz)
	}
	if got, _ := os.ReadFile(secret); string(got) != "outside" {
		t.Errorf("target content changed: %q", got)
	}
}
