package fs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListingStat: a listing's entries carry their backing names, and
// stat'ing an entry through the listing gives what Stat of its path
// gives: a file, a symlink (size of the target), a long name, a
// directory, and a conflict copy.
func TestListingStat(t *testing.T) {
	v := newVault(t, variants[0].opts)
	must(t, v.Mkdir("d", 0o755, nil))
	writeFile(t, v.FS, "d/file.txt", []byte("hello"))
	long := "long-" + strings.Repeat("x", 200)
	writeFile(t, v.FS, "d/"+long, []byte("long"))
	must(t, v.Symlink("file.txt", "d/link", nil))
	must(t, v.Mkdir("d/sub", 0o700, nil))
	writeFile(t, v.FS, "d/r.txt", []byte("old"))
	back := v.backing(t, "d/r.txt")
	b, err := os.ReadFile(back)
	must(t, err)
	must(t, os.WriteFile(conflictForm(back, " (1)"), b, 0o644))

	l, err := v.OpenListing("d")
	must(t, err)
	defer l.Close()
	if len(l.Entries) != 6 {
		t.Fatalf("%d entries: %+v", len(l.Entries), l.Entries)
	}
	for i, e := range l.Entries {
		if _, err := os.Lstat(filepath.Join(filepath.Dir(back), e.Disk)); err != nil {
			t.Errorf("%s: backing name %q: %v", e.Name, e.Disk, err)
		}
		got, err := l.Stat(i)
		must(t, err)
		want, err := v.Stat("d/" + e.Name)
		must(t, err)
		if got.Ino != want.Ino || got.Size != want.Size || got.Mode != want.Mode {
			t.Errorf("%s: listing stat ino %d size %d mode %o, Stat ino %d size %d mode %o",
				e.Name, got.Ino, got.Size, got.Mode, want.Ino, want.Size, want.Mode)
		}
	}
}
