package reverse_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"golang.org/x/sys/unix"
)

const testPassword = "correct horse battery staple"

// needGocryptfs skips (fails under CI=true) without gocryptfs and FUSE.
func needGocryptfs(t *testing.T) {
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

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// passFile writes the test password to a file for -passfile.
func passFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// gocryptfsMount runs gocryptfs with args plus src and a new mountpoint,
// and unmounts it when the test ends.
func gocryptfsMount(t *testing.T, args []string, src string) string {
	t.Helper()
	mnt := t.TempDir()
	logf, err := os.Create(filepath.Join(t.TempDir(), "gocryptfs.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("gocryptfs", append(append([]string{"-q", "-nosyslog"}, args...), src, mnt)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(logf.Name())
		t.Fatalf("gocryptfs %v: %v\n%s", args, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err != nil {
			t.Errorf("fusermount3 -u: %v\n%s", err, out)
		}
	})
	return mnt
}

// initReverse runs gocryptfs -init -reverse on plain and returns the
// master key, unwrapped from the config it wrote.
func initReverse(t *testing.T, plain string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-init", "-reverse", "-q", "-scryptn", "10", "-passfile", passFile(t)}, extra...)
	if out, err := exec.Command("gocryptfs", append(args, plain)...).CombinedOutput(); err != nil {
		t.Fatalf("gocryptfs -init -reverse: %v\n%s", err, out)
	}
	c, err := config.Load(filepath.Join(plain, crypto.ReverseConfigName))
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.MasterKey([]byte(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// randomTree fills dir with a random tree: nested dirs, sizes around
// block boundaries, a sparse file, short, long and Unicode names,
// symlinks (one long-named), an empty file and a FIFO.
func randomTree(t *testing.T, dir string, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	dirs := []string{dir}
	for i := range 6 {
		d := filepath.Join(dirs[r.IntN(len(dirs))], "d"+strings.Repeat("é", i))
		must(os.Mkdir(d, 0o755))
		dirs = append(dirs, d)
	}
	sizes := []int{0, 1, 15, 16, 4095, 4096, 4097, 8192, 12289, 70000}
	for i := range 40 {
		d := dirs[r.IntN(len(dirs))]
		name := "f" + string(rune('a'+i%26)) + strings.Repeat("x", r.IntN(3)*r.IntN(120))
		data := make([]byte, sizes[r.IntN(len(sizes))])
		for j := range data {
			data[j] = byte(r.UintN(7))
		}
		must(os.WriteFile(filepath.Join(d, name+".bin"), data, 0o644))
	}
	long := strings.Repeat("L", 200)
	must(os.WriteFile(filepath.Join(dir, long), []byte("long\n"), 0o600))
	must(os.Mkdir(filepath.Join(dirs[1], long+"dir"), 0o700))
	must(os.WriteFile(filepath.Join(dirs[1], long+"dir", "in-long"), []byte("x"), 0o644))
	must(os.Symlink("fa.bin", filepath.Join(dir, "link")))
	must(os.Symlink(strings.Repeat("../", 30)+"target", filepath.Join(dirs[2], long+"link")))
	must(os.Symlink("/absolute/ü", filepath.Join(dirs[3], "abs")))
	f, err := os.Create(filepath.Join(dir, "sparse"))
	must(err)
	must(f.Truncate(1 << 20))
	_, err = f.WriteAt([]byte("HOLE!"), 500000)
	must(err)
	must(f.Close())
	must(unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
}

// TestMatchesGocryptfs: a random tree viewed by cofferfs and by a live
// gocryptfs -reverse with the same config gives identical views (FIFOs
// compared by name and type only).
func TestMatchesGocryptfs(t *testing.T) {
	needGocryptfs(t)
	for _, tc := range []struct {
		name  string
		extra []string
		opts  reverse.Options
	}{{"default", nil, reverse.Options{}}, {"longnamemax62", []string{"-longnamemax", "62"}, reverse.Options{LongNameMax: 62}}} {
		t.Run(tc.name, func(t *testing.T) {
			plain := t.TempDir()
			randomTree(t, plain, 7)
			key := initReverse(t, plain, tc.extra...)
			tc.opts.Raw64, tc.opts.DirIV = true, true
			v, err := reverse.New(plain, key, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			mnt := gocryptfsMount(t, []string{"-reverse", "-passfile", passFile(t)}, plain)
			got := dumpView(t, v)
			checkVariety(t, got)
			compareDumps(t, got, dumpDir(t, mnt))
		})
	}
}

// TestRestore: a copy of the view opens in forward mode, with fs (what
// cofferfs mount/export use) and with gocryptfs, and gives the plain
// tree back byte for byte, long names included.
func TestRestore(t *testing.T) {
	needGocryptfs(t)
	plain := t.TempDir()
	randomTree(t, plain, 11)
	key := initReverse(t, plain)
	v, err := reverse.New(plain, key, reverse.Options{Raw64: true, DirIV: true})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cipher := t.TempDir()
	writeDump(t, cipher, dumpView(t, v))
	want := dumpDir(t, plain)
	delete(want, crypto.ReverseConfigName)
	delete(want, "fifo")

	f, err := fs.New(cipher, key, fs.Options{Algorithm: crypto.AESSIV, Raw64: true, DirIV: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := dumpFS(t, f, "")
	compareDumps(t, got, want)

	mnt := gocryptfsMount(t, []string{"-passfile", passFile(t)}, cipher)
	compareDumps(t, dumpDir(t, mnt), want)
}

// writeDump recreates a dump as a directory tree.
func writeDump(t *testing.T, root string, d map[string]string) {
	t.Helper()
	for _, p := range sortedKeys(d) {
		full := filepath.Join(root, p)
		var err error
		switch s := d[p]; {
		case strings.HasPrefix(s, "other "):
			continue // FIFOs and the like: the view shows them, nothing reads them
		case s == "dir":
			err = os.Mkdir(full, 0o755)
		case strings.HasPrefix(s, "link "):
			err = os.Symlink(strings.TrimPrefix(s, "link "), full)
		default:
			err = os.WriteFile(full, []byte(strings.TrimPrefix(s, "file ")), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// dumpFS dumps a forward fs.FS as dumpDir dumps a directory.
func dumpFS(t *testing.T, f *fs.FS, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := f.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir(%q): %v", dir, err)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name)
		st, err := f.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			out[p] = "dir"
			for k, v := range dumpFS(t, f, p) {
				out[k] = v
			}
		case unix.S_IFLNK:
			target, err := f.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = "link " + target
		default:
			h, err := f.Open(p, unix.O_RDONLY)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			buf := make([]byte, 65536)
			for off := int64(0); ; {
				n, err := h.ReadAt(buf, off)
				b.Write(buf[:n])
				off += int64(n)
				if n == 0 || err != nil {
					break
				}
			}
			h.Close()
			out[p] = "file " + b.String()
		}
	}
	return out
}

// checkVariety makes sure a dump of the random tree's view has what the
// comparison is meant to cover.
func checkVariety(t *testing.T, d map[string]string) {
	t.Helper()
	kinds := map[string]int{}
	for p, s := range d {
		kinds[strings.SplitN(s, " ", 2)[0]]++
		if strings.HasSuffix(p, crypto.LongNameSuffix) {
			kinds["longname"]++
		}
	}
	for _, k := range []string{"dir", "file", "link", "other", "longname"} {
		if kinds[k] == 0 {
			t.Errorf("the view has no %s entry: %v", k, kinds)
		}
	}
	if len(d) < 50 {
		t.Errorf("the view has only %d entries", len(d))
	}
}
