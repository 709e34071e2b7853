package crypto

import (
	"bytes"
	"errors"
	"testing"
)

var (
	testFileID  = bytes.Repeat([]byte{0xa5}, FileIDSize)
	otherFileID = bytes.Repeat([]byte{0x5a}, FileIDSize)
)

// independent reports whether two random values of the same size differ
// in at least three quarters of their byte positions. For fresh random
// values of 16 bytes or more the chance of a false alarm is below 2^-27.
func independent(a, b []byte) bool {
	d := 0
	for i := range a {
		if a[i] != b[i] {
			d++
		}
	}
	return len(a) == len(b) && 4*d >= 3*len(a)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

// mustNotOpen asserts that OpenBlock fails with ErrAuth and leaves dst as
// it was, so no plaintext of a bad block can leak to the caller.
func mustNotOpen(t *testing.T, c *ContentCipher, block []byte, blockNo uint64, id []byte, what string) {
	t.Helper()
	dst := []byte("prefix")
	out, err := c.OpenBlock(dst, block, blockNo, id)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("%v: %s: err = %v, want ErrAuth", c.Algorithm(), what, err)
	}
	if string(out) != "prefix" {
		t.Fatalf("%v: %s: OpenBlock returned %d bytes on failure", c.Algorithm(), what, len(out))
	}
}

func TestNewContentCipherErrors(t *testing.T) {
	for _, alg := range []Algorithm{AESGCM, XChaCha20Poly1305} {
		for _, n := range []int{0, 16, 24, 31, 33, 64} {
			if _, err := NewContentCipher(alg, make([]byte, n)); err == nil {
				t.Errorf("%v: %d-byte key accepted", alg, n)
			}
		}
	}
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := NewNameCipher(make([]byte, n), true); err == nil {
			t.Errorf("NewNameCipher: %d-byte key accepted", n)
		}
	}
	if _, err := NewContentCipher(Algorithm(7), make([]byte, KeySize)); err == nil {
		t.Error("unknown algorithm accepted")
	}
	if AESGCM.String() != "AES-256-GCM" || XChaCha20Poly1305.String() != "XChaCha20-Poly1305" || Algorithm(7).String() != "Algorithm(7)" {
		t.Error("Algorithm.String")
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	for alg, c := range codecs(t) {
		for _, n := range []int{0, 1, 15, 16, 17, 1000, BlockSize - 1, BlockSize} {
			plain := pattern(n)
			blk := c.SealBlock([]byte("hdr"), plain, 3, testFileID)
			if string(blk[:3]) != "hdr" || len(blk) != 3+n+c.Overhead() {
				t.Fatalf("%v: SealBlock(%d) did not append %d bytes", alg, n, n+c.Overhead())
			}
			blk = blk[3:]
			if allZero(blk[:c.NonceSize()]) {
				t.Fatalf("%v: zero nonce", alg)
			}
			if n >= 16 && bytes.Contains(blk, plain) {
				t.Fatalf("%v: plaintext visible in block", alg)
			}
			got, err := c.OpenBlock([]byte("x"), blk, 3, testFileID)
			if err != nil || !bytes.Equal(got, append([]byte("x"), plain...)) {
				t.Fatalf("%v: OpenBlock(%d) = %d bytes, %v", alg, n, len(got), err)
			}
			again := c.SealBlock(nil, plain, 3, testFileID)
			if !independent(again[:c.NonceSize()], blk[:c.NonceSize()]) {
				t.Fatalf("%v: nonce reused", alg)
			}
		}
	}
}

// TestTamperEveryBit flips each bit of a full, a partial and an empty
// block in turn. Short mode flips one bit per byte of the full block.
func TestTamperEveryBit(t *testing.T) {
	for alg, c := range codecs(t) {
		for _, n := range []int{BlockSize, 1000, 1, 0} {
			blk := c.SealBlock(nil, pattern(n), 9, testFileID)
			for i := range len(blk) * 8 {
				if testing.Short() && n == BlockSize && i%8 != i/8%8 {
					continue
				}
				blk[i/8] ^= 1 << (i % 8)
				mustNotOpen(t, c, blk, 9, testFileID, "flipped bit")
				blk[i/8] ^= 1 << (i % 8)
			}
			if _, err := c.OpenBlock(nil, blk, 9, testFileID); err != nil {
				t.Fatalf("%v: restored block does not open: %v", alg, err)
			}
		}
	}
}

