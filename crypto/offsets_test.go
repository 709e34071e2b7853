package crypto

import (
	"math/rand/v2"
	"testing"
)

// codecs returns one content codec per algorithm, under a fixed key.
func codecs(t testing.TB) map[Algorithm]*ContentCipher {
	m := map[Algorithm]*ContentCipher{}
	for _, alg := range []Algorithm{AESGCM, XChaCha20Poly1305} {
		c, err := NewContentCipher(alg, make([]byte, KeySize))
		if err != nil {
			t.Fatal(err)
		}
		m[alg] = c
	}
	return m
}

func TestCodecGeometry(t *testing.T) {
	cs := codecs(t)
	for alg, want := range map[Algorithm][3]int{
		AESGCM:            {16, 32, 4128},
		XChaCha20Poly1305: {24, 40, 4136},
	} {
		c := cs[alg]
		if got := [3]int{c.NonceSize(), c.Overhead(), c.CipherBlockSize()}; got != want {
			t.Errorf("%v: nonce/overhead/CBS = %v, want %v", alg, got, want)
		}
		if c.Algorithm() != alg {
			t.Errorf("Algorithm() = %v, want %v", c.Algorithm(), alg)
		}
	}
}

// Sizes from docs/format.md §4.6 (most confirmed with gocryptfs 2.3) plus the
// 8191..8193 boundary, worked out by hand: 18 + p + blocks*overhead.
var sizeTable = []struct{ plain, gcm, xchacha uint64 }{
	{0, 0, 0},
	{1, 51, 59},
	{2, 52, 60},
	{4095, 4145, 4153},
	{4096, 4146, 4154},
	{4097, 4179, 4195},
	{5000, 5082, 5098},
	{8191, 8273, 8289},
	{8192, 8274, 8290},
	{8193, 8307, 8331},
	{10000, 10114, 10138},
	{100000, 100818, 101018},
	{1 << 20, 1056786, 1058834},
}

func TestSizeTable(t *testing.T) {
	cs := codecs(t)
	for _, r := range sizeTable {
		for alg, want := range map[Algorithm]uint64{AESGCM: r.gcm, XChaCha20Poly1305: r.xchacha} {
			c := cs[alg]
			if got := c.CipherSize(r.plain); got != want {
				t.Errorf("%v: CipherSize(%d) = %d, want %d", alg, r.plain, got, want)
			}
			if got := c.PlainSize(want); got != r.plain {
				t.Errorf("%v: PlainSize(%d) = %d, want %d", alg, want, got, r.plain)
			}
			if !c.FragmentValid(want) {
				t.Errorf("%v: FragmentValid(%d) = false", alg, want)
			}
		}
	}
}

// TestPlainSizeCorrupt covers header-only stubs and trailing fragments too
// short to hold a byte (1..overhead bytes): they count as one byte.
func TestPlainSizeCorrupt(t *testing.T) {
	cs := codecs(t)
	for _, r := range []struct {
		alg          Algorithm
		cipher, want uint64
		valid        bool
	}{
		{AESGCM, 1, 0, false}, {AESGCM, 17, 0, false}, {AESGCM, 18, 0, false},
		{AESGCM, 19, 1, false}, {AESGCM, 50, 1, false}, {AESGCM, 51, 1, true},
		{AESGCM, 4147, 4097, false}, {AESGCM, 4178, 4097, false}, {AESGCM, 4180, 4098, true},
		{AESGCM, 8275, 8193, false}, {AESGCM, 8306, 8193, false},
		{XChaCha20Poly1305, 18, 0, false}, {XChaCha20Poly1305, 19, 1, false},
		{XChaCha20Poly1305, 58, 1, false}, {XChaCha20Poly1305, 59, 1, true},
		{XChaCha20Poly1305, 4155, 4097, false}, {XChaCha20Poly1305, 4194, 4097, false},
		{XChaCha20Poly1305, 4196, 4098, true},
	} {
		c := cs[r.alg]
		if got := c.PlainSize(r.cipher); got != r.want {
			t.Errorf("%v: PlainSize(%d) = %d, want %d", r.alg, r.cipher, got, r.want)
		}
		if got := c.FragmentValid(r.cipher); got != r.valid {
			t.Errorf("%v: FragmentValid(%d) = %v, want %v", r.alg, r.cipher, got, r.valid)
		}
	}
}

