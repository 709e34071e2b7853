package mount_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// Reverse views mounted by cofferfs and by a live gocryptfs -reverse of
// the same plain tree and config, compared through the tools a backup
// runs over them.

// reverseInit runs gocryptfs -init -reverse on plain and returns the
// config and master key.
func reverseInit(t *testing.T, plain, pass string) (*config.Config, []byte) {
	t.Helper()
	needTools(t, "gocryptfs", "fusermount3")
	run(t, "", nil, "gocryptfs", "-init", "-reverse", "-q", "-scryptn", "10", "-passfile", pass, plain)
	c, err := config.Load(filepath.Join(plain, crypto.ReverseConfigName))
	must(t, err)
	key, err := c.MasterKey([]byte(interopPassword))
	must(t, err)
	return c, key
}

// reversePair mounts the cofferfs view and the gocryptfs -reverse view
// of plain and returns both mountpoints; unmount undoes both (also run
// at the end of the test).
func reversePair(t *testing.T, plain, pass string, c *config.Config, key []byte) (ours, theirs string, unmount func()) {
	t.Helper()
	canMount(t)
	v, err := reverse.New(plain, key, reverse.Options{Raw64: c.Raw64(), DirIV: c.DirIV(), LongNameMax: c.NameMax()})
	must(t, err)
	ours = t.TempDir()
	srv, err := mount.MountReverse(v, ours, mount.Options{FsName: plain, Transport: testTransport()})
	if err != nil {
		v.Close()
		t.Fatal(err)
	}
	theirs = t.TempDir()
	run(t, "", nil, "gocryptfs", "-q", "-nosyslog", "-reverse", "-passfile", pass, plain, theirs)
	done := false
	unmount = func() {
		if done {
			return
		}
		done = true
		if out, err := exec.Command("fusermount3", "-u", theirs).CombinedOutput(); err != nil {
			t.Errorf("fusermount3 -u %s: %v\n%s", theirs, err, out)
		}
		if err := srv.Unmount(); err != nil {
			t.Errorf("unmount %s: %v", ours, err)
			unix.Unmount(ours, unix.MNT_DETACH)
		}
		srv.Wait()
		v.Close()
	}
	t.Cleanup(unmount)
	return ours, theirs, unmount
}

// sameOutput runs the shell command cmd in both views and fails unless
// the outputs are identical.
func sameOutput(t *testing.T, ours, theirs, cmd string) {
	t.Helper()
	var outs [2][]byte
	for i, dir := range []string{ours, theirs} {
		c := exec.Command("sh", "-c", cmd)
		c.Dir = dir
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s in %s: %v", cmd, dir, err)
		}
		outs[i] = out
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("%s differs between cofferfs's and gocryptfs's view:\n%s", cmd, firstLineDiff(string(outs[0]), string(outs[1])))
	}
}

// firstLineDiff shows the first differing line of two outputs.
func firstLineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\ncofferfs:  %s\ngocryptfs: %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d and %d lines", len(la), len(lb))
}

// linkTree makes a plain tree with a file of three hard links in three
// directories, one in the root, and a file with one link.
func linkTree(t *testing.T) string {
	plain := t.TempDir()
	for _, d := range []string{"d1", "d2"} {
		must(t, os.Mkdir(filepath.Join(plain, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(plain, "a"), bytes.Repeat([]byte("linked "), 2000), 0o644))
	must(t, os.Link(filepath.Join(plain, "a"), filepath.Join(plain, "d1", "b")))
	must(t, os.Link(filepath.Join(plain, "a"), filepath.Join(plain, "d2", "c")))
	must(t, os.WriteFile(filepath.Join(plain, "single"), []byte("one link"), 0o644))
	return plain
}

// viewPathsOf returns the view paths (relative to mnt) of the regular
// files of mnt with more than one link.
func viewPathsOf(t *testing.T, mnt string) []string {
	t.Helper()
	var paths []string
	err := filepath.Walk(mnt, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
			rel, _ := filepath.Rel(mnt, p)
			paths = append(paths, rel)
		}
		return nil
	})
	must(t, err)
	return paths
}

