package fs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// checkBackingClean walks the cipherdir and fails on anything the format
// does not allow after a completed operation: a directory without its
// diriv (or, with deterministic names, with one), a diriv or .name file
// of the wrong size or mode, a long name without its .name file or the
// reverse, and transient names of mkdir, rmdir or .name writes.
func checkBackingClean(t *testing.T, v *vault) {
	t.Helper()
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := os.ReadDir(dir)
		must(t, err)
		have := map[string]bool{}
		for _, e := range ents {
			have[e.Name()] = true
		}
		if v.opts.DirIV != have[crypto.DirIVName] {
			t.Errorf("%s: has diriv %v, want %v", dir, have[crypto.DirIVName], v.opts.DirIV)
		}
		for _, e := range ents {
			n, p := e.Name(), filepath.Join(dir, e.Name())
			var st unix.Stat_t
			must(t, unix.Lstat(p, &st))
			switch {
			case strings.HasPrefix(n, "gocryptfs.mkdir."), strings.HasPrefix(n, "gocryptfs.diriv.rmdir."), strings.Contains(n, ".tmp"):
				t.Errorf("left behind: %s", p)
			case n == crypto.DirIVName:
				if st.Size != crypto.DirIVSize || st.Mode != unix.S_IFREG|0o444 {
					t.Errorf("%s: size %d mode %o, want 16 bytes, 0444", p, st.Size, st.Mode)
				}
			case crypto.IsLongNameFile(n):
				if !have[strings.TrimSuffix(n, crypto.LongNameSuffix)] {
					t.Errorf("%s: .name file without its entry", p)
				}
				if st.Mode != unix.S_IFREG|0o444 || st.Size == 0 || st.Size > crypto.MaxLongNameFile {
					t.Errorf("%s: size %d mode %o", p, st.Size, st.Mode)
				}
			case crypto.IsLongName(n):
				if !have[n+crypto.LongNameSuffix] {
					t.Errorf("%s: long name without its .name file", p)
				}
			}
			if e.IsDir() {
				walk(p)
			}
		}
	}
	walk(v.dir)
}

func TestMkdirRmdir(t *testing.T) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("D", 200)
		for _, d := range []string{"d", long, "d/" + long, long + "/sub"} {
			must(t, v.Mkdir(d, 0o755, nil))
			st, err := v.Stat(d)
			must(t, err)
			if st.Mode != unix.S_IFDIR|0o755 {
				t.Errorf("%s: mode %o", d, st.Mode)
			}
			_, err = os.Stat(filepath.Join(v.backing(t, d), crypto.DirIVName))
			if v.opts.DirIV && err != nil {
				t.Errorf("%s: no diriv: %v", d, err)
			}
		}
		checkBackingClean(t, v)
		wantErrno(t, v.Mkdir("d", 0o755, nil), unix.EEXIST, "Mkdir of an existing dir")
		wantErrno(t, v.Mkdir(long, 0o755, nil), unix.EEXIST, "Mkdir of an existing long dir")
		wantErrno(t, v.Mkdir("missing/x", 0o755, nil), unix.ENOENT, "Mkdir in a missing dir")
		wantErrno(t, v.Mkdir("", 0o755, nil), unix.EEXIST, "Mkdir of the root")

		writeFile(t, v.FS, "d/f", []byte("x"))
		wantErrno(t, v.Mkdir("d/f", 0o755, nil), unix.EEXIST, "Mkdir over a file")
		wantErrno(t, v.Mkdir("d/f/x", 0o755, nil), unix.ENOTDIR, "Mkdir under a file")
		wantErrno(t, v.Rmdir("d"), unix.ENOTEMPTY, "Rmdir of a dir with a file")
		wantErrno(t, v.Rmdir(long), unix.ENOTEMPTY, "Rmdir of a dir with a dir")
		wantErrno(t, v.Rmdir("d/f"), unix.ENOTDIR, "Rmdir of a file")
		wantErrno(t, v.Rmdir("nope"), unix.ENOENT, "Rmdir of a missing dir")
		wantErrno(t, v.Rmdir(""), unix.EBUSY, "Rmdir of the root")
		if _, err := v.Stat("d/f"); err != nil {
			t.Fatalf("failed Rmdir touched the content: %v", err)
		}
		checkBackingClean(t, v)

		must(t, v.Unlink("d/f"))
		for _, d := range []string{"d/" + long, "d", long + "/sub", long} {
			must(t, v.Rmdir(d))
			_, err := v.Stat(d)
			wantErrno(t, err, unix.ENOENT, "Stat after Rmdir")
		}
		if got := diskNames(t, v.dir); len(got) != map[bool]int{true: 1, false: 0}[v.opts.DirIV] {
			t.Errorf("cipherdir after removing everything: %q", got)
		}

		// A directory whose diriv was lost is still removed.
		if v.opts.DirIV {
			must(t, v.Mkdir("noiv", 0o755, nil))
			must(t, os.Remove(filepath.Join(v.backing(t, "noiv"), crypto.DirIVName)))
			must(t, v.Rmdir("noiv"))
		}
		// Special bits and setgid inheritance.
		must(t, v.Mkdir("sticky", 0o1777, nil))
		must(t, v.Mkdir("sgid", 0o2770, nil))
		must(t, v.Mkdir("sgid/child", 0o750, nil))
		for d, want := range map[string]uint32{"sticky": 0o1777, "sgid": 0o2770, "sgid/child": 0o2750} {
			if st, err := v.Stat(d); err != nil || st.Mode != unix.S_IFDIR|want {
				t.Errorf("%s: mode %o (%v), want %o", d, st.Mode, err, want)
			}
		}
		checkBackingClean(t, v)
	})
}

