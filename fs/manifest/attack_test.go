package manifest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/manifest"
)

// sealed returns a sealed vault with a small tree on one machine.
func sealed(t *testing.T) *machine {
	t.Helper()
	dir, key := newVault(t)
	m := open(t, dir, key, t.TempDir())
	must(t, m.fs.Mkdir("docs", 0o755, nil))
	m.write("docs/a.txt", data(3*bs))
	m.write("docs/b.txt", data(2*bs+100))
	m.write("top", []byte("top"))
	m.write("empty", nil)
	m.write("docs/"+strings.Repeat("long", 50), data(bs))
	must(t, m.fs.Symlink("docs/a.txt", "link", nil))
	m.seal()
	return m
}

func TestCleanVaultVerifiesClean(t *testing.T) {
	m := sealed(t)
	r := m.verify()
	expect(t, r)
	if !r.Sealed() || r.Entries < 9 || r.Generation != 1 {
		t.Errorf("report: sealed %v, %d entries, generation %d", r.Sealed(), r.Entries, r.Generation)
	}
	// A second view (a fresh process) agrees.
	expect(t, open(t, m.dir, m.key, m.state.Dir()).verify())
}

func TestRolledBackFile(t *testing.T) {
	m := sealed(t)
	old, err := os.ReadFile(m.cipher("docs/a.txt"))
	must(t, err)
	m.write("docs/a.txt", data(3*bs))
	m.seal()
	expect(t, m.verify())
	must(t, os.WriteFile(m.cipher("docs/a.txt"), old, 0o644)) // the attacker's copy
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Changed, Path: "docs/a.txt"})
	if d := r.Findings[0].Detail; !strings.Contains(d, "rolled back") {
		t.Errorf("detail %q", d)
	}
}

func TestSwappedFiles(t *testing.T) {
	m := sealed(t)
	a, b := m.cipher("docs/a.txt"), m.cipher("docs/b.txt")
	must(t, os.Rename(a, a+".x"))
	must(t, os.Rename(b, a))
	must(t, os.Rename(a+".x", b))
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Swapped, Path: "docs/a.txt"},
		manifest.Finding{Kind: manifest.Swapped, Path: "docs/b.txt"})
}

func TestTruncatedAtBlockBoundary(t *testing.T) {
	m := sealed(t)
	c := m.cipher("docs/a.txt")
	sh(t, "truncate", "-s", "8274", c) // header + 2 blocks of 4128
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Truncated, Path: "docs/a.txt"})
}

func TestZeroedBlock(t *testing.T) {
	m := sealed(t)
	c := m.cipher("docs/a.txt")
	sh(t, "dd", "if=/dev/zero", "of="+c, "bs=4128", "seek=0", "count=1", "oflag=seek_bytes", "seek=4146", "conv=notrunc", "status=none")
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Zeroed, Path: "docs/a.txt"})
	if d := r.Findings[0].Detail; !strings.HasPrefix(d, "block 1 ") {
		t.Errorf("detail %q", d)
	}
}

func TestDeletedAndAdded(t *testing.T) {
	m := sealed(t)
	must(t, os.Remove(m.cipher("top")))
	other := open(t, m.dir, m.key, t.TempDir()) // gocryptfs, say: no seal
	other.write("docs/new", []byte("new"))
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Missing, Path: "top"},
		manifest.Finding{Kind: manifest.Added, Path: "docs/new"})
	if _, err := m.v.Accept(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, m.verify())
}

func TestLongNameSideFileSwapped(t *testing.T) {
	m := sealed(t)
	c := m.cipher("docs/" + strings.Repeat("long", 50))
	must(t, os.WriteFile(c+".name", []byte("forged"), 0o400))
	r := m.verify()
	if len(r.Findings) != 1 || r.Findings[0].Kind != manifest.Changed || !strings.HasSuffix(r.Findings[0].CipherPath, ".name") {
		t.Errorf("findings:\n%s", dump(r))
	}
}

func TestForgedManifest(t *testing.T) {
	m := sealed(t)
	p := filepath.Join(m.dir, manifest.FileName(m.v.Writer()))
	b, err := os.ReadFile(p)
	must(t, err)
	b[len(b)-3] ^= 1
	must(t, os.WriteFile(p, b, 0o600))
	r := m.verify()
	found := false
	for _, f := range r.Findings {
		found = found || f.Kind == manifest.BadManifest
	}
	if !found {
		t.Errorf("forged manifest not reported:\n%s", dump(r))
	}
}

