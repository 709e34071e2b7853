package manifest

import (
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

func TestCachedNeedsTheSameStatKey(t *testing.T) {
	s := Entry{Path: "f", Type: "f", Size: 100, FileID: []byte("id"), Hash: []byte("h"), Ino: 7, Ctime: 42}
	for _, c := range []fs.CipherEntry{
		{Path: "f", Size: 100, Ino: 8, Ctime: 42},
		{Path: "f", Size: 100, Ino: 7, Ctime: 43},
		{Path: "f", Size: 99, Ino: 7, Ctime: 42},
	} {
		if cached(&c, s) {
			t.Errorf("cached for %+v", c)
		}
	}
	c := fs.CipherEntry{Path: "f", Size: 100, Ino: 7, Ctime: 42}
	if !cached(&c, s) || string(c.FileID) != "id" || c.Hash[0] != 'h' {
		t.Errorf("not cached: %+v", c)
	}
	if s.Ctime = 0; cached(&c, s) {
		t.Error("cached without a recorded stat key")
	}
}

func TestRacyCtimeNotRecorded(t *testing.T) {
	start := time.Unix(1000, 0)
	if e := entryOf(fs.CipherEntry{Path: "f", Ino: 1, Ctime: start.Add(-time.Second).UnixNano()}, start); e.Ctime != 0 {
		t.Error("a ctime within the racy window was recorded")
	}
	if e := entryOf(fs.CipherEntry{Path: "f", Ino: 1, Ctime: start.Add(-time.Minute).UnixNano()}, start); e.Ctime == 0 || e.Ino != 1 {
		t.Error("an old ctime was not recorded")
	}
}
