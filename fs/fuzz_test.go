package fs_test

import (
	"os"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
)

// FuzzLongNameFile writes arbitrary bytes into the .name side file of a
// long-named entry: listing and looking up must never panic or hang, and
// only the exact, matching name may decrypt.
func FuzzLongNameFile(f *testing.F) {
	v := newVault(f, variants[0].opts)
	long := strings.Repeat("n", 200)
	writeFile(f, v.FS, long, []byte("x"))
	disk := v.backing(f, long)
	nameFile := disk + crypto.LongNameSuffix
	good, err := os.ReadFile(nameFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Add(good[:len(good)-1])
	f.Add(append(append([]byte{}, good...), '\n'))
	f.Add([]byte(strings.Repeat("A", crypto.MaxLongNameFile+1)))
	f.Add([]byte("gocryptfs.longname.\x00/../etc"))
	f.Fuzz(func(t *testing.T, content []byte) {
		if err := os.WriteFile(nameFile, content, 0o444); err != nil {
			t.Fatal(err)
		}
		ents, bad, err := v.Inspect().ReadDirBad("")
		if err != nil {
			t.Fatalf("listing failed: %v", err)
		}
		shown := false
		for _, e := range ents {
			shown = shown || e.Name == long
		}
		if shown != (string(content) == string(good)) {
			t.Fatalf("long name shown=%v for content %q", shown, content)
		}
		if !shown && len(bad) == 0 {
			t.Fatal("a .name file that does not match was not reported")
		}
		// Lookups by plaintext name do not need the .name file.
		if _, err := v.Stat(long); err != nil {
			t.Fatalf("lookup by name: %v", err)
		}
	})
}
