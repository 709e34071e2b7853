package crypto

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// longVectorName is the 200-byte name of both forward vaults.
var longVectorName = "long-name-" + strings.Repeat("x", 186) + ".txt"

// Long names from testdata/gocryptfs-v2/known-answers.txt: the
// hashed on-disk name and the content of its .name side file (278 bytes),
// both in the root directory of each vault.
var longNameKATs = []struct {
	vault, master, rootIV string
	alg                   Algorithm
	hashed, encrypted     string
}{
	{
		"vault-aesgcm.tar", katMaster, katRootIV, AESGCM,
		"gocryptfs.longname.5GDp9egQReOYWW4r94WL2RXvaHrnhY_IJVoPvh8XZaI",
		"hI2nUJm-8lPGzwsLIFTQIO3zqO3U3UXh3Bp_BqDCIDG-Vnwmq5DFtDXpUoAyqvp4hMBom6jnXzZx094eC-JKxo5242S_IUeyUHddrjbLcrljniI2aEtZ48o40qom0qUDSx97igmwHpNQswk4_BAi19NZeiLAaUoyjxQUjnqwBSBJzm3B7UNxTftZphh2hfcC9eTeyFu_Fldc_Sq3NxXYxE6mPW0O2uupGI9LJ1gp72FyokL6bWFU26y5OTu2saLodVP1pLQMSaF-fXcMj1d8bA",
	},
	{
		"vault-xchacha.tar", xkMaster, xkRootIV, XChaCha20Poly1305,
		"gocryptfs.longname.Qv11sRjIoVYoj1k5yOx7CWM5Pee-vm7Eu5aDDXxXYwE",
		"pdnkow9ZPE4-Detd4J4eNPZuUD_aKUGhkGGsWTxf08KeTz3ZSeSBq9KDHuHkAIhh92_X6BGm33byZFf4FyLPJk8QcJJPeYAyQXqaSKyyn9BG_1PpkGajFpkkjTjAAuCINaUbZG-PdoY8zABtYXxSB6UPkSNLDcoA4fdC98uYRcYs2nNCSCGCwh0AWDixYfk5CmLoPh4Mvj4ohhUZpBfpKrPUlEh2HLsabXGk1NBJFfyhOv48NucJ88rQ0XiwXz84TznJYV1yx1yTPmdwDNH7xA",
	},
}

func TestKATLongName(t *testing.T) {
	if len(longVectorName) != 200 {
		t.Fatalf("vector name is %d bytes", len(longVectorName))
	}
	for _, v := range longNameKATs {
		n, _ := NewNameCipher(DeriveKeys(unhex(t, v.master), v.alg).Name, true)
		iv := unhex(t, v.rootIV)
		enc, err := n.EncryptName(longVectorName, iv)
		if err != nil || enc != v.encrypted {
			t.Errorf("%s: EncryptName = %q, %v", v.vault, enc, err)
		}
		if len(enc) != 278 || len(enc) <= DefaultLongNameMax {
			t.Errorf("%s: encrypted name is %d characters, want 278", v.vault, len(enc))
		}
		if got := n.LongName(v.encrypted); got != v.hashed {
			t.Errorf("%s: LongName = %q, want %q", v.vault, got, v.hashed)
		}
		if !IsLongName(v.hashed) || IsLongNameFile(v.hashed) {
			t.Errorf("%s: %q not classified as a long name", v.vault, v.hashed)
		}
		if side := v.hashed + LongNameSuffix; !IsLongNameFile(side) || IsLongName(side) {
			t.Errorf("%s: %q not classified as a .name file", v.vault, side)
		}
		if back, err := n.DecryptName(v.encrypted, iv); err != nil || back != longVectorName {
			t.Errorf("%s: DecryptName = %q, %v", v.vault, back, err)
		}
	}
}

