package fsck_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cofferfs/cofferfs/fs/fsck"
)

// TestRepairUnfinishedNameFile: the temporary file a .name file is
// written to, left by a crash (kill -9 of the daemon during a rename to
// a long name), is removed at once, whether or not its object exists;
// the entries around it stay.
func TestRepairUnfinishedNameFile(t *testing.T) {
	v := newVault(t)
	kept := strings.Repeat("k", 200)
	write(t, v.FS, kept, []byte("kept"))
	kb := v.backing(t, kept)
	name, err := os.ReadFile(kb + ".name")
	must(t, err)
	tmpKept := kb + ".name.tmp0123456789abcdef.name"
	must(t, os.WriteFile(tmpKept, name, 0o444))
	gone := strings.Repeat("g", 200)
	write(t, v.FS, gone, nil)
	gb := v.backing(t, gone)
	tmpGone := gb + ".name.tmpfedcba9876543210.name"
	must(t, os.Rename(gb+".name", tmpGone))
	must(t, os.Remove(gb))

	rep, err := fsck.Check(context.Background(), v.open(t), fsck.Options{Repair: true})
	must(t, err)
	if n := len(kinds(rep)[fsck.OrphanName]); n != 2 || rep.Unrepaired() != 0 {
		t.Errorf("want 2 repaired orphan .name findings, got %+v", rep.Findings)
	}
	for _, tmp := range []string{tmpKept, tmpGone} {
		if _, err := os.Stat(tmp); !os.IsNotExist(err) {
			t.Errorf("%s still there after the repair: %v", tmp, err)
		}
	}
	if got := read(t, v.open(t), kept); string(got) != "kept" {
		t.Errorf("%s reads %q after the repair", kept, got)
	}
	gocryptfsFsck(t, v)
}
