// Package fstest has helpers for tests of cofferfs: locating and
// extracting the gocryptfs reference vaults in testdata/gocryptfs-v2, and
// manifests of plaintext trees in the format of those vaults'
// plaintext-manifest.txt, so any tree can be compared with them.
package fstest
