package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// Values of the XChaCha20-Poly1305 vault. Unless noted otherwise they come
// from the [vault-xchacha.tar] section of
// testdata/gocryptfs-v2/known-answers.txt; the config values are
// from gocryptfs.conf inside vault-xchacha.tar.
const (
	xkSalt      = "fdc16a8f302c562e3733549fbc00b6ceb58a87b4fdb6a0602e637e71eac3916c"
	xkKEK       = "4527f9e2df469403b6e6b4ab6a0fb328f0270a9e4bfb05fe61b5ab2d91dff9aa"
	xkWrapKey   = "580110ed667b8ea2bb57cabe9f3b0a3ab5d3cfd595f5d52347e013cfbee882f6"
	xkEncKey    = "qS//gOFZ0hvxTc+4xYn23CQmnQd4pUZXITLa/VUt2rAubFejr9pzO7CwApDSKo4ug7pFOO8ylZDzzt39o9xRuw=="
	xkEncNonce  = "a92fff80e159d21bf14dcfb8c589f6dc"
	xkEncCT     = "24269d0778a546572132dafd552ddab02e6c57a3afda733bb0b00290d22a8e2e"
	xkEncTag    = "83ba4538ef329590f3ceddfda3dc51bb"
	xkMaster    = "9e59cc4cdd5d8185289bc64e3811a8263fe15471c605db83490b0f6c7b99246b"
	xkEMEKey    = "b4b764310424d372b1631e8af6faebdbc3e721950036be291263686a3bb464f3"
	xkContent   = "60e4f797ba9ead98b041334d2e87327315ac1a2a5ff6707c2313deb1967aa2a0"
	xkRootIV    = "5efd7e91abed30f817a4fbd68abbd463"
	xkXattrName = "user.gocryptfs.fJuRB_dNP7FezWSv14ygoA"
	xkXattrVal  = "7d6f39c59e358d417e654794aaea50f84afb2ef368721e006f0c00378ccf250d5d172dbf69c4a3caddae161161"
	xkSymlink   = "wLB18DzrYH3qElg7rbVbtRzBW6U2k0EfEbV3GEe2rNKJUCbj4fzwNhQBDG2JTY_frBnS1TtJ"
	// Whole backing file ./ktEjU8NrsahuUKhHhDQDoQ (one-byte.txt) of
	// vault-xchacha.tar: header, nonce, 1 ciphertext byte, tag.
	xkOneByte = "00029df7992471b1ea516ae30f9ea6cb91da6d71b90cc69635a3ddfd4fda58bd" +
		"c4369633422fda2553f00cdd3d3f3180c0bf2a45c9ccae73c7997a"
	xkOneByteID    = "9df7992471b1ea516ae30f9ea6cb91da"
	xkOneByteNonce = "6d71b90cc69635a3ddfd4fda58bdc4369633422fda2553f0"
	// Whole backing file of a/b/c/file.txt in vault-xchacha.tar
	// (./WLUvfa-z7JXtIIUg9HoHAQ/oqLMwB3BqV2bxUEnWlLIdQ/9bYyBQdfO5r_AtbVqauK7A/zs2j_ce35y1s5amUz0jzzQ).
	xkNested = "000255bc1b8a06648947c1df52bab182aef074c32d9cd94be8193334a79f6012" +
		"8374e747c96bbbea290bd409bc977d3384ce1e0bfd2367d8f8296fc645db81bc" +
		"b1376c14fd567cb4ecd63fd95178"
)

func xchachaKeys(t testing.TB) *Keys {
	return DeriveKeys(unhex(t, xkMaster), XChaCha20Poly1305)
}