func TestWrongContext(t *testing.T) {
	for alg, c := range codecs(t) {
		other, _ := NewContentCipher(alg, bytes.Repeat([]byte{1}, KeySize))
		for _, n := range []int{BlockSize, 100, 0} {
			blk := c.SealBlock(nil, pattern(n), 5, testFileID)
			mustNotOpen(t, c, blk, 4, testFileID, "block number 4")
			mustNotOpen(t, c, blk, 6, testFileID, "block number 6")
			mustNotOpen(t, c, blk, 5|1<<63, testFileID, "block number high bit")
			mustNotOpen(t, c, blk, 5, otherFileID, "other file ID")
			mustNotOpen(t, c, blk, 5, nil, "no file ID")
			mustNotOpen(t, c, blk, 5, testFileID[:15], "short file ID")
			mustNotOpen(t, other, blk, 5, testFileID, "other key")
			for l := range len(blk) {
				mustNotOpen(t, c, blk[:l], 5, testFileID, "truncated")
			}
			mustNotOpen(t, c, append(blk, 0), 5, testFileID, "extended")
		}
		// Symlink/xattr blobs (no file ID) are not interchangeable with
		// file blocks carrying an ID.
		blob := c.SealBlock(nil, []byte("target"), 0, nil)
		mustNotOpen(t, c, blob, 0, testFileID, "blob with file ID")
	}
}

func TestCrossAlgorithm(t *testing.T) {
	cs := codecs(t)
	g, x := cs[AESGCM], cs[XChaCha20Poly1305]
	mustNotOpen(t, x, g.SealBlock(nil, pattern(100), 0, testFileID), 0, testFileID, "GCM block")
	mustNotOpen(t, g, x.SealBlock(nil, pattern(100), 0, testFileID), 0, testFileID, "XChaCha block")
}

func TestHoles(t *testing.T) {
	for alg, c := range codecs(t) {
		zero := make([]byte, c.CipherBlockSize())
		if !c.IsHole(zero) {
			t.Errorf("%v: full zero block is not a hole", alg)
		}
		got, err := c.OpenBlock([]byte("p"), zero, 17, testFileID)
		if err != nil || len(got) != 1+BlockSize || got[0] != 'p' || !allZero(got[1:]) {
			t.Errorf("%v: hole opened to %d bytes, %v", alg, len(got), err)
		}
		// Shorter or longer all-zero pieces are not holes (docs/format.md §4.5 rule 2).
		for _, l := range []int{0, 1, c.NonceSize(), c.Overhead(), c.Overhead() + 1, c.CipherBlockSize() - 1, c.CipherBlockSize() + 1} {
			if c.IsHole(make([]byte, l)) {
				t.Errorf("%v: %d zero bytes is a hole", alg, l)
			}
			mustNotOpen(t, c, make([]byte, l), 0, testFileID, "short zero block")
		}
		// A full block with one non-zero byte anywhere is not a hole.
		for _, i := range []int{0, c.NonceSize(), 2000, c.CipherBlockSize() - 1} {
			zero[i] = 1
			if c.IsHole(zero) {
				t.Errorf("%v: IsHole with byte %d set", alg, i)
			}
			mustNotOpen(t, c, zero, 0, testFileID, "almost-zero block")
			zero[i] = 0
		}
	}
}

// TestZeroNonceRejected builds blocks that authenticate under an all-zero
// nonce. OpenBlock must refuse them anyway (docs/format.md §4.5 rule 3).
func TestZeroNonceRejected(t *testing.T) {
	for alg, c := range codecs(t) {
		for _, n := range []int{0, 1, BlockSize} {
			nonce := make([]byte, c.NonceSize())
			blk := c.aead.Seal(nonce, nonce, pattern(n), blockAAD(2, testFileID))
			if _, err := c.aead.Open(nil, nonce, blk[len(nonce):], blockAAD(2, testFileID)); err != nil {
				t.Fatalf("%v: test block does not authenticate: %v", alg, err)
			}
			mustNotOpen(t, c, blk, 2, testFileID, "zero nonce")
		}
	}
}

func TestBlockAAD(t *testing.T) {
	got := blockAAD(0x0102030405060708, testFileID)
	want := append([]byte{1, 2, 3, 4, 5, 6, 7, 8}, testFileID...)
	if !bytes.Equal(got, want) {
		t.Errorf("blockAAD = %x, want %x", got, want)
	}
	if got := blockAAD(0, nil); !bytes.Equal(got, make([]byte, 8)) {
		t.Errorf("blockAAD(0, nil) = %x", got)
	}
}
