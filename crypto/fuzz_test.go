package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Seed corpora live in testdata/fuzz/FuzzXxx/. The vector keys and file IDs
// are from testdata/gocryptfs-v2/known-answers.txt, so the seeds
// include real gocryptfs 2.3 ciphertext for the fuzzer to mutate.

func FuzzParseHeader(f *testing.F) {
	f.Add(unhex(f, katOneByte))
	f.Add(unhex(f, xkOneByte)[:HeaderSize])
	f.Add(make([]byte, HeaderSize))
	f.Add([]byte{0, 2})
	f.Add(append([]byte{0, 3}, testFileID...))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHeader(data)
		wantOK := len(data) >= HeaderSize && data[0] == 0 && data[1] == 2 && !allZero(data[2:HeaderSize])
		if (err == nil) != wantOK {
			t.Fatalf("ParseHeader(%x) = %v, want ok=%v", data, err, wantOK)
		}
		if err != nil {
			if !errors.Is(err, ErrBadHeader) || h != (FileHeader{}) {
				t.Fatalf("failure returned %x, %v", h.ID, err)
			}
			return
		}
		if m := h.Marshal(); !bytes.Equal(m, data[:HeaderSize]) {
			t.Fatalf("Marshal = %x, want %x", m, data[:HeaderSize])
		}
	})
}

func FuzzDecryptName(f *testing.F) {
	for _, s := range []string{
		"A886LmMg3Q8pefjU02-hDw", "XU6XqBZlgPH5dJFpLPEQ0DVlpzZxpIrNchKCUYG8Bs8",
		longNameKATs[0].encrypted, longNameKATs[0].hashed, "", "gocryptfs.diriv", "AAAA====",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	k := katKeys(f)
	raw, _ := NewNameCipher(k.Name, true)
	padded, _ := NewNameCipher(k.Name, false)
	iv := unhex(f, katRootIV)
	f.Fuzz(func(t *testing.T, s string, usePadded bool) {
		nc := raw
		if usePadded {
			nc = padded
		}
		p, err := nc.DecryptName(s, iv)
		if err != nil {
			if !errors.Is(err, ErrBadName) || p != "" {
				t.Fatalf("DecryptName(%q) = %q, %v", s, p, err)
			}
			return
		}
		if ValidName(p) != nil {
			t.Fatalf("DecryptName(%q) returned invalid name %q", s, p)
		}
		if back, err := nc.EncryptName(p, iv); err != nil || back != s {
			t.Fatalf("DecryptName(%q) = %q, which encrypts to %q, %v", s, p, back, err)
		}
	})
}

// FuzzOpenBlock opens arbitrary blocks under the vector keys and file IDs.
// Nothing may open except a hole or the untouched vector block itself.
func FuzzOpenBlock(f *testing.F) {
	type vec struct {
		c         *ContentCipher
		id, block []byte // the file ID and block 0 of one-byte.txt
	}
	vecs := map[bool]vec{}
	for _, v := range []struct {
		xchacha      bool
		master, file string
		alg          Algorithm
	}{{false, katMaster, katOneByte, AESGCM}, {true, xkMaster, xkOneByte, XChaCha20Poly1305}} {
		c, _ := NewContentCipher(v.alg, DeriveKeys(unhex(f, v.master), v.alg).Content)
		file := unhex(f, v.file)
		vecs[v.xchacha] = vec{c, file[2:HeaderSize], file[HeaderSize:]}
		f.Add(file[HeaderSize:], uint64(0), v.xchacha)
		f.Add(file[HeaderSize:len(file)-1], uint64(0), v.xchacha)
		f.Add(make([]byte, c.CipherBlockSize()), uint64(3), v.xchacha)
		f.Add(make([]byte, c.Overhead()+1), uint64(0), v.xchacha)
	}
	f.Fuzz(func(t *testing.T, block []byte, blockNo uint64, xchacha bool) {
		v := vecs[xchacha]
		out, err := v.c.OpenBlock([]byte("dst"), block, blockNo, v.id)
		if err != nil {
			if !errors.Is(err, ErrAuth) || string(out) != "dst" {
				t.Fatalf("failure returned %q, %v", out, err)
			}
			return
		}
		switch {
		case v.c.IsHole(block):
			if len(out) != 3+BlockSize || !allZero(out[3:]) {
				t.Fatalf("hole opened to %d bytes", len(out))
			}
		case bytes.Equal(block, v.block) && blockNo == 0:
			if string(out[3:]) != "A" {
				t.Fatalf("vector block opened to %q", out[3:])
			}
		default:
			t.Fatalf("forged block opened: %x (block %d) -> %q", block, blockNo, out)
		}
	})
}

func FuzzParseMasterKey(f *testing.F) {
	f.Add(FormatMasterKey(unhex(f, katMaster)))
	f.Add(katMaster)
	f.Add(strings.Join(katPrintout, "\n"))
	f.Add(strings.ToUpper(xkMaster))
	f.Add(katMaster[:63])
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseMasterKey(s)
		digits := strings.Map(func(r rune) rune {
			if strings.ContainsRune("- \t\r\n", r) {
				return -1
			}
			return r
		}, s)
		isHex := len(digits) == 64 && strings.Trim(strings.ToLower(digits), "0123456789abcdef") == ""
		if (err == nil) != isHex {
			t.Fatalf("ParseMasterKey(%q) = %x, %v; want ok=%v", s, k, err, isHex)
		}
		if err != nil {
			if k != nil {
				t.Fatalf("failure returned key %x", k)
			}
			return
		}
		if got := strings.ReplaceAll(FormatMasterKey(k), "-", ""); got != strings.ToLower(digits) {
			t.Fatalf("ParseMasterKey(%q) = %s", s, got)
		}
	})
}

func FuzzDecryptXattrName(f *testing.F) {
	f.Add(katXattrName)
	f.Add(XattrPrefix)
	f.Add("user.test")
	f.Add(XattrPrefix + "A886LmMg3Q8pefjU02-hDw")
	f.Add(katXattrName + "==")
	nc, _ := NewNameCipher(katKeys(f).Name, true)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := nc.DecryptXattrName(s)
		if err != nil {
			if !errors.Is(err, ErrBadName) || p != "" {
				t.Fatalf("DecryptXattrName(%q) = %q, %v", s, p, err)
			}
			return
		}
		if p == "" || strings.ContainsRune(p, 0) {
			t.Fatalf("DecryptXattrName(%q) returned invalid %q", s, p)
		}
		if back, err := nc.EncryptXattrName(p); err != nil || back != s {
			t.Fatalf("DecryptXattrName(%q) = %q, which encrypts to %q, %v", s, p, back, err)
		}
	})
}