// TestExactModes checks that new entries get exactly the requested mode
// whatever the process umask is, and that diriv and .name files keep
// theirs when the directory is chmod'ed.
func TestExactModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		long := strings.Repeat("m", 190)
		for i, mode := range []uint32{0o777, 0o666, 0o644, 0o4755, 0o2711, 0o000} {
			name := string(rune('a'+i)) + long
			f, err := v.Create(name, unix.O_RDWR|unix.O_EXCL, mode, nil)
			must(t, err)
			must(t, f.Close())
			must(t, v.Mkdir(name+"-dir", mode, nil))
			must(t, v.Mknod(name+"-fifo", unix.S_IFIFO|mode, 0, nil))
			for p, typ := range map[string]uint32{name: unix.S_IFREG, name + "-dir": unix.S_IFDIR, name + "-fifo": unix.S_IFIFO} {
				st, err := v.Stat(p)
				must(t, err)
				if st.Mode != typ|mode {
					t.Errorf("%s: mode %o, want %o", p[:1]+"…"+p[len(long)+1:], st.Mode, typ|mode)
				}
			}
		}
		// Create on an existing file keeps its mode.
		f, err := v.Create("b"+long, unix.O_RDWR, 0o600, nil)
		must(t, err)
		must(t, f.Close())
		if st, _ := v.Stat("b" + long); st.Mode != unix.S_IFREG|0o666 {
			t.Errorf("Create without O_EXCL changed the mode of an existing file to %o", st.Mode)
		}
		_, err = v.Create("b"+long, unix.O_RDWR|unix.O_EXCL, 0o600, nil)
		wantErrno(t, err, unix.EEXIST, "Create O_EXCL of an existing file")

		// An owner is set before the mode, so set-id bits survive.
		own := &fs.Owner{UID: 1234, GID: 5678}
		f, err = v.Create("owned", unix.O_RDWR|unix.O_EXCL, 0o6755, own)
		must(t, err)
		must(t, f.Close())
		must(t, v.Mkdir("owned-dir", 0o2755, own))
		must(t, v.Mknod("owned-fifo", unix.S_IFIFO|0o4640, 0, own))
		for p, mode := range map[string]uint32{"owned": unix.S_IFREG | 0o6755, "owned-dir": unix.S_IFDIR | 0o2755, "owned-fifo": unix.S_IFIFO | 0o4640} {
			st, err := v.Stat(p)
			must(t, err)
			if st.Mode != mode || st.Uid != own.UID || st.Gid != own.GID {
				t.Errorf("%s: mode %o owner %d:%d, want %o 1234:5678", p, st.Mode, st.Uid, st.Gid, mode)
			}
		}

		// chmod of a directory does not reach its diriv.
		must(t, v.Chmod("a"+long+"-dir", 0o700))
		checkBackingClean(t, v)
	})
}
