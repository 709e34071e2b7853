package syncname

import (
	"strings"
	"testing"
)

// TestSplitMarkers reads every sync client's conflict marker off backing
// names (short, hashed long, .name and diriv) and plaintext names.
func TestSplitMarkers(t *testing.T) {
	const c = "Xk3_9-AbCdEfGhIjKlMnOp" // a 22-character encrypted name
	const long = "gocryptfs.longname.5GDp9egQReOYWW4r94WL2RXvaHrnhY_IJVoPvh8XZaI"
	for _, tc := range []struct{ name, orig, marker string }{
		{c + " (laptop's conflicted copy 2026-11-26)", c, " (laptop's conflicted copy 2026-11-26)"},
		{c + " (conflicted copy 2026-11-26)", c, " (conflicted copy 2026-11-26)"},
		{c + " (conflicted copy 2026-11-26) (1)", c, " (conflicted copy 2026-11-26) (1)"},
		{c + " (conflicted copy 2026-11-26 101010)", c, " (conflicted copy 2026-11-26 101010)"},
		{c + " (SFConflict alice@example.com 2026-11-26-10-10-10)", c, " (SFConflict alice@example.com 2026-11-26-10-10-10)"},
		{c + " (Case Conflict)", c, " (Case Conflict)"},
		{c + " (1)", c, " (1)"},
		{c + " 2", c, " 2"},
		{c + "-DESKTOP-AB12CD", c, "-DESKTOP-AB12CD"},
		{c + ".sync-conflict-20261126-101010-ABCDEFG", c, ".sync-conflict-20261126-101010-ABCDEFG"},
		{c + "_conflict-20261126-101010", c, "_conflict-20261126-101010"},
		{"gocryptfs.longname (conflicted copy 2026-11-26).5GDp9egQReOYWW4r94WL2RXvaHrnhY_IJVoPvh8XZaI", long, " (conflicted copy 2026-11-26)"},
		{"gocryptfs.longname.sync-conflict-20261126-101010-ABCDEFG.5GDp9egQReOYWW4r94WL2RXvaHrnhY_IJVoPvh8XZaI", long, ".sync-conflict-20261126-101010-ABCDEFG"},
		{long + " (1)", long, " (1)"},
		{long + " (conflicted copy 2026-11-26).name", long + ".name", " (conflicted copy 2026-11-26)"},
		{"gocryptfs (conflicted copy 2026-11-26).diriv", "gocryptfs.diriv", " (conflicted copy 2026-11-26)"},
		{"gocryptfs.sync-conflict-20261126-101010-ABCDEFG.diriv", "gocryptfs.diriv", ".sync-conflict-20261126-101010-ABCDEFG"},
		{"gocryptfs-LAPTOP.diriv", "gocryptfs.diriv", "-LAPTOP"},
		{"report (conflicted copy 2026-11-26).txt", "report.txt", " (conflicted copy 2026-11-26)"},
		{"report.sync-conflict-20261126-101010-ABCDEFG.txt", "report.txt", ".sync-conflict-20261126-101010-ABCDEFG"},
		{"README.sync-conflict-20261126-101010-ABCDEFG", "README", ".sync-conflict-20261126-101010-ABCDEFG"},
		{".bashrc (1)", ".bashrc", " (1)"},
	} {
		found := false
		for _, m := range Split(tc.name) {
			if m.Orig == tc.orig && m.Marker == tc.marker {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: no reading (%q, %q) in %+v", tc.name, tc.orig, tc.marker, Split(tc.name))
		}
	}
	for _, plain := range []string{c, long, "report.txt", "gocryptfs.diriv", "a", "(1)", " (1)"} {
		if got := PlainReadings(plain); len(got) != 0 && plain != c {
			t.Errorf("%q: readings %+v, want none", plain, got)
		}
	}
}

// TestInsertMarker checks that a marker inserted into a plaintext name is
// read back off it.
func TestInsertMarker(t *testing.T) {
	for _, tc := range []struct{ name, marker, want string }{
		{"report.txt", " (1)", "report (1).txt"},
		{"archive.tar.gz", " (conflicted copy 2026-11-26)", "archive.tar (conflicted copy 2026-11-26).gz"},
		{"README", ".sync-conflict-20261126-101010-ABCDEFG", "README.sync-conflict-20261126-101010-ABCDEFG"},
		{".profile", "-LAPTOP", ".profile-LAPTOP"},
		{"notes.md", "-DESKTOP-AB12CD", "notes-DESKTOP-AB12CD.md"},
	} {
		got := Insert(tc.name, tc.marker)
		if got != tc.want {
			t.Errorf("Insert(%q, %q) = %q, want %q", tc.name, tc.marker, got, tc.want)
		}
		ok := false
		for _, m := range PlainReadings(got) {
			ok = ok || m.Orig == tc.name && m.Marker == tc.marker
		}
		if !ok {
			t.Errorf("%q: marker %q not read back: %+v", got, tc.marker, PlainReadings(got))
		}
	}
}

// TestSplitMarkersHostile refuses marker text no known sync client
// writes: a planted copy must not be shown under a name the cloud chose.
func TestSplitMarkersHostile(t *testing.T) {
	const c = "Xk3_9-AbCdEfGhIjKlMnOp"
	for _, marker := range []string{
		" (conflict\n`reboot`)",
		" (conflicted copy $(id))",
		" (conflict \x1b[2J)",
		" (conflict \u202etxt.exe)",
		" (conflict " + strings.Repeat("a", 200) + ")",
		" (not a copy)",
		" (conflict\ttab)",
		" (conflicted copy 2026-11-26) (12345)",
	} {
		for _, name := range []string{c + marker, "report" + marker + ".txt"} {
			for _, m := range Split(name) {
				if strings.HasSuffix(marker, m.Marker) && len(m.Marker) > 5 {
					t.Errorf("%q: accepted marker %q", name, m.Marker)
				}
			}
		}
	}
	// What the clients write is still accepted, also with non-ASCII names.
	for _, marker := range []string{" (Jörg's conflicted copy 2026-11-26)", " (conflicted copy 2026-11-26 101010)",
		" (Selective Sync Conflict)", " (SFConflict alice+x@example.com 2026-11-26-10-10-10)"} {
		if ms := Split(c + marker); len(ms) == 0 || ms[0].Marker != marker {
			t.Errorf("%q: not accepted: %+v", marker, ms)
		}
	}
}
