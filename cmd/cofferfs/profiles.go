package main

import (
	"flag"
	"fmt"
	"strings"
)

// A profile describes what a sync provider can store. init --profile
// picks the long-name threshold (gocryptfs's LongNameMax: encrypted
// names longer than it are stored hashed, as 62-character names plus a
// .name file); check-paths compares a vault with the limits.
//
// Encrypted names are base64 of the name padded to 16 bytes, so only
// these thresholds differ in effect: 62, 86, 107, 128, 150, 171, 192,
// 214, 235 and 255 (a name of n bytes encrypts to 22 characters up to
// 15 bytes, 43 up to 31, 64 up to 47, 86 up to 63, 107 up to 79, 128
// up to 95, and so on).
type profile struct {
	name     string
	provider string
	// longNameMax is the LongNameMax that init sets.
	longNameMax int
	// maxPath is the longest path the provider (or its usual clients)
	// stores, in characters, counted from the synced folder's root.
	maxPath int
	// maxName is the longest single name it stores.
	maxName int
	// why is the limit that decided the values, in a few words.
	why string
}

var profiles = []profile{
	// OneDrive and SharePoint refuse paths over 400 characters: with 86,
	// a name of 64 bytes or more is stored in 62 characters.
	{"onedrive", "OneDrive", 86, 400, 255, "paths of at most 400 characters"},
	// Dropbox keeps 255-character names, but its Windows client cannot
	// sync paths over 260 characters (MAX_PATH).
	{"dropbox", "Dropbox", 128, 260, 255, "Windows clients: 260-character paths"},
	// Drive has no path limit and keeps 255-byte names; Drive for
	// desktop on Windows is bound by MAX_PATH.
	{"gdrive", "Google Drive", 255, 260, 255, "Windows clients: 260-character paths"},
	// The Nextcloud/ownCloud file cache holds names of 250 characters
	// and paths of 4000: 255-character names would be refused.
	{"nextcloud", "Nextcloud / ownCloud", 235, 4000, 250, "names of at most 250 characters"},
	// macOS: 255-byte names, 1024-byte paths (PATH_MAX).
	{"icloud", "iCloud Drive", 255, 1024, 255, "macOS: 1024-byte paths"},
	// Android's encrypted storage (eCryptfs) keeps names of at most 143
	// bytes; Linux paths reach 4096 bytes.
	{"syncthing", "Syncthing", 128, 4096, 143, "Android: names of at most 143 bytes"},
}

// anyProfile is what check-paths checks without --profile: the
// strictest limits of all profiles.
var anyProfile = profile{name: "any", provider: "every supported provider", maxPath: 260, maxName: 143}

// findProfile returns the profile called name.
func findProfile(name string) (profile, bool) {
	for _, p := range profiles {
		if p.name == name {
			return p, true
		}
	}
	return profile{}, false
}

// profileNames lists the profile names for usage texts.
func profileNames() string {
	var names []string
	for _, p := range profiles {
		names = append(names, p.name)
	}
	return strings.Join(names, "|")
}

// profileHelp is the table of profiles for help texts.
func profileHelp() string {
	var b strings.Builder
	b.WriteString("Profiles     LongNameMax  path  name  why\n")
	for _, p := range profiles {
		fmt.Fprintf(&b, "  %-10s %11d %5d %5d  %s\n", p.name, p.longNameMax, p.maxPath, p.maxName, p.why)
	}
	return strings.TrimRight(b.String(), "\n")
}

// applyProfile sets --longnamemax from --profile; both given must agree.
func (f *initFlags) applyProfile(e *env, c *command, fs *flag.FlagSet) error {
	if f.profile == "" {
		return nil
	}
	p, ok := findProfile(f.profile)
	if !ok {
		return e.usageError(c, "unknown --profile %q (one of %s)", f.profile, profileNames())
	}
	explicit := false
	fs.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "longnamemax" })
	if explicit && f.longNameMax != p.longNameMax {
		return e.usageError(c, "--profile %s sets --longnamemax %d; drop one of them", p.name, p.longNameMax)
	}
	f.longNameMax = p.longNameMax
	return nil
}