// TestReverseLiveHardLinks: while a view runs, every path of a
// hard-linked file shows the ciphertext of the path it was first opened
// through, as in gocryptfs -reverse (spec §9.5), whatever path that is;
// the paths share an inode number, the view's inode numbers, link
// counts and block counts are gocryptfs's.
func TestReverseLiveHardLinks(t *testing.T) {
	plain, pass := linkTree(t), passFile(t)
	c, key := reverseInit(t, plain, pass)
	ours, _, unmount := reversePair(t, plain, pass, c, key)
	links := viewPathsOf(t, ours)
	unmount()
	if len(links) != 3 {
		t.Fatalf("the view shows %d paths with more than one link, want 3: %q", len(links), links)
	}
	orders := [][]string{{links[0], links[1], links[2]}, {links[2], links[0], links[1]}, {links[1], links[2], links[0]}}
	firsts := map[string]bool{}
	for _, order := range orders {
		ours, theirs, unmount := reversePair(t, plain, pass, c, key)
		var first []byte
		for i, p := range order {
			a, err := os.ReadFile(filepath.Join(ours, p))
			must(t, err)
			b, err := os.ReadFile(filepath.Join(theirs, p))
			must(t, err)
			if !bytes.Equal(a, b) {
				t.Errorf("order %q: %s differs from gocryptfs's", order, p)
			}
			if i == 0 {
				first = a
				firsts[string(a)] = true
			} else if !bytes.Equal(a, first) {
				t.Errorf("order %q: %s does not show the ciphertext of %s, opened first", order, p, order[0])
			}
		}
		sameOutput(t, ours, theirs, "ls -liRa")
		sameOutput(t, ours, theirs, `find . -printf '%p %i %n %y %m %s %b %U %G %T@\n'`)
		python := `python3 -c 'import os,sys
for d, _, _ in sorted(os.walk(".")):
    print(d, [(e.name, e.inode(), e.is_dir()) for e in os.scandir(d)])'`
		sameOutput(t, ours, theirs, python)
		unmount()
	}
	if len(firsts) != 3 {
		t.Errorf("the three orders gave %d different ciphertexts, want one per first path", len(firsts))
	}
}

// toolTree is makeTree with its hard link moved into leaf directories:
// a file with three links in h1, h2 and h3, which tar opens first
// through h1 before the kernel has looked up the others (so gocryptfs's
// choice of path is h1's too, see fs/reverse/links.go).
func toolTree(t *testing.T) string {
	plain := makeTree(t, 150, 11)
	must(t, os.Remove(filepath.Join(plain, "hardlink")))
	for _, d := range []string{"h1", "h2", "h3"} {
		must(t, os.Mkdir(filepath.Join(plain, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(plain, "h1", "x"), bytes.Repeat([]byte("hard "), 3000), 0o644))
	must(t, os.Link(filepath.Join(plain, "h1", "x"), filepath.Join(plain, "h2", "y")))
	must(t, os.Link(filepath.Join(plain, "h1", "x"), filepath.Join(plain, "h3", "z")))
	f, err := os.Create(filepath.Join(plain, "sparse"))
	must(t, err)
	_, err = f.WriteAt([]byte("end of a sparse file"), 3<<20)
	must(t, err)
	must(t, f.Close())
	return plain
}

// TestReverseLiveTools: tar, sha256sum, find, du and ls -liRa give the
// same output over cofferfs's view as over a live gocryptfs -reverse
// view of the same tree.
func TestReverseLiveTools(t *testing.T) {
	plain, pass := toolTree(t), passFile(t)
	c, key := reverseInit(t, plain, pass)
	ours, theirs, _ := reversePair(t, plain, pass, c, key)
	for _, cmd := range []string{
		"tar cf - . | sha256sum", // first: its opens fix the hard link's ciphertext
		"find . -type f -print0 | xargs -0 sha256sum",
		"ls -liRa",
		`find . -printf '%p %i %n %y %m %s %b %U %G %T@ %l\n'`,
		"du -a",
		"du -s --apparent-size",
	} {
		sameOutput(t, ours, theirs, cmd)
	}
}

// TestReverseCopiesRestore: copies of the view made by rsync -aH, cp -a
// and tar open with forward cofferfs and give the plain tree back,
// hard links as hard links.
func TestReverseCopiesRestore(t *testing.T) {
	needTools(t, "rsync", "tar", "diff")
	plain, pass := toolTree(t), passFile(t)
	c, key := reverseInit(t, plain, pass)
	ours, _, _ := reversePair(t, plain, pass, c, key)
	for name, cmd := range map[string]string{
		"rsync -aH": `rsync -aH "$0"/ "$1"/`,
		"cp -a":     `rmdir "$1" && cp -a "$0" "$1"`,
		"tar":       `tar -C "$0" -cf - . | tar -C "$1" -xf -`,
	} {
		t.Run(strings.ReplaceAll(name, " ", ""), func(t *testing.T) {
			copyDir := t.TempDir()
			run(t, "", nil, "sh", "-c", cmd, ours, copyDir)
			fsys := openVault(t, copyDir)
			mnt, _ := cofferMount(t, fsys)
			out, err := exec.Command("diff", "-r", "--no-dereference", "-x", crypto.ReverseConfigName, plain, mnt).CombinedOutput()
			if err != nil {
				t.Fatalf("diff -r plain tree and the restored %s copy: %v\n%s", name, err, out)
			}
			var x, z unix.Stat_t
			must(t, unix.Lstat(filepath.Join(mnt, "h1", "x"), &x))
			must(t, unix.Lstat(filepath.Join(mnt, "h3", "z"), &z))
			if x.Nlink != 3 || x.Ino != z.Ino {
				t.Errorf("%s copy: h1/x has %d links, inode %d and h3/z %d: want one file of 3 links", name, x.Nlink, x.Ino, z.Ino)
			}
		})
	}
}