func TestKATXChaChaUnwrap(t *testing.T) {
	p := ScryptParams{Salt: unhex(t, xkSalt), N: 1024, R: 8, P: 1, KeyLen: 32}
	kek, err := DeriveKEK([]byte(katPassword), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(kek); got != xkKEK {
		t.Fatalf("KEK = %s, want %s", got, xkKEK)
	}
	// The key-wrap key is the AES-GCM content subkey of the KEK, even in
	// an XChaCha vault (docs/format.md §2.5).
	if got := hex.EncodeToString(DeriveKeys(kek, AESGCM).Content); got != xkWrapKey {
		t.Fatalf("wrap key = %s, want %s", got, xkWrapKey)
	}
	blob, err := base64.StdEncoding.DecodeString(xkEncKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := xkEncNonce + xkEncCT + xkEncTag; hex.EncodeToString(blob) != want {
		t.Fatalf("EncryptedKey split does not match: %x", blob)
	}
	m, err := UnwrapMasterKey(blob, kek, true)
	if err != nil || hex.EncodeToString(m) != xkMaster {
		t.Fatalf("master = %x, %v", m, err)
	}
	// The AES vault's KEK must not open this vault's key.
	if _, err := UnwrapMasterKey(blob, unhex(t, katKEK), true); err != ErrWrongPassword {
		t.Fatalf("foreign KEK: %v", err)
	}
}

func TestKATXChaChaSubkeys(t *testing.T) {
	k := xchachaKeys(t)
	if got := hex.EncodeToString(k.Name); got != xkEMEKey {
		t.Errorf("EME key = %s, want %s", got, xkEMEKey)
	}
	if got := hex.EncodeToString(k.Content); got != xkContent {
		t.Errorf("content key = %s, want %s", got, xkContent)
	}
	if k.Algorithm != XChaCha20Poly1305 {
		t.Errorf("Algorithm = %v", k.Algorithm)
	}
	// The EME key does not depend on the content algorithm.
	if a := DeriveKeys(unhex(t, xkMaster), AESGCM); !bytes.Equal(a.Name, k.Name) || bytes.Equal(a.Content, k.Content) {
		t.Error("EME key must be shared and content keys must differ between algorithms")
	}
}

// TestKATXChaChaNames checks every short name of the vault's root.
func TestKATXChaChaNames(t *testing.T) {
	n, err := NewNameCipher(xchachaKeys(t).Name, true)
	if err != nil {
		t.Fatal(err)
	}
	iv := unhex(t, xkRootIV)
	for _, c := range []struct{ plain, cipher string }{
		{"4096.bin", "8GTNFgXCiEXd2N9bzNWVcw"},
		{"Grüße – 日本.txt", "9Xk7Nxr8xZwxmAj_3xnFHVFNYzJk6UdmvSY_UbDnhD0"},
		{"4097.bin", "CRnAzv2HY8M3AEdAAUkkUQ"},
		{"empty.txt", "E-GLNMGkt44TpGZx3ZrUGw"},
		{"sparse.bin", "Im99Mgmmec9LFubX4qVKmA"},
		{"symlink", "RvKRiakh7vYXmqHgiuM4rw"},
		{"a", "WLUvfa-z7JXtIIUg9HoHAQ"},
		{"100000.bin", "c2W4Zzwqm4dlDjg0JBlJDw"},
		{"one-byte.txt", "ktEjU8NrsahuUKhHhDQDoQ"},
	} {
		got, err := n.EncryptName(c.plain, iv)
		if err != nil || got != c.cipher {
			t.Errorf("EncryptName(%q) = %q, %v; want %q", c.plain, got, err, c.cipher)
		}
		back, err := n.DecryptName(c.cipher, iv)
		if err != nil || back != c.plain {
			t.Errorf("DecryptName(%q) = %q, %v; want %q", c.cipher, back, err, c.plain)
		}
	}
}

// TestKATXChaChaNestedNames walks a/b/c/file.txt, each level with the
// diriv of its parent directory.
func TestKATXChaChaNestedNames(t *testing.T) {
	n, _ := NewNameCipher(xchachaKeys(t).Name, true)
	steps := []struct{ iv, plain, cipher string }{
		{xkRootIV, "a", "WLUvfa-z7JXtIIUg9HoHAQ"},
		{"e6d8e32ec53923229630d5e94e3235bf", "b", "oqLMwB3BqV2bxUEnWlLIdQ"},
		{"b0fbb701d4dbf22339ad09b2a2eac945", "c", "9bYyBQdfO5r_AtbVqauK7A"},
		{"db9b1eae7eaaab6958681d2479288f9b", "file.txt", "zs2j_ce35y1s5amUz0jzzQ"},
	}
	for _, s := range steps {
		iv := unhex(t, s.iv)
		got, err := n.EncryptName(s.plain, iv)
		if err != nil || got != s.cipher {
			t.Errorf("EncryptName(%q) = %q, %v; want %q", s.plain, got, err, s.cipher)
		}
		if back, err := n.DecryptName(s.cipher, iv); err != nil || back != s.plain {
			t.Errorf("DecryptName(%q) = %q, %v", s.cipher, back, err)
		}
	}
	// A name under the wrong directory's IV must not decrypt to itself.
	if back, err := n.DecryptName(steps[1].cipher, unhex(t, xkRootIV)); err == nil && back == steps[1].plain {
		t.Error("name decrypted under the wrong diriv")
	}
}

func TestKATXChaChaBlocks(t *testing.T) {
	c, err := NewContentCipher(XChaCha20Poly1305, xchachaKeys(t).Content)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, file, plain string
	}{
		{"one-byte.txt", xkOneByte, "A"},
		{"a/b/c/file.txt", xkNested, "nested file content\n"},
	} {
		file := unhex(t, f.file)
		if got := c.PlainSize(uint64(len(file))); got != uint64(len(f.plain)) {
			t.Errorf("%s: PlainSize(%d) = %d", f.name, len(file), got)
		}
		h, err := ParseHeader(file)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		got, err := c.OpenBlock(nil, file[HeaderSize:], 0, h.ID[:])
		if err != nil || string(got) != f.plain {
			t.Errorf("%s: OpenBlock = %q, %v", f.name, got, err)
		}
		// The AES-GCM codec under the same key must reject the block.
		g, _ := NewContentCipher(AESGCM, xchachaKeys(t).Content)
		if _, err := g.OpenBlock(nil, file[HeaderSize:], 0, h.ID[:]); err != ErrAuth {
			t.Errorf("%s: AES-GCM opened an XChaCha block: %v", f.name, err)
		}
	}
	file := unhex(t, xkOneByte)
	h, _ := ParseHeader(file)
	if hex.EncodeToString(h.ID[:]) != xkOneByteID {
		t.Errorf("file ID = %x", h.ID)
	}
	if got := hex.EncodeToString(file[HeaderSize : HeaderSize+NonceSizeXChaCha]); got != xkOneByteNonce {
		t.Errorf("block 0 nonce = %s", got)
	}
}

func TestKATXChaChaSymlinkAndXattr(t *testing.T) {
	k := xchachaKeys(t)
	c, _ := NewContentCipher(XChaCha20Poly1305, k.Content)
	n, _ := NewNameCipher(k.Name, true)
	raw, err := n.Encoding().DecodeString(xkSymlink)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != NonceSizeXChaCha+len("a/b/c/file.txt")+TagSize {
		t.Errorf("symlink blob is %d bytes", len(raw))
	}
	if got, err := c.OpenBlock(nil, raw, 0, nil); err != nil || string(got) != "a/b/c/file.txt" {
		t.Errorf("symlink target = %q, %v", got, err)
	}
	name, err := n.EncryptXattrName("user.test")
	if err != nil || name != xkXattrName {
		t.Errorf("EncryptXattrName = %q, %v; want %q", name, err, xkXattrName)
	}
	if back, err := n.DecryptXattrName(xkXattrName); err != nil || back != "user.test" {
		t.Errorf("DecryptXattrName = %q, %v", back, err)
	}
	val := unhex(t, xkXattrVal)
	if len(val) != len("hello")+c.Overhead() {
		t.Errorf("xattr value is %d bytes", len(val))
	}
	if got, err := c.OpenBlock(nil, val, 0, nil); err != nil || string(got) != "hello" {
		t.Errorf("xattr value = %q, %v", got, err)
	}
}
