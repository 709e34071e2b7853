package crypto

import "crypto/subtle"

// infoKeyCheck is cofferfs's own HKDF info string for the key check; no
// gocryptfs key uses it, so the check says nothing about any real key.
const infoKeyCheck = "cofferfs recovery key check"

// KeyCheckSize is the size of a key check.
const KeyCheckSize = 16

// KeyCheck returns a value that proves knowledge of the master key
// without revealing it: 16 bytes of HKDF output under an info string of
// its own. A vault stores it so that a recovery key can be checked even
// when the vault holds no data to decrypt.
func KeyCheck(master []byte) []byte {
	k := hkdfKey(master, infoKeyCheck)
	defer clear(k)
	return append([]byte(nil), k[:KeyCheckSize]...)
}

// MatchKeyCheck reports, in constant time, whether check is the key
// check of master.
func MatchKeyCheck(master, check []byte) bool {
	want := KeyCheck(master)
	return len(check) == KeyCheckSize && subtle.ConstantTimeCompare(want, check) == 1
}