// TestKATAESNested walks a/b/c/file.txt of vault-aesgcm.tar with the
// diriv of each parent (known-answers.txt) and opens the file's content
// (copied from the tar).
func TestKATAESNested(t *testing.T) {
	k := katKeys(t)
	n, _ := NewNameCipher(k.Name, true)
	for _, s := range []struct{ iv, plain, cipher string }{
		{katRootIV, "a", "bL5U0XkHhWTcpfBH2TfCgw"},
		{"154f631fc2378f8b5718eaf850d66606", "b", "uGWCIgYzipOs38fXkBlzcQ"},
		{"c63f6131066c487096cce380d876640f", "c", "SWZYI670LnCdi1w2rD5Jjw"},
		{"16e22f73eb373007ce5e53ddc7a6e530", "file.txt", "ipz1CHvxmIH6sp43-4Ldqw"},
		{katRootIV, "Grüße – 日本.txt", "XU6XqBZlgPH5dJFpLPEQ0DVlpzZxpIrNchKCUYG8Bs8"},
		{katRootIV, "empty.txt", "uUZ-3WeBpZkgNwg1N9RN0w"},
	} {
		iv := unhex(t, s.iv)
		if got, err := n.EncryptName(s.plain, iv); err != nil || got != s.cipher {
			t.Errorf("EncryptName(%q) = %q, %v; want %q", s.plain, got, err, s.cipher)
		}
		if back, err := n.DecryptName(s.cipher, iv); err != nil || back != s.plain {
			t.Errorf("DecryptName(%q) = %q, %v", s.cipher, back, err)
		}
	}
	file := unhex(t, "00025032cabd7814a5cbda3bbc8c33084a1fdb939727ccde283b1b90fc4824ec"+
		"7cd6bf603edff372d72048c19a61857b2b3805679811e8c7acc029f990395dba"+
		"cfae1d64b420")
	c, _ := NewContentCipher(AESGCM, k.Content)
	h, err := ParseHeader(file)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.OpenBlock(nil, file[HeaderSize:], 0, h.ID[:]); err != nil || string(got) != "nested file content\n" {
		t.Errorf("OpenBlock = %q, %v", got, err)
	}
	raw, _ := n.Encoding().DecodeString("FvC8EzHDjCx9ytoYiL1M16Zs5G7ey3dxmMBbAgonWUFwm8JZl0vAQ4reOVTGuA")
	if got, err := c.OpenBlock(nil, raw, 0, nil); err != nil || string(got) != "a/b/c/file.txt" {
		t.Errorf("symlink = %q, %v", got, err)
	}
}

// TestKAT4097 decrypts the two-block file 4097.bin of both vaults
// (testdata/vectors/README.md): block 1 must be opened with block number 1.
func TestKAT4097(t *testing.T) {
	for _, v := range []struct {
		file, master string
		alg          Algorithm
		size         int
	}{
		{"aesgcm-4097.bin", katMaster, AESGCM, 4179},
		{"xchacha-4097.bin", xkMaster, XChaCha20Poly1305, 4195},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "vectors", v.file))
		if err != nil {
			t.Fatal(err)
		}
		c, _ := NewContentCipher(v.alg, DeriveKeys(unhex(t, v.master), v.alg).Content)
		if len(data) != v.size || c.CipherSize(4097) != uint64(v.size) || c.PlainSize(uint64(len(data))) != 4097 {
			t.Fatalf("%s: size %d, CipherSize %d", v.file, len(data), c.CipherSize(4097))
		}
		h, err := ParseHeader(data)
		if err != nil {
			t.Fatal(err)
		}
		var plain []byte
		for b := uint64(0); b < 2; b++ {
			start := c.BlockOffset(b)
			end := min(start+int64(c.CipherBlockSize()), int64(len(data)))
			plain, err = c.OpenBlock(plain, data[start:end], b, h.ID[:])
			if err != nil {
				t.Fatalf("%s: block %d: %v", v.file, b, err)
			}
			// Swapped block numbers must not authenticate.
			if _, err := c.OpenBlock(nil, data[start:end], 1-b, h.ID[:]); err != ErrAuth {
				t.Errorf("%s: block %d opened as block %d: %v", v.file, b, 1-b, err)
			}
		}
		if len(plain) != 4097 {
			t.Fatalf("%s: %d plaintext bytes", v.file, len(plain))
		}
		for i, x := range plain {
			if x != byte(i%251) {
				t.Fatalf("%s: byte %d = %d", v.file, i, x)
			}
		}
	}
}
