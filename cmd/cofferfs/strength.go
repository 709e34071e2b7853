package main

import (
	"bytes"
	"math"
)

// weakBits is the estimate below which a new password gets a warning:
// anyone holding gocryptfs.conf (every sync client and the provider)
// can guess offline, slowed only by scrypt.
const weakBits = 50

// commonWords are a few of the most common password stems; each counts
// as one guess among about a thousand. This is no dictionary: it only
// keeps the estimate from praising "password1234".
var commonWords = [][]byte{
	[]byte("password"), []byte("passwort"), []byte("qwerty"), []byte("azerty"), []byte("letmein"),
	[]byte("welcome"), []byte("admin"), []byte("iloveyou"), []byte("monkey"), []byte("dragon"),
	[]byte("secret"), []byte("login"), []byte("master"), []byte("abc"), []byte("pass"),
}

// passwordBits is a simple, honest estimate of a password's strength in
// bits: each character is worth log2 of the size of the character
// classes used (lower, upper, digits, other), except that a character
// repeating or continuing a run of the previous one (aaa, 123, cba) is
// worth one bit, and a common word about ten bits in all. It does not
// know dictionaries, names or keyboard walks, so it overrates those.
func passwordBits(pw []byte) float64 {
	per := math.Log2(float64(poolSize(pw)))
	lower := bytes.ToLower(pw)
	bits := 0.0
	for i := 0; i < len(pw); i++ {
		if n := commonAt(lower[i:]); n > 0 {
			bits += 10
			i += n - 1
			continue
		}
		if i > 0 && abs(int(pw[i])-int(pw[i-1])) <= 1 {
			bits++
			continue
		}
		bits += per
	}
	return bits
}

// commonAt returns the length of the common word s starts with, or 0.
func commonAt(s []byte) int {
	for _, w := range commonWords {
		if bytes.HasPrefix(s, w) {
			return len(w)
		}
	}
	return 0
}

// poolSize is the number of characters in the classes pw draws from.
func poolSize(pw []byte) int {
	var lower, upper, digit, other bool
	for _, c := range pw {
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, c := range []struct {
		used bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.used {
			n += c.size
		}
	}
	return max(n, 2)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// warnWeak warns about a new password whose estimate is below weakBits.
func (e *env) warnWeak(pw []byte) {
	if bits := passwordBits(pw); bits < weakBits {
		e.warnf("weak password: about %.0f bits by a simple estimate (want %d or more); anyone with "+
			"gocryptfs.conf can guess offline: a passphrase of several random words is better", bits, weakBits)
	}
}
