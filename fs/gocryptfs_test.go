package fs_test

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// Format conformance against the real gocryptfs binary: trees written
// through fs must mount and fsck cleanly with gocryptfs and show the same
// manifest, and trees written through a gocryptfs mount must read back
// identically through fs. Without gocryptfs, fusermount3 or /dev/fuse
// these tests skip, except under CI=true, where they fail.

// conformanceVariants adds padded base64 names (no Raw64 flag).
var conformanceVariants = append(variants[:len(variants):len(variants)],
	variant{"padded64", fs.Options{Algorithm: crypto.AESGCM, Raw64: false, DirIV: true}})

func requireGocryptfs(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"gocryptfs", "fusermount3"} {
		if _, err := exec.LookPath(bin); err != nil {
			skipOrFail(t, "%s not installed: %v", bin, err)
		}
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		skipOrFail(t, "no /dev/fuse: %v", err)
	}
}

// gocryptfsArgs returns the options that make gocryptfs use v's key and
// format variant without a config file.
func gocryptfsArgs(v *vault) []string {
	args := []string{"-q", "-nosyslog", "-masterkey=" + crypto.FormatMasterKey(v.key)}
	if v.opts.Algorithm == crypto.XChaCha20Poly1305 {
		args = append(args, "-xchacha")
	}
	if v.opts.LongNameMax != 0 {
		args = append(args, "-longnamemax", fmt.Sprint(v.opts.LongNameMax))
	}
	if !v.opts.DirIV {
		args = append(args, "-deterministic-names")
	}
	if !v.opts.Raw64 {
		args = append(args, "-raw64=false")
	}
	return args
}

// mountGocryptfs mounts v's cipherdir with gocryptfs and returns the
// mountpoint; it is unmounted when the test ends. unmount unmounts it
// earlier.
func mountGocryptfs(t *testing.T, v *vault) (mnt string, unmount func()) {
	t.Helper()
	mnt = t.TempDir()
	// The daemon keeps the output descriptors open, so they go to a file,
	// not to a pipe that would never reach EOF.
	log, err := os.Create(filepath.Join(t.TempDir(), "gocryptfs.log"))
	must(t, err)
	defer log.Close()
	cmd := exec.Command("gocryptfs", append(gocryptfsArgs(v), v.dir, mnt)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(log.Name())
		t.Fatalf("gocryptfs mount: %v\n%s", err, out)
	}
	mounted := true
	unmount = func() {
		if mounted {
			mounted = false
			if out, err := exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err != nil {
				t.Errorf("fusermount3 -u: %v\n%s", err, out)
			}
		}
	}
	t.Cleanup(unmount)
	return mnt, unmount
}

func gocryptfsFsck(t *testing.T, v *vault) {
	t.Helper()
	args := append(gocryptfsArgs(v), "-fsck", v.dir)
	if out, err := exec.Command("gocryptfs", args...).CombinedOutput(); err != nil {
		t.Fatalf("gocryptfs -fsck: %v\n%s", err, out)
	}
}

func manifest(t *testing.T, tree fstest.Tree) string {
	t.Helper()
	m, err := fstest.Manifest(tree)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func compareManifests(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: manifests differ:\n got:\n%s\nwant:\n%s", what, got, want)
	}
}

// maxSymlinkTarget is the longest plaintext target whose encrypted form
// fits in a 4095-byte backing target (3039 for GCM, 3031 for XChaCha,
// with Raw64).
func maxSymlinkTarget(v *vault) int {
	enc := base64.RawURLEncoding
	if !v.opts.Raw64 {
		enc = base64.URLEncoding
	}
	n := 4095 * 3 / 4
	for enc.EncodedLen(n) > 4095 {
		n--
	}
	return n - v.Content().Overhead()
}

