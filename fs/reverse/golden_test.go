package reverse_test

import (
	"testing"

	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/reverse"
)

// TestGoldenView: the view of the shared reverse example equals what
// gocryptfs -reverse showed (reverse-view.tar): every name, virtual file,
// symlink target and ciphertext byte.
func TestGoldenView(t *testing.T) {
	v, _ := referenceView(t, reverse.Options{})
	want := dumpDir(t, fstest.ExtractShared(t, "reverse-view.tar"))
	got := dumpView(t, v)
	if len(want) < 10 {
		t.Fatalf("reference view has only %d entries", len(want))
	}
	compareDumps(t, got, want)
}