func TestCrashBeforeSealIsUnsealed(t *testing.T) {
	m := sealed(t)
	must(t, m.v.MarkDirty())
	m.write("docs/a.txt", data(bs)) // then the process dies
	r := open(t, m.dir, m.key, t.TempDir()).verify()
	expect(t, r, manifest.Finding{Kind: manifest.Changed, Path: "docs/a.txt"})
	if !r.Findings[0].Unsealed || len(r.Unsealed) != 1 {
		t.Errorf("not reported as unsealed: %+v %v", r.Findings[0], r.Unsealed)
	}
	m.seal() // the next clean seal takes the change in
	r = m.verify()
	expect(t, r)
	if len(r.Unsealed) != 0 {
		t.Errorf("still unsealed: %v", r.Unsealed)
	}
}

// A sync client's conflict copy of a file holds the same file ID under
// the original's name plus a marker: an added entry, not a swap.
func TestConflictCopyIsNoSwap(t *testing.T) {
	m := sealed(t)
	c := m.cipher("docs/a.txt")
	sh(t, "cp", "-a", c, c+" (conflicted copy 2026-12-01)")
	r := m.verify()
	if len(r.Findings) != 1 || r.Findings[0].Kind != manifest.Added || !strings.Contains(r.Findings[0].Detail, "conflict copy") {
		t.Errorf("findings:\n%s", dump(r))
	}
}

// Writing a manifest at the root keeps the root's modification time:
// it is the plaintext root's.
func TestSealKeepsRootMtime(t *testing.T) {
	m := sealed(t)
	old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	must(t, os.Chtimes(m.dir, old, old))
	m.seal()
	must(t, m.v.MarkDirty())
	fi, err := os.Stat(m.dir)
	must(t, err)
	if !fi.ModTime().Equal(old) {
		t.Errorf("root mtime %v, want %v", fi.ModTime(), old)
	}
}

// A seal with nothing new writes nothing (no upload every few minutes).
func TestSealWithoutChangesWritesNothing(t *testing.T) {
	m := sealed(t)
	p := filepath.Join(m.dir, manifest.FileName(m.v.Writer()))
	before, err := os.ReadFile(p)
	must(t, err)
	m.seal()
	after, err := os.ReadFile(p)
	must(t, err)
	if string(before) != string(after) {
		t.Error("manifest rewritten without a change")
	}
	m.write("top", []byte("changed"))
	m.seal()
	if after, _ = os.ReadFile(p); string(before) == string(after) {
		t.Error("manifest not rewritten after a change")
	}
}

// XChaCha20-Poly1305 vaults have 24-byte nonces (4136-byte blocks).
func TestXChaChaTruncateAndZero(t *testing.T) {
	dir, key := newVault(t)
	m := openAlg(t, dir, key, t.TempDir(), crypto.XChaCha20Poly1305)
	m.write("a", data(4*bs))
	m.write("b", data(3*bs))
	m.seal()
	expect(t, m.verify())
	sh(t, "truncate", "-s", fmt.Sprint(18+2*4136), m.cipher("a"))
	sh(t, "dd", "if=/dev/zero", "of="+m.cipher("b"), "bs=4136", "oflag=seek_bytes", "seek="+fmt.Sprint(18+2*4136), "count=1", "conv=notrunc", "status=none")
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Truncated, Path: "a"}, manifest.Finding{Kind: manifest.Zeroed, Path: "b"})
	for _, f := range r.Findings {
		if f.Kind == manifest.Zeroed && !strings.HasPrefix(f.Detail, "block 2 ") {
			t.Errorf("detail %q", f.Detail)
		}
	}
}

// The fingerprint cache (inode, size, ctime) is used, and hides no
// attack: each of them changes the ctime or the inode.
func TestCacheHidesNoAttack(t *testing.T) {
	m := sealed(t)
	later := func() time.Time { return time.Now().Add(time.Hour) }
	manifest.SetClock(m.v, later)
	old, err := os.ReadFile(m.cipher("docs/b.txt"))
	must(t, err)
	m.write("docs/b.txt", data(2*bs+100))
	m.seal()
	set, err := manifest.Load(m.fs, m.keys)
	must(t, err)
	keyed := 0
	for _, e := range set.Manifests[0].Entries {
		if e.Ctime != 0 {
			keyed++
		}
	}
	if keyed < 4 {
		t.Fatalf("only %d entries have a stat key", keyed)
	}
	expect(t, m.verify())
	sh(t, "dd", "if=/dev/zero", "of="+m.cipher("docs/a.txt"), "bs=4128", "oflag=seek_bytes", "seek=4146", "count=1", "conv=notrunc", "status=none")
	must(t, os.WriteFile(m.cipher("docs/b.txt"), old, 0o644))
	expect(t, m.verify(), manifest.Finding{Kind: manifest.Zeroed, Path: "docs/a.txt"},
		manifest.Finding{Kind: manifest.Changed, Path: "docs/b.txt"})
}
