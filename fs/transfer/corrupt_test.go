package transfer_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/transfer"
	"github.com/cofferfs/cofferfs/fs/transfer/transfertest"
)

// damage does harm to the backing files of a vault made from MakeTree.
type damage struct {
	t    *testing.T
	dir  string
	fsys *fs.FS
}

func (d damage) cipher(p string) string {
	d.t.Helper()
	c, err := d.fsys.CipherPath(p)
	if err != nil {
		d.t.Fatal(err)
	}
	return filepath.Join(d.dir, c)
}

// flipByte flips one ciphertext byte in block 0 of a file.
func (d damage) flipByte(p string) {
	f, err := os.OpenFile(d.cipher(p), os.O_RDWR, 0)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	off := int64(crypto.HeaderSize + 16 + 10)
	f.ReadAt(b, off)
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		d.t.Fatal(err)
	}
}

// badName adds a backing entry whose name does not decrypt.
func (d damage) badName(dir, name string) string {
	p := filepath.Join(d.dir, name)
	if dir != "" {
		p = filepath.Join(d.cipher(dir), name)
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		d.t.Fatal(err)
	}
	rel, _ := filepath.Rel(d.dir, p)
	return rel
}

// badSymlink replaces a symlink target with random base64.
func (d damage) badSymlink(p string) {
	c := d.cipher(p)
	junk := make([]byte, 40)
	rand.Read(junk)
	os.Remove(c)
	if err := os.Symlink(base64.RawURLEncoding.EncodeToString(junk), c); err != nil {
		d.t.Fatal(err)
	}
}

// badXattr replaces every stored xattr value of p with junk.
func (d damage) badXattr(p string) {
	c := d.cipher(p)
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(c, buf)
	if err != nil || n == 0 {
		d.t.Fatalf("no xattrs on %s: %v", p, err)
	}
	for _, name := range strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00") {
		junk := make([]byte, 37)
		rand.Read(junk)
		if err := unix.Lsetxattr(c, name, junk, 0); err != nil {
			d.t.Fatal(err)
		}
	}
}

func TestExportCorrupt(t *testing.T) {
	src := t.TempDir()
	transfertest.MakeTree(t, src)
	cdir, fsys, _ := fstest.NewVault(t, crypto.AESGCM)
	importTree(t, src, fsys, "")
	d := damage{t, cdir, fsys}
	d.flipByte("big.bin")
	badRoot := d.badName("", "!!not-base64")
	badNested := d.badName("nested", "QUFBQUFBQUFBQUFBQUFBQQ")
	d.badSymlink("links/relative")
	d.badXattr("one.txt")

	var problems []*transfer.EntryError
	dest := filepath.Join(t.TempDir(), "out")
	st, err := transfer.Export(context.Background(), fsys, "", dest, collect(&problems))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		if !p.Corrupt() || p.Warning {
			t.Errorf("problem %v: corrupt %v, warning %v", p, p.Corrupt(), p.Warning)
		}
		got = append(got, p.Path+" | "+p.CipherPath)
	}
	sort.Strings(got)
	want := []string{" | " + badRoot, "big.bin | " + rel(t, cdir, d.cipher("big.bin")),
		"links/relative | " + rel(t, cdir, d.cipher("links/relative")),
		"nested | " + badNested, "one.txt | " + rel(t, cdir, d.cipher("one.txt"))}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st.Corrupt != 5 || st.Failed != 0 {
		t.Errorf("stats %+v, want 5 corrupt", st)
	}
	if _, err := os.Lstat(filepath.Join(dest, "big.bin")); !os.IsNotExist(err) {
		t.Errorf("the corrupt big.bin was exported (%v)", err)
	}
	wantManifest := expectedAfterDamage(t, src)
	gotManifest, err := fstest.Manifest(fstest.DirTree(dest))
	if err != nil {
		t.Fatal(err)
	}
	if gotManifest != wantManifest {
		t.Errorf("manifest after damage:\n%s\nwant:\n%s", gotManifest, wantManifest)
	}
}