func randBytes(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// Names that stress the name code: special names as plaintext, padding
// edges (15, 16, 175, 176 bytes), the longest name, unicode.
var (
	long200  = "long-" + strings.Repeat("x", 191) + ".txt"
	long255  = strings.Repeat("z", 255)
	unicode  = "Grüße – 日本.txt"
	edgeName = []string{"gocryptfs.diriv", "gocryptfs.conf", "gocryptfs.longname.x", strings.Repeat("p", 15),
		strings.Repeat("q", 16), strings.Repeat("r", 175), strings.Repeat("s", 176), long255}
)

// buildTree writes the conformance tree through fs.
func buildTree(t *testing.T, v *vault) {
	f := v.FS
	must(t, f.Mkdir("a", 0o755, nil))
	must(t, f.Mkdir("a/b", 0o700, nil))
	must(t, f.Mkdir("a/b/c", 0o755, nil))
	must(t, f.Mkdir(long200, 0o750, nil))
	must(t, f.Mkdir("日本", 0o755, nil))
	for i, n := range []int{0, 1, 4095, 4096, 4097, 3<<20 + 123} {
		writeFile(t, f, fmt.Sprintf("size-%d", n), randBytes(int64(i), n))
	}
	writeFile(t, f, "a/b/c/file.txt", []byte("nested file content\n"))
	writeFile(t, f, long200+"/"+long200, []byte("long in long"))
	writeFile(t, f, unicode, []byte("unicode file name\n"))
	writeFile(t, f, "日本/"+unicode, []byte("same name, other dir\n"))
	writeFile(t, f, "a/"+unicode, []byte("same name, third dir\n"))
	for i, n := range edgeName {
		writeFile(t, f, "a/"+n, []byte(n))
		if i%2 == 0 {
			must(t, f.Mkdir("a/b/"+n, 0o755, nil))
		}
	}
	must(t, f.Chmod("size-1", 0o600))
	must(t, f.Chmod("size-4097", 0o755))

	// Sparse files: a hole written past EOF, and a grow-then-write.
	sp, err := f.Create("sparse", unix.O_RDWR, 0o644, nil)
	must(t, err)
	_, err = sp.WriteAt([]byte("head"), 0)
	must(t, err)
	_, err = sp.WriteAt([]byte("HOLE!"), 500000)
	must(t, err)
	must(t, sp.Close())
	sp, err = f.Create("sparse2", unix.O_RDWR, 0o644, nil)
	must(t, err)
	must(t, sp.Truncate(1<<20))
	_, err = sp.WriteAt([]byte("middle"), 300000)
	must(t, err)
	must(t, sp.Truncate(1<<20+5000))
	must(t, sp.Close())

	must(t, f.Symlink("a/b/c/file.txt", "symlink", nil))
	must(t, f.Symlink("/etc/passwd", "a/abs-link", nil))
	must(t, f.Symlink("../"+unicode, long200+"/link-"+strings.Repeat("y", 195), nil))
	must(t, f.Symlink(strings.Repeat("t", maxSymlinkTarget(v)), "max-link", nil))
	must(t, f.Symlink("dangling", long200+".lnk", nil))

	must(t, f.Link("size-4096", "hardlink"))
	must(t, f.Link("size-4096", "a/b/"+long200))

	must(t, f.Setxattr("size-1", "user.test", []byte("hello"), 0))
	must(t, f.Setxattr("size-1", "user.bin", randBytes(9, 300), 0))
	must(t, f.Setxattr("a", "user.dir", []byte("on a directory"), 0))
	must(t, f.Setxattr(long200, "user."+strings.Repeat("k", 160), []byte("long xattr name"), 0))
	must(t, f.Setxattr(unicode, "user.empty", nil, 0))

	must(t, f.Mknod("fifo", unix.S_IFIFO|0o640, 0, nil))
	must(t, f.Mknod("a/"+long200, unix.S_IFIFO|0o600, 0, nil))
}

func TestGocryptfsReadsFS(t *testing.T) {
	requireGocryptfs(t)
	for _, vr := range conformanceVariants {
		t.Run(vr.name, func(t *testing.T) {
			v := newVault(t, vr.opts)
			buildTree(t, v)
			checkBackingClean(t, v)
			want := manifest(t, fstest.VaultTree{FS: v.FS})
			gocryptfsFsck(t, v)
			mnt, _ := mountGocryptfs(t, v)
			compareManifests(t, "gocryptfs mount of an fs-written vault", manifest(t, fstest.DirTree(mnt)), want)
			var st unix.Stat_t
			must(t, unix.Lstat(filepath.Join(mnt, "hardlink"), &st))
			if st.Nlink != 3 {
				t.Errorf("hardlink has %d links through gocryptfs, want 3", st.Nlink)
			}
		})
	}
}

// gocryptfsScript builds a tree with shell tools in a gocryptfs mount.
const gocryptfsScript = `set -e
cd "$M"
mkdir -p a/b/c "$L" 日本
head -c 0 /dev/urandom > empty
head -c 1 /dev/urandom > one
head -c 4095 /dev/urandom > a/4095
dd if=/dev/urandom of=a/b/4096 bs=4096 count=1 status=none
head -c 4097 /dev/urandom > "$L/4097"
dd if=/dev/urandom of=big bs=65536 count=48 status=none
printf 'nested file content\n' > a/b/c/file.txt
truncate -s 1M sparse
printf 'HOLE!' | dd of=sparse bs=1 seek=500000 conv=notrunc status=none
printf 'head' > sparse2
printf 'tail' | dd of=sparse2 bs=1 seek=300000 conv=notrunc status=none
printf 'abc' > grown
truncate -s 10000 grown
head -c 9000 /dev/urandom > shrunk
truncate -s 5000 shrunk
printf 'unicode\n' > "日本/Grüße – 日本.txt"
printf 'long\n' > "$L/$L"
for n in gocryptfs.diriv gocryptfs.conf ppppppppppppppp qqqqqqqqqqqqqqqq "$Z"; do printf '%s' "$n" > "a/$n"; done
ln -s a/b/c/file.txt symlink
ln -s "../日本" "$L/link-$L"
ln -s "$T" max-link
ln one hardlink
ln one "a/$L"
setfattr -n user.test -v hello one
setfattr -n user.empty a/4095
setfattr -n user.dir -v on-a-dir a
setfattr -n "user.$K" -v long-xattr-name "$L"
mkfifo fifo "$L/fifo"
chmod 600 one
chmod 700 a/b
`

func TestFSReadsGocryptfs(t *testing.T) {
	requireGocryptfs(t)
	for _, vr := range conformanceVariants {
		t.Run(vr.name, func(t *testing.T) {
			v := newVault(t, vr.opts)
			mnt, unmount := mountGocryptfs(t, v)
			cmd := exec.Command("sh", "-c", gocryptfsScript)
			cmd.Env = append(os.Environ(), "M="+mnt, "L="+long200, "Z="+long255,
				"T="+strings.Repeat("t", maxSymlinkTarget(v)), "K="+strings.Repeat("k", 160))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("building the tree in the gocryptfs mount: %v\n%s", err, out)
			}
			want := manifest(t, fstest.DirTree(mnt))
			unmount()

			f := v.open(t)
			compareManifests(t, "fs view of a gocryptfs-written vault", manifest(t, fstest.VaultTree{FS: f}), want)
			checkNoBadNames(t, f, "")

			// Change it through fs; gocryptfs must agree again.
			fl, err := f.Open("big", unix.O_RDWR)
			must(t, err)
			_, err = fl.WriteAt([]byte("patched across a block boundary"), 4096*7-10)
			must(t, err)
			must(t, fl.Truncate(3<<20/2+7))
			must(t, fl.Close())
			fl, err = f.Open("sparse", unix.O_WRONLY|unix.O_APPEND)
			must(t, err)
			_, err = fl.WriteAt([]byte("appended"), 0)
			must(t, err)
			must(t, fl.Close())
			must(t, f.Rename(long200+"/"+long200, "short", 0))
			must(t, f.Rename("one", "a/b/"+long200, 0))
			must(t, f.Unlink("a/"+long200))
			must(t, f.Unlink("a/b/c/file.txt"))
			must(t, f.Rmdir("a/b/c"))
			must(t, f.Setxattr("a/4095", "user.empty", []byte("no longer empty"), unix.XATTR_REPLACE))
			want = manifest(t, fstest.VaultTree{FS: f})
			gocryptfsFsck(t, v)
			mnt, _ = mountGocryptfs(t, v)
			compareManifests(t, "gocryptfs mount after changes through fs", manifest(t, fstest.DirTree(mnt)), want)
		})
	}
}

// checkNoBadNames fails if any backing name under dir does not decrypt.
func checkNoBadNames(t *testing.T, f *fs.FS, dir string) {
	t.Helper()
	ents, bad, err := f.Inspect().ReadDirBad(dir)
	must(t, err)
	if len(bad) > 0 {
		t.Errorf("names in %q that do not decrypt: %v", dir, bad)
	}
	for _, e := range ents {
		if e.Type == unix.S_IFDIR {
			checkNoBadNames(t, f, filepath.Join(dir, e.Name))
		}
	}
}
