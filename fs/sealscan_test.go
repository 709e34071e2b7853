package fs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/fs"
)

// TestWalkCipherDir: with Dir, WalkCipher lists the backing entries
// below that directory only, with paths relative to the cipherdir.
func TestWalkCipherDir(t *testing.T) {
	v := newVault(t, fs.Options{DirIV: true, Raw64: true})
	must(t, v.Mkdir("a", 0o755, nil))
	must(t, v.Mkdir("a/b", 0o755, nil))
	writeFile(t, v.FS, "a/b/in.txt", []byte("inside"))
	writeFile(t, v.FS, "out.txt", []byte("outside"))
	prefix, err := v.CipherPath("a/b")
	must(t, err)
	in, err := v.CipherPath("a/b/in.txt")
	must(t, err)
	var got []string
	err = v.WalkCipher(context.Background(), fs.WalkCipherOptions{Dir: "a/b", Cached: func(*fs.CipherEntry) bool { return true }},
		func(e fs.CipherEntry) error {
			got = append(got, e.Path)
			return nil
		})
	must(t, err)
	found := false
	for _, p := range got {
		if !strings.HasPrefix(p, prefix+"/") {
			t.Errorf("%s is not below %s", p, prefix)
		}
		found = found || p == in
	}
	if !found || len(got) != 2 { // in.txt and the diriv
		t.Errorf("walk of a/b: %v, want %s and its gocryptfs.diriv", got, in)
	}
}
