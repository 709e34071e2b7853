// Package vault is the one way to create and open a cofferfs vault (a
// gocryptfs v2 cipherdir): Create writes the config and the root
// directory IV of a new vault, Open loads the config and opens the
// plaintext view (package fs) with the master key. The CLI, the benchmark
// and the test helpers all use it, so every vault gets the same checks.
//
// It joins package config (gocryptfs.conf) and package fs (the view),
// which do not know each other.
//
// Security: the root IV is 16 random bytes that are never all zero,
// created exclusively, read-only (0444) and synced before the config is
// written. The caller owns the password and the master key and clears
// them; this package keeps no copy.
package vault
