package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Values from testdata/gocryptfs-v2/known-answers.txt (vault-aesgcm).
const (
	katPassword  = "correct horse battery staple"
	katSalt      = "fcc9e644b63e34bc15895eece2d4df65fdb56c358e052b434d6b94a0b1271451"
	katKEK       = "16a75a5eebe1944c4e1d5ca2bb1c4419a1b20d85158f3df1ed8bb7d44545a4a2"
	katEncKey    = "5sgVDvjqDco3Xa/wK3+Y4OM82rPec9LkptexGlf+j48zGUnpNPX9U/AhrIl7OV2coMdItVxXUEAsaaBJrCmAFg=="
	katMaster    = "6e8163b010b88f64bbd64b1252578b3b487fec177e25677b182a60898d797ea1"
	katEMEKey    = "e1f0f8cca564599a788ba1065d04ffdc88176af074f6f565d9de6fa193910f7c"
	katGCMKey    = "e5daed32bc848e1c5f9f9de6a0bd5649b22e5c4a8fda12a21d538a37171d9875"
	katRootIV    = "f536e4fbd274cb4ba7cb5dd637651139"
	katOneByte   = "000213dbe2b04ad09f1fa46e3d88f9a906fd568ee794b06d6ae99f24e07ebde0ce7c8118d95eb19b49bfe934362cfd842e5f9e"
	katXattrName = "user.gocryptfs.5tcxPvorBlA8KuzZqE4quA"
	katXattrVal  = "ffcd75d1fc8f3a6fc97bab68966ccf2bfa8f03a5d4ea581031732ec16d7e102ec646a6c395"
)

func katKeys(t testing.TB) *Keys {
	return DeriveKeys(unhex(t, katMaster), AESGCM)
}

func TestKATUnwrap(t *testing.T) {
	p := ScryptParams{Salt: unhex(t, katSalt), N: 1024, R: 8, P: 1, KeyLen: 32}
	kek, err := DeriveKEK([]byte(katPassword), p)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(kek) != katKEK {
		t.Fatalf("KEK = %x", kek)
	}
	blob, _ := base64.StdEncoding.DecodeString(katEncKey)
	m, err := UnwrapMasterKey(blob, kek, true)
	if err != nil || hex.EncodeToString(m) != katMaster {
		t.Fatalf("master = %x, %v", m, err)
	}
	if _, err := UnwrapMasterKey(blob, kek, false); err != ErrWrongPassword {
		t.Fatalf("unwrap without HKDF: %v", err)
	}
	kek[0] ^= 1
	if _, err := UnwrapMasterKey(blob, kek, true); err != ErrWrongPassword {
		t.Fatalf("wrong KEK: %v", err)
	}
}

func TestKATSubkeys(t *testing.T) {
	k := katKeys(t)
	if hex.EncodeToString(k.Name) != katEMEKey || hex.EncodeToString(k.Content) != katGCMKey {
		t.Fatalf("subkeys %x %x", k.Name, k.Content)
	}
	k.Wipe()
	if !allZero(k.Name) || !allZero(k.Content) {
		t.Fatal("Wipe left key bytes")
	}
}

func TestKATName(t *testing.T) {
	k := katKeys(t)
	n, _ := NewNameCipher(k.Name, true)
	iv := unhex(t, katRootIV)
	c, err := n.EncryptName("one-byte.txt", iv)
	if err != nil || c != "A886LmMg3Q8pefjU02-hDw" {
		t.Fatalf("EncryptName = %q, %v", c, err)
	}
	p, err := n.DecryptName(c, iv)
	if err != nil || p != "one-byte.txt" {
		t.Fatalf("DecryptName = %q, %v", p, err)
	}
}

func TestKATBlock(t *testing.T) {
	k := katKeys(t)
	c, _ := NewContentCipher(AESGCM, k.Content)
	file := unhex(t, katOneByte)
	h, err := ParseHeader(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Marshal(), file[:HeaderSize]) {
		t.Fatal("header does not round-trip")
	}
	plain, err := c.OpenBlock(nil, file[HeaderSize:], 0, h.ID[:])
	if err != nil || string(plain) != "A" {
		t.Fatalf("OpenBlock = %q, %v", plain, err)
	}
	if got := c.PlainSize(uint64(len(file))); got != 1 {
		t.Fatalf("PlainSize = %d", got)
	}
}

func TestKATXattr(t *testing.T) {
	k := katKeys(t)
	n, _ := NewNameCipher(k.Name, true)
	got, err := n.EncryptXattrName("user.test")
	if err != nil || got != katXattrName {
		t.Fatalf("EncryptXattrName = %q, %v", got, err)
	}
	if back, err := n.DecryptXattrName(got); err != nil || back != "user.test" {
		t.Fatalf("DecryptXattrName = %q, %v", back, err)
	}
	c, _ := NewContentCipher(AESGCM, k.Content)
	v, err := c.OpenBlock(nil, unhex(t, katXattrVal), 0, nil)
	if err != nil || string(v) != "hello" {
		t.Fatalf("xattr value = %q, %v", v, err)
	}
}
