package fs

import (
	"context"
	"errors"
	"fmt"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// A directory deleted or renamed on one machine while another adds a
// file to it comes back from every sync client as a directory holding
// the new file and no gocryptfs.diriv: the IV went with the deletion or
// the rename. Its names cannot be decrypted, and no sync client will
// ever deliver the diriv. A renamed directory keeps its IV, so the IV
// usually still exists elsewhere in the vault; RecoverDirIV finds it.
// Otherwise EvacuateDir moves the entries out under their encrypted
// names (file contents do not depend on the directory IV).

// SyncGrace is how long an object may stay incomplete while a sync
// client delivers the rest; after that it counts as left behind.
const SyncGrace = 15 * time.Minute

// ErrDirIVLost is wrapped by a *LostIVError.
var ErrDirIVLost = errors.New("directory IV lost")

// LostIVError reports a directory whose gocryptfs.diriv has been missing
// for longer than SyncGrace: a sync client recreated it without its IV.
type LostIVError struct {
	// Path is the plaintext path of the directory.
	Path string
	// Age is how long the directory has not changed.
	Age time.Duration
}

// Error implements error.
func (e *LostIVError) Error() string {
	return fmt.Sprintf("fs: directory %q has had no gocryptfs.diriv for %s: a sync client recreated it without its IV "+
		"(it was deleted or renamed on another machine while something was added to it); "+
		"cofferfs fsck --repair recovers its entries", e.Path, Minutes(e.Age))
}

// Unwrap returns ErrDirIVLost.
func (e *LostIVError) Unwrap() error { return ErrDirIVLost }

// lostIV turns the error of a missing diriv of the directory dirfd into
// a *LostIVError once the directory has not changed for SyncGrace.
func (f *FS) lostIV(dirfd int, path string, err error) error {
	var st unix.Stat_t
	if !IsIncomplete(err) || unix.Fstat(dirfd, &st) != nil {
		return err
	}
	if age := f.now().Sub(time.Unix(st.Ctim.Unix())); age >= SyncGrace {
		return &LostIVError{Path: path, Age: age}
	}
	return err
}

// IVIndex is every directory IV found in a vault's backing tree: each
// gocryptfs.diriv, its conflict copies and the dirivs of removed
// directories. Build it with IndexDirIVs.
type IVIndex struct {
	ivs []foundIV
}

type foundIV struct {
	iv    []byte
	where string // the cipher path of the file it is in
}

// maxIndexDepth bounds the directory depth IndexDirIVs descends to.
const maxIndexDepth = 256

// IndexDirIVs reads every directory IV of the vault.
func (f *FS) IndexDirIVs(ctx context.Context) (*IVIndex, error) {
	idx := &IVIndex{}
	seen := map[string]bool{}
	return idx, f.indexDir(ctx, f.root, "", 0, idx, seen)
}

func (f *FS) indexDir(ctx context.Context, dirfd int, dir string, depth int, idx *IVIndex, seen map[string]bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ents, err := readDirents(dirfd)
	if err != nil {
		return nil // unreadable: nothing to find here
	}
	for _, e := range ents {
		if e.Type == 0 { // the file system did not say
			var st unix.Stat_t
			if unix.Fstatat(dirfd, e.Name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
				e.Type = st.Mode & unix.S_IFMT
			}
		}
		switch {
		case e.Type == unix.S_IFDIR && depth < maxIndexDepth:
			sub, err := unix.Openat(dirfd, e.Name, walkFlags, 0)
			if err != nil {
				continue
			}
			err = f.indexDir(ctx, sub, path.Join(dir, e.Name), depth+1, idx, seen)
			unix.Close(sub)
			if err != nil {
				return err
			}
		case isIVFile(e.Name):
			if iv := readIVFile(dirfd, e.Name); iv != nil && !seen[string(iv)] {
				seen[string(iv)] = true
				idx.ivs = append(idx.ivs, foundIV{iv: iv, where: path.Join(dir, e.Name)})
			}
		}
	}
	return nil
}

// isIVFile reports a backing name that may hold a directory IV.
func isIVFile(disk string) bool {
	if disk == crypto.DirIVName || strings.HasPrefix(disk, rmdirTemp) {
		return true
	}
	for _, m := range syncname.Split(disk) {
		if m.Orig == crypto.DirIVName {
			return true
		}
	}
	return false
}

// RecoverDirIV gives the directory at path, whose gocryptfs.diriv is
// missing, the one IV of idx under which every encrypted name in it
// decrypts to a plausible name (valid UTF-8, no control characters). EME
// names are not authenticated, so a wrong IV decrypts a name by chance
// with a probability of about 2^-28 for a short name (far less for a
// longer one, and for several names): two IVs that both fit are refused
// as ambiguous. It returns what it did, or an error wrapping
// ErrNotProvable.
func (f *FS) RecoverDirIV(path string, idx *IVIndex) (string, error) {
	if err := f.checkWritable(); err != nil {
		return "", err
	}
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return "", err
	}
	defer done()
	if _, err := f.dirIV(fd, path); !IsIncomplete(err) {
		return "", fmt.Errorf("fs: directory IV of %q is not missing: %w", path, ErrNotProvable)
	}
	names, err := f.cipherNames(fd, path == "")
	if err != nil {
		return "", wrapErr(err, "read directory", path)
	}
	var fits []foundIV
	for _, c := range idx.ivs {
		if len(names) > 0 && f.allPlausible(names, c.iv) {
			fits = append(fits, c)
		}
	}
	if len(fits) != 1 {
		return "", fmt.Errorf("fs: directory IV of %q: %d IVs of the vault decrypt all %d names: %w", path, len(fits), len(names), ErrNotProvable)
	}
	defer f.dirs.invalidate(path)
	var st unix.Stat_t
	if unix.Fstatat(fd, crypto.DirIVName, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Size == 0 && st.Mode&unix.S_IFMT == unix.S_IFREG {
		unix.Unlinkat(fd, crypto.DirIVName, 0) // empty: it holds nothing
	}
	if err := f.writeSmall(fd, crypto.DirIVName, fits[0].iv, 0o444); err != nil {
		return "", wrapErr(err, "write directory IV of", path)
	}
	return fmt.Sprintf("gocryptfs.diriv restored: all %d names decrypt with the IV in %s (the directory was renamed there, or that is a copy)",
		len(names), fits[0].where), nil
}

// cipherNames returns the full encrypted names of the entries of dirfd
// that can be encrypted names at all (base64 of whole EME blocks),
// reading the .name file of a long name.
func (f *FS) cipherNames(dirfd int, root bool) ([]string, error) {
	raw, err := readDirents(dirfd)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range raw {
		if f.isSpecial(r.Name, root) || leftoverKind(r.Name) != "" {
			continue
		}
		cipher := r.Name
		if crypto.IsLongName(r.Name) {
			if cipher, err = f.readLongName(dirfd, r.Name); err != nil {
				continue
			}
		}
		if ct, err := f.names.Encoding().Strict().DecodeString(cipher); err == nil && len(ct) > 0 && len(ct)%16 == 0 {
			out = append(out, cipher)
		}
	}
	return out, nil
}

// allPlausible reports whether every name decrypts under iv to a
// plausible name.
func (f *FS) allPlausible(names []string, iv []byte) bool {
	for _, n := range names {
		plain, err := f.names.DecryptName(n, iv)
		if err != nil || !plausibleName(plain) {
			return false
		}
	}
	return true
}

// plausibleName reports a name a person or program would give: valid
// UTF-8 without control characters.
func plausibleName(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// EvacuateDir moves every backing entry of the directory at path (whose
// names cannot be decrypted) into the existing plaintext directory to,
// each named by its backing name, and returns those names. Names the
// format keeps out of the plaintext view stay.
func (f *FS) EvacuateDir(path, to string) ([]string, error) {
	if err := f.checkWritable(); err != nil {
		return nil, err
	}
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return nil, err
	}
	raw, err := readDirents(fd)
	done()
	if err != nil {
		return nil, wrapErr(err, "read directory", path)
	}
	var moved []string
	for _, r := range raw {
		if f.isSpecial(r.Name, path == "") || leftoverKind(r.Name) != "" {
			continue
		}
		if err := f.Inspect().MoveBacking(path, r.Name, to+"/"+r.Name); err != nil {
			return moved, err
		}
		moved = append(moved, r.Name)
	}
	return moved, nil
}

// Minutes renders an age rounded to whole minutes in FormatDuration's
// format: "0s", "12m", "1h5m", "2h".
func Minutes(d time.Duration) string { return FormatDuration(max(d, 0).Round(time.Minute)) }

// FormatDuration renders d the one way cofferfs prints a duration, which
// is also how its duration flags take one: Go's notation without the
// zero units, "45s", "12m", "1h5m", "1m30s", "300ms", "1.5s". From a
// second up it is rounded to milliseconds, from a minute up to whole
// seconds.
func FormatDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Millisecond:
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}