func rel(t *testing.T, base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expectedAfterDamage is the manifest of src without the entries
// TestExportCorrupt damages, and one.txt without its xattr.
func expectedAfterDamage(t *testing.T, src string) string {
	m, err := fstest.Manifest(fstest.DirTree(src))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.SplitAfter(m, "\n") {
		switch {
		case strings.HasPrefix(line, "big.bin\t"), strings.HasPrefix(line, "links/relative\t"):
			continue
		case strings.HasPrefix(line, "one.txt\t"):
			line = regexp.MustCompile(`\{.*\}`).ReplaceAllString(line, "{}")
		}
		out = append(out, line)
	}
	return strings.Join(out, "")
}

func TestCheckKey(t *testing.T) {
	ctx := context.Background()
	cdir, fsys, key := fstest.NewVault(t, crypto.AESGCM)
	wrong := fstest.Open(t, cdir, crypto.NewMasterKey(), crypto.AESGCM)
	check := func(name string, f *fs.FS, want transfer.KeyCheck) {
		t.Helper()
		got, err := transfer.CheckKey(ctx, f)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	check("empty vault", fsys, transfer.KeyUnverifiable)
	// Garbage planted by the cloud in an empty vault: names that decrypt
	// under no key do not make the right key wrong (issue 10, 24c).
	for _, g := range []string{"garbage", "QUJDREVGR0hJSktMTU5PUA", "AAAAAAAAAAAAAAAAAAAAAA"} {
		if err := os.WriteFile(filepath.Join(cdir, g), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(cdir, "Zm9vYmFyYmF6cXV4cXV1eA"), 0o755)
	check("planted garbage names, right key", fsys, transfer.KeyUnverifiable)
	for _, g := range []string{"garbage", "QUJDREVGR0hJSktMTU5PUA", "AAAAAAAAAAAAAAAAAAAAAA", "Zm9vYmFyYmF6cXV4cXV1eA"} {
		os.Remove(filepath.Join(cdir, g))
	}
	for _, d := range []string{"a", "a/b", "c"} {
		if err := fsys.Mkdir(d, 0o755, nil); err != nil {
			t.Fatal(err)
		}
	}
	check("directories only, right key", fsys, transfer.KeyNamesOnly)
	// Names alone cannot tell a wrong key from planted garbage.
	check("directories only, wrong key", wrong, transfer.KeyUnverifiable)
	// A file that is one big hole proves nothing; a symlink deep down does.
	f, err := fsys.Create("a/hole", unix.O_WRONLY|unix.O_CREAT, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 20)
	f.Close()
	check("a hole only", fsys, transfer.KeyNamesOnly)
	if err := fsys.Symlink("target", "a/b/link", nil); err != nil {
		t.Fatal(err)
	}
	check("with a symlink, right key", fsys, transfer.KeyVerified)
	check("with a symlink in a subdirectory, wrong key", wrong, transfer.KeyUnverifiable)
	// Data under a name that does not decrypt proves the right key (its
	// content authenticates with the content key alone); failing, it
	// proves nothing, since it could be planted.
	f, err = fsys.Create("top.txt", unix.O_WRONLY|unix.O_CREAT, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("data"), 0)
	f.Close()
	check("with a file, wrong key", wrong, transfer.KeyUnverifiable)

	// A file whose name no longer decrypts (renamed by the cloud) still
	// proves the right key through its content.
	cdir2, fsys2, _ := fstest.NewVault(t, crypto.AESGCM)
	f, err = fsys2.Create("only.txt", unix.O_WRONLY|unix.O_CREAT, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("data"), 0)
	f.Close()
	cp, err := fsys2.CipherPath("only.txt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(cdir2, cp), filepath.Join(cdir2, "renamed-by-the-cloud")); err != nil {
		t.Fatal(err)
	}
	check("data under an undecryptable name, right key", fsys2, transfer.KeyVerified)
	check("with a file, right key", fsys, transfer.KeyVerified)
	xchacha := fstest.Open(t, cdir, key, crypto.XChaCha20Poly1305)
	check("right key, wrong algorithm", xchacha, transfer.KeyWrong)
}