// TestSizeModel checks every size up to three blocks and a bit against a
// model built only from CipherSize: valid sizes are exactly the images of
// CipherSize, and an invalid size above the header reads like the next
// valid size (the corrupt fragment counts as one byte).
func TestSizeModel(t *testing.T) {
	const maxPlain = 3*BlockSize + 200
	for alg, c := range codecs(t) {
		plainOf := map[uint64]uint64{}
		prev := uint64(0)
		for p := uint64(0); p <= maxPlain; p++ {
			cs := c.CipherSize(p)
			if p > 0 && cs <= prev {
				t.Fatalf("%v: CipherSize not increasing at %d", alg, p)
			}
			prev = cs
			plainOf[cs] = p
			if got := c.PlainSize(cs); got != p {
				t.Fatalf("%v: PlainSize(CipherSize(%d)) = %d", alg, p, got)
			}
		}
		next := c.CipherSize(maxPlain)
		for cs := next; cs > 0; cs-- {
			p, valid := plainOf[cs]
			if valid {
				next = cs
			}
			if got := c.FragmentValid(cs); got != valid {
				t.Fatalf("%v: FragmentValid(%d) = %v, want %v", alg, cs, got, valid)
			}
			want := plainOf[next]
			if valid {
				want = p
			} else if cs <= HeaderSize {
				want = 0
			}
			if got := c.PlainSize(cs); got != want {
				t.Fatalf("%v: PlainSize(%d) = %d, want %d", alg, cs, got, want)
			}
		}
	}
}

func TestBlockOffset(t *testing.T) {
	cs := codecs(t)
	for _, r := range []struct {
		block        uint64
		gcm, xchacha int64
	}{
		{0, 18, 18},
		{1, 4146, 4154},
		{2, 8274, 8290},
		{122, 503634, 504610}, // sparse.bin's real block
		{1 << 30, 18 + 4128<<30, 18 + 4136<<30},
	} {
		if got := cs[AESGCM].BlockOffset(r.block); got != r.gcm {
			t.Errorf("GCM BlockOffset(%d) = %d, want %d", r.block, got, r.gcm)
		}
		if got := cs[XChaCha20Poly1305].BlockOffset(r.block); got != r.xchacha {
			t.Errorf("XChaCha BlockOffset(%d) = %d, want %d", r.block, got, r.xchacha)
		}
	}
}

func TestBlockRange(t *testing.T) {
	for _, r := range []struct{ off, n, first, count uint64 }{
		{0, 0, 0, 0},
		{5000, 0, 1, 0},
		{0, 1, 0, 1},
		{0, 4095, 0, 1},
		{0, 4096, 0, 1},
		{0, 4097, 0, 2},
		{4095, 1, 0, 1},
		{4095, 2, 0, 2},
		{4096, 1, 1, 1},
		{4096, 4096, 1, 1},
		{4096, 4097, 1, 2},
		{1, 8191, 0, 2},
		{1, 8192, 0, 3},
		{500000, 5, 122, 1},
		{1 << 40, 1 << 20, 1 << 28, 256},
	} {
		f, c := BlockRange(r.off, r.n)
		if f != r.first || c != r.count {
			t.Errorf("BlockRange(%d, %d) = %d, %d; want %d, %d", r.off, r.n, f, c, r.first, r.count)
		}
	}
}

// TestBlockRangeCovers checks on random ranges that the blocks cover the
// range and that dropping the first or last block would not.
func TestBlockRangeCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		off := rng.Uint64N(1 << 40)
		n := 1 + rng.Uint64N(5*BlockSize)
		f, c := BlockRange(off, n)
		start, end := f*BlockSize, (f+c)*BlockSize
		if c == 0 || start > off || end < off+n {
			t.Fatalf("BlockRange(%d, %d) = %d, %d does not cover", off, n, f, c)
		}
		if start+BlockSize <= off || end-BlockSize >= off+n {
			t.Fatalf("BlockRange(%d, %d) = %d, %d is not minimal", off, n, f, c)
		}
	}
}
