package fs

import (
	"testing"

	"github.com/cofferfs/cofferfs/fs/internal/sysx"

	"github.com/cofferfs/cofferfs/crypto"
)

// TestLeftoverNames: every temporary name the code makes is recognized
// as a leftover, and names that only look alike are not.
func TestLeftoverNames(t *testing.T) {
	for i := 0; i < 1000; i++ {
		for _, name := range []string{mkdirTemp + sysx.RandSuffix(), rmdirTempName(),
			crypto.DirIVName + tmpInfix + sysx.RandSuffix(),
			crypto.LongNamePrefix + "AAAA" + crypto.LongNameSuffix + tmpInfix + sysx.RandSuffix()} {
			if leftoverKind(name) == "" {
				t.Fatalf("%q is not recognized", name)
			}
		}
	}
	for _, name := range []string{mkdirTemp + "x", mkdirTemp + "0123456789abcdeF", rmdirTemp, rmdirTemp + "12a",
		crypto.DirIVName, crypto.DirIVName + tmpInfix + "0123", "AAAA" + tmpInfix + "0123456789abcdef",
		crypto.LongNamePrefix + "AAAA" + tmpInfix + "0123456789abcdef", "gocryptfs.diriv (1)"} {
		if leftoverKind(name) != "" {
			t.Errorf("%q is taken for a leftover", name)
		}
	}
}
