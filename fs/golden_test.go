package fs_test

import (
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// openReference opens an extracted reference vault by its master key.
func openReference(t *testing.T, name string, alg crypto.Algorithm) *fs.FS {
	t.Helper()
	dir := fstest.ExtractVault(t, name)
	key, err := crypto.ParseMasterKey(fstest.MasterKey(t, name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.New(dir, key, fs.Options{Algorithm: alg, Raw64: true, DirIV: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestGoldenManifest(t *testing.T) {
	want := fstest.ReadGolden(t, "plaintext-manifest.txt")
	for _, tc := range []struct {
		name string
		alg  crypto.Algorithm
	}{{"aesgcm", crypto.AESGCM}, {"xchacha", crypto.XChaCha20Poly1305}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fstest.Manifest(fstest.VaultTree{FS: openReference(t, tc.name, tc.alg)})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("manifest mismatch:\n got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
