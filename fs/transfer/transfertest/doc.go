// Package transfertest has helpers for tests of exports and imports: a
// varied plain tree, a comparison of two trees that goes beyond the
// manifest (hard links, modification times), and throwaway vaults.
package transfertest
