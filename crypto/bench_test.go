package crypto

import (
	"fmt"
	"testing"
)

func BenchmarkSealBlock(b *testing.B) {
	cs := codecs(b)
	for _, alg := range []Algorithm{AESGCM, XChaCha20Poly1305} {
		c := cs[alg]
		b.Run(alg.String(), func(b *testing.B) {
			plain := pattern(BlockSize)
			buf := make([]byte, 0, c.CipherBlockSize())
			b.SetBytes(BlockSize)
			b.ReportAllocs()
			for b.Loop() {
				buf = c.SealBlock(buf[:0], plain, 1, testFileID)
			}
		})
	}
}

func BenchmarkOpenBlock(b *testing.B) {
	cs := codecs(b)
	for _, alg := range []Algorithm{AESGCM, XChaCha20Poly1305} {
		c := cs[alg]
		b.Run(alg.String(), func(b *testing.B) {
			blk := c.SealBlock(nil, pattern(BlockSize), 1, testFileID)
			buf := make([]byte, 0, BlockSize)
			b.SetBytes(BlockSize)
			b.ReportAllocs()
			var err error
			for b.Loop() {
				if buf, err = c.OpenBlock(buf[:0], blk, 1, testFileID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchName is a typical 20-byte file name.
const benchName = "IMG_20240101_123.jpg"

func BenchmarkEncryptName(b *testing.B) {
	nc := nameCiphers(b)["raw64"]
	b.SetBytes(int64(len(benchName)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.EncryptName(benchName, testIV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptName(b *testing.B) {
	nc := nameCiphers(b)["raw64"]
	enc, err := nc.EncryptName(benchName, testIV)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchName)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.DecryptName(enc, testIV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLongName(b *testing.B) {
	nc := nameCiphers(b)["raw64"]
	for _, name := range []string{longVectorName, utf8Name(NameMax)} {
		b.Run(fmt.Sprint(len(name)), func(b *testing.B) {
			enc, err := nc.EncryptName(name, testIV)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				_ = nc.LongName(enc)
			}
		})
	}
}
