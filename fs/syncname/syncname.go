// Package syncname is the grammar of sync clients' conflict names. Sync
// clients that see two versions of one file keep both: the loser gets a
// conflict marker inserted before its extension. Encrypted names have no
// dot, so there the marker is appended; gocryptfs.longname.HASH has the
// "extension" .HASH, and .name, .diriv and .conf files have theirs. This
// package recognizes the markers (Split, PlainReadings) and places them
// (Insert, Forms), so package fs can move them between backing names and
// plaintext names: a conflict copy of report.txt is shown as
// "report (conflicted copy 2026-11-26).txt".
//
// Only the grammar of the clients we know is accepted: a copy whose
// marker is anything else (a cloud planting a copy of a file under a
// name it chose, with newlines, backticks or bidi controls) stays hidden
// and is logged, as gocryptfs would hide it. The free text inside the
// parentheses of Dropbox, Nextcloud, ownCloud and Seafile markers (a user,
// device or e-mail address and a date) is at most maxMarkerText bytes of
// letters, digits, spaces and - _ . , ' ’ @ +.
//
// It is pure string work: no I/O, no state.
package syncname

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// markerRule recognizes one sync client's marker at the end of a stem.
type markerRule struct {
	client string
	// hint is a cheap test a stem must pass before re is tried.
	hint func(stem string) bool
	re   *regexp.Regexp
	// valid, if set, also checks the marker re found.
	valid func(marker string) bool
	// anyDash: the marker starts at any '-' whose tail is a host name
	// (OneDrive's host names contain dashes, and so does base64url).
	anyDash bool
}

var markerRules = []markerRule{
	{client: "Dropbox, Nextcloud, ownCloud, Seafile",
		hint:  func(s string) bool { return strings.HasSuffix(s, ")") },
		re:    regexp.MustCompile(` \(([^()/]*(?i:conflict)[^()/]*)\)( \([0-9]{1,4}\))?$`),
		valid: parenMarker},
	{client: "Google Drive",
		hint: func(s string) bool { return strings.HasSuffix(s, ")") },
		re:   regexp.MustCompile(` \([0-9]{1,4}\)$`)},
	{client: "iCloud",
		hint: func(s string) bool { return s != "" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9' },
		re:   regexp.MustCompile(` [0-9]{1,4}$`)},
	{client: "Syncthing",
		hint: func(s string) bool { return strings.Contains(s, ".sync-conflict-") },
		re:   regexp.MustCompile(`\.sync-conflict-[0-9]{8}-[0-9]{6}(-[A-Z0-9]{7})?$`)},
	{client: "ownCloud (old)",
		hint: func(s string) bool { return strings.Contains(s, "_conflict-") },
		re:   regexp.MustCompile(`_conflict-[0-9]{8}-[0-9]{6}$`)},
	{client: "OneDrive",
		hint:    func(s string) bool { return strings.Contains(s, "-") },
		anyDash: true},
}

// maxMarkerText bounds the free text of a parenthesized marker.
const maxMarkerText = 100

// parenMarker reports whether the text inside the first parentheses of
// marker (" (text)" or " (text) (N)") is what sync clients write there.
func parenMarker(marker string) bool {
	text, _, _ := strings.Cut(strings.TrimPrefix(marker, " ("), ")")
	if text == "" || len(text) > maxMarkerText || !utf8.ValidString(text) ||
		text[0] == ' ' || text[len(text)-1] == ' ' {
		return false
	}
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.,'’@+", r) {
			return false
		}
	}
	return true
}

// hostMarker reports whether s is "-" and a host name: a letter or digit,
// then up to 23 letters, digits, '_' or '-'.
func hostMarker(s string) bool {
	if len(s) < 2 || len(s) > 25 || s[0] != '-' || !isAlnum(s[1]) {
		return false
	}
	for i := 2; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// Reading is one reading of a name as original + conflict marker.
type Reading struct {
	Orig   string // the name without the marker
	Marker string // the marker exactly as found, e.g. " (1)"
	Client string // the sync client the marker is typical of
	AtEnd  bool   // the marker was at the very end, not before the extension
}

// extIndex returns where the extension of name starts (its last dot, not
// a leading one), or len(name) when it has none.
func extIndex(name string) int {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return i
	}
	return len(name)
}

// Insert puts marker before the extension of name.
func Insert(name, marker string) string {
	i := extIndex(name)
	return name[:i] + marker + name[i:]
}

// Forms returns the backing names a sync client may have given the
// conflict copy of disk: marker before the extension, or appended.
func Forms(disk, marker string) []string {
	before, after := Insert(disk, marker), disk+marker
	if before == after {
		return []string{before}
	}
	return []string{before, after}
}

// Split returns every reading of name as a name plus a conflict
// marker, marker before the extension first. It is empty for most names.
func Split(name string) []Reading {
	var out []Reading
	add := func(stem, ext string, atEnd bool) {
		for _, r := range markerRules {
			if !r.hint(stem) {
				continue
			}
			for _, k := range r.starts(stem) {
				m := Reading{Orig: stem[:k] + ext, Marker: stem[k:], Client: r.client, AtEnd: atEnd}
				if m.Orig != "" && !containsReading(out, m) {
					out = append(out, m)
				}
			}
		}
	}
	if i := extIndex(name); i < len(name) {
		add(name[:i], name[i:], false)
	}
	add(name, "", true)
	return out
}

// starts returns the offsets in stem where a marker of r begins.
func (r *markerRule) starts(stem string) []int {
	if !r.anyDash {
		if loc := r.re.FindStringIndex(stem); loc != nil && loc[0] > 0 && (r.valid == nil || r.valid(stem[loc[0]:])) {
			return []int{loc[0]}
		}
		return nil
	}
	var out []int
	for k := len(stem) - 1; k > 0 && len(stem)-k <= 25; k-- {
		if stem[k] == '-' && hostMarker(stem[k:]) {
			out = append(out, k)
		}
	}
	return out
}

func containsReading(list []Reading, m Reading) bool {
	for _, x := range list {
		if x.Orig == m.Orig && x.Marker == m.Marker {
			return true
		}
	}
	return false
}

// PlainReadings returns the readings of a plaintext name that a conflict
// copy can be shown as: the marker must sit where Insert puts it.
// OneDrive readings need a valid UTF-8 original (they are ambiguous).
func PlainReadings(name string) []Reading {
	var out []Reading
	for _, m := range Split(name) {
		if Insert(m.Orig, m.Marker) != name {
			continue
		}
		if m.Client == "OneDrive" && !utf8.ValidString(m.Orig) {
			continue
		}
		out = append(out, m)
	}
	return out
}
