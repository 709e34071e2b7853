// Package eme implements the EME wide-block cipher mode (ECB-Mix-ECB) of
// Halevi and Rogaway, "A Parallelizable Enciphering Mode" (2003), over a
// 128-bit block cipher, with the little-endian doubling used by gocryptfs.
//
// EME is a tweakable, length-preserving enciphering mode: every output bit
// depends on every input bit, so equal prefixes of two names do not produce
// equal ciphertext prefixes.
package eme
