package manifest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/fs/manifest"
)

// copyVault copies a cipherdir as a sync client's second machine has it.
func copyVault(t *testing.T, dir string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "cipher")
	sh(t, "cp", "-a", dir, to)
	return to
}

// syncFrom brings the backing files rel (relative to the cipherdirs)
// from one copy to another, as a sync client does; a file missing in
// from is deleted in to.
func syncFrom(t *testing.T, from, to string, rel ...string) {
	t.Helper()
	for _, r := range rel {
		b, err := os.ReadFile(filepath.Join(from, r))
		if os.IsNotExist(err) {
			must(t, os.Remove(filepath.Join(to, r)))
			continue
		}
		must(t, err)
		must(t, os.WriteFile(filepath.Join(to, r), b, 0o644))
	}
}

// rel returns a path relative to the cipherdir.
func rel(t *testing.T, m *machine, p string) string {
	t.Helper()
	r, err := filepath.Rel(m.dir, p)
	must(t, err)
	return r
}

func TestWholeVaultRollback(t *testing.T) {
	m := sealed(t)
	snapshot := copyVault(t, m.dir)
	m.write("top", []byte("newer"))
	m.seal()
	expect(t, m.verify())
	sh(t, "rm", "-rf", m.dir)
	sh(t, "cp", "-a", snapshot, m.dir) // the old copy, manifests included
	again := open(t, m.dir, m.key, m.state.Dir())
	r := again.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Rollback})
	if !strings.Contains(r.Findings[0].Detail, "generation 1, older than generation 2") {
		t.Errorf("detail %q", r.Findings[0].Detail)
	}
	// Another machine has never seen the vault: it trusts it, and says so.
	fresh := open(t, m.dir, m.key, t.TempDir()).verify()
	expect(t, fresh)
	if !fresh.FirstUse {
		t.Error("first use not reported")
	}
	// Accepting makes this machine's record the vault as it is.
	if _, err := again.v.Accept(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, again.verify())
}

func TestDeletedManifestIsRollback(t *testing.T) {
	m := sealed(t)
	must(t, os.Remove(filepath.Join(m.dir, manifest.FileName(m.v.Writer()))))
	r := m.verify()
	expect(t, r, manifest.Finding{Kind: manifest.Rollback})
}

func TestTwoMachinesMergeClean(t *testing.T) {
	a := sealed(t)
	bdir := copyVault(t, a.dir)
	b := open(t, bdir, a.key, t.TempDir())
	expect(t, b.verify()) // first use on machine B
	// Each machine changes the vault and seals its own change.
	a.write("docs/a.txt", data(bs))
	a.write("docs/fromA", []byte("a"))
	a.seal()
	b.write("docs/b.txt", data(5*bs))
	must(t, b.fs.Unlink("top"))
	b.seal()
	// The sync client brings each side's files to the other.
	aFiles := []string{rel(t, a, a.cipher("docs/a.txt")), rel(t, a, a.cipher("docs/fromA")), manifest.FileName(a.v.Writer())}
	bFiles := []string{rel(t, b, b.cipher("docs/b.txt")), rel(t, a, a.cipher("top")), manifest.FileName(b.v.Writer())}
	syncFrom(t, a.dir, b.dir, aFiles...)
	syncFrom(t, b.dir, a.dir, bFiles...)
	expect(t, a.verify())
	expect(t, b.verify())
	// A conflict copy of a manifest (an older one, say) is one more manifest.
	old := filepath.Join(bdir, manifest.FileName(b.v.Writer()))
	conflict := strings.TrimSuffix(old, ".name") + ".sync-conflict-20260101-120000-ABCDEFG.name"
	sh(t, "cp", old, conflict)
	b.write("docs/b.txt", data(bs))
	b.seal()
	expect(t, b.verify())
	if n := len(b.verify().Manifests); n != 3 {
		t.Errorf("%d manifests, want 3 (conflict copy included)", n)
	}
	// And both still see an attack.
	must(t, os.Remove(b.cipher("docs/fromA")))
	expect(t, b.verify(), manifest.Finding{Kind: manifest.Missing, Path: "docs/fromA"})
}

// A sync client may bring another machine's manifest before the files
// it describes: sealing then must not state the old version as new.
func TestManifestSyncedBeforeFiles(t *testing.T) {
	a := sealed(t)
	bdir := copyVault(t, a.dir)
	b := open(t, bdir, a.key, t.TempDir())
	b.seal() // B's first change set
	syncFrom(t, b.dir, a.dir, manifest.FileName(b.v.Writer()))
	a.write("docs/a.txt", data(bs))
	a.write("docs/fromA", []byte("a"))
	a.seal()
	syncFrom(t, a.dir, b.dir, manifest.FileName(a.v.Writer()))
	must(t, b.v.MarkDirty()) // B mounts after A's manifest came, before its files
	b.write("top", []byte("b was here"))
	b.seal()
	syncFrom(t, a.dir, b.dir, rel(t, a, a.cipher("docs/a.txt")), rel(t, a, a.cipher("docs/fromA")))
	syncFrom(t, b.dir, a.dir, rel(t, b, b.cipher("top")), manifest.FileName(b.v.Writer()))
	expect(t, b.verify())
	expect(t, a.verify())
}
