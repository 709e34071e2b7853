package fs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"golang.org/x/sys/unix"
)

// Conflict is a backing entry shown under a conflict name: a sync
// client's conflict copy, or a name encrypted under a conflict copy of
// its directory's gocryptfs.diriv.
type Conflict struct {
	// Name is the plaintext name shown, marker included.
	Name string
	// Plain is the decrypted name without the marker.
	Plain string
	// Disk is the backing name.
	Disk string
	// Marker is the sync client's marker, e.g. " (conflicted copy 2026-11-26)".
	Marker string
	// Client names the sync clients that write markers of this form.
	Client string
	// IVCopy is the backing name of the diriv copy whose IV decrypts the
	// name, or "" when the directory's own IV does.
	IVCopy string
}

// ivCopy is a conflict copy of gocryptfs.diriv in a listed directory.
type ivCopy struct {
	disk, marker string
	iv           []byte // nil when the copy is not a valid IV
}

// conflictSet resolves the backing names of one directory listing that
// do not decrypt with the directory's IV.
type conflictSet struct {
	f          *FS
	dirfd      int
	path       string
	iv         []byte // nil when the directory's own IV is unusable
	raw        []DirEntry
	loaded     bool
	names      map[string]bool
	nameCopies map[string][]string // .name file -> its conflict copies
	ivCopies   []ivCopy
	shown      map[string]bool
	found      []Conflict
}

// newConflictSet prepares the resolution of the listing raw of the
// backing directory dirfd (plaintext path, IV). It costs nothing until
// a name does not decrypt.
func (f *FS) newConflictSet(dirfd int, path string, iv []byte, raw []DirEntry) *conflictSet {
	return &conflictSet{f: f, dirfd: dirfd, path: path, iv: iv, raw: raw}
}

// load indexes the listing: every name, the conflict copies of .name
// files, and the conflict copies of gocryptfs.diriv with their IVs.
func (cs *conflictSet) load() {
	if cs.loaded {
		return
	}
	cs.loaded = true
	cs.names, cs.nameCopies, cs.shown = make(map[string]bool, len(cs.raw)), map[string][]string{}, map[string]bool{}
	for _, r := range cs.raw {
		cs.names[r.Name] = true
		if !strings.HasPrefix(r.Name, "gocryptfs") || wellFormedLong(r.Name) {
			continue
		}
		for _, m := range syncname.Split(r.Name) {
			if crypto.IsLongNameFile(m.Orig) {
				cs.nameCopies[m.Orig] = append(cs.nameCopies[m.Orig], r.Name)
			}
		}
	}
	cs.ivCopies = cs.f.findIVCopies(cs.dirfd, cs.raw)
}

// wellFormedLong reports an ordinary hashed name or .name file: the
// prefix, 43 or 44 base64url characters, and an optional ".name".
func wellFormedLong(disk string) bool {
	rest, ok := strings.CutPrefix(disk, crypto.LongNamePrefix)
	rest = strings.TrimSuffix(rest, crypto.LongNameSuffix)
	if !ok || len(rest) < 43 || len(rest) > 44 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
			return false
		}
	}
	return true
}

// isConflictSpecial reports conflict copies of names the format keeps
// out of the view: diriv, .name and (in the root) config files, and the
// .name file of a conflict copy of a long name.
func (f *FS) isConflictSpecial(disk string, root bool) bool {
	if !strings.HasPrefix(disk, "gocryptfs") || wellFormedLong(disk) {
		return false
	}
	for _, m := range syncname.Split(disk) {
		if m.Orig == crypto.DirIVName && f.opts.DirIV || crypto.IsLongNameFile(m.Orig) ||
			root && strings.HasPrefix(m.Orig, crypto.ConfigName) {
			return true
		}
	}
	if base, ok := strings.CutSuffix(disk, crypto.LongNameSuffix); ok {
		for _, m := range syncname.Split(base) {
			if crypto.IsLongName(m.Orig) {
				return true
			}
		}
	}
	return false
}

// resolve returns the name to show for backing entry disk, which did not
// decrypt with the directory's IV (err), or the error to report.
func (cs *conflictSet) resolve(disk string, err error) (string, error) {
	cs.load()
	if crypto.IsLongName(disk) && cs.iv != nil {
		// Its .name file may exist only as a conflict copy.
		if plain, derr := cs.decrypt(disk, disk, cs.iv); derr == nil {
			return plain, nil
		}
	}
	for _, m := range syncname.Split(disk) {
		if cs.iv == nil {
			break
		}
		plain, derr := cs.decrypt(m.Orig, disk, cs.iv)
		if derr == nil && (m.Client != "OneDrive" || utf8.ValidString(plain)) {
			return cs.show(Conflict{Plain: plain, Disk: disk, Marker: m.Marker, Client: m.Client})
		}
	}
	for i, c := range cs.ivCopies {
		if c.iv == nil {
			continue
		}
		if plain, derr := cs.decrypt(disk, disk, c.iv); derr == nil {
			return cs.showIVCopy(plain, disk, i)
		}
	}
	if inc := cs.incomplete(disk); inc != nil {
		return "", inc
	}
	if uerr := cs.unknownMarker(disk); uerr != nil {
		return "", uerr
	}
	return "", err
}

// recheck returns the name to show for the backing entry disk, which
// decrypted with the directory's IV to name, not valid UTF-8. EME names
// carry no authentication: a name encrypted with another IV decrypts to
// garbage about once in 300. If it decrypts to valid UTF-8 with the IV
// of a diriv conflict copy, it was encrypted with that one.
func (cs *conflictSet) recheck(disk, name string) string {
	cs.load()
	for i, c := range cs.ivCopies {
		if c.iv == nil {
			continue
		}
		plain, err := cs.decrypt(disk, disk, c.iv)
		if err != nil || !utf8.ValidString(plain) {
			continue
		}
		if shown, err := cs.showIVCopy(plain, disk, i); err == nil {
			return shown
		}
	}
	return name
}

// showIVCopy records the entry disk, whose name decrypts to plain under
// the IV of the i-th diriv copy, and returns the name to show: plain
// itself, unless a lookup of plain finds another entry first (one under
// the directory's own IV or an earlier copy's IV, see findUnderIVCopy);
// then plain with the copy's marker.
func (cs *conflictSet) showIVCopy(plain, disk string, i int) (string, error) {
	c := cs.ivCopies[i]
	cf := Conflict{Plain: plain, Disk: disk, Marker: c.marker, Client: "diriv conflict", IVCopy: c.disk}
	taken := cs.shown[plain] || crypto.ValidName(plain) != nil || cs.nameIn(plain, cs.iv)
	for _, o := range cs.ivCopies[:i] {
		taken = taken || cs.nameIn(plain, o.iv)
	}
	if taken {
		return cs.show(cf)
	}
	cf.Name = plain
	cs.shown[plain] = true
	cs.found = append(cs.found, cf)
	return plain, nil
}

// nameIn reports whether plain encrypted under iv is a backing name of
// the directory.
func (cs *conflictSet) nameIn(plain string, iv []byte) bool {
	if iv == nil {
		return false
	}
	_, disk, err := cs.f.encryptName(plain, iv)
	return err == nil && cs.names[disk]
}

// show records a conflict entry and returns its name, unless that name
// is taken by an ordinary entry or another conflict copy.
func (cs *conflictSet) show(c Conflict) (string, error) {
	c.Name = syncname.Insert(c.Plain, c.Marker)
	if err := crypto.ValidName(c.Name); err != nil {
		return "", fmt.Errorf("fs: conflict copy of %q: shown name %q: %w", c.Plain, c.Name, err)
	}
	taken := cs.shown[c.Name]
	if cs.iv != nil && !taken {
		_, own, err := cs.f.encryptName(c.Name, cs.iv)
		taken = err == nil && cs.names[own]
	}
	if taken {
		return "", fmt.Errorf("fs: conflict copy of %q: the name %q is taken: %w", c.Plain, c.Name, unix.EEXIST)
	}
	cs.shown[c.Name] = true
	cs.found = append(cs.found, c)
	return c.Name, nil
}

// decrypt decrypts the backing name orig (the name of object disk
// without its marker) under iv. A long name's .name file is looked for
// under orig, among its conflict copies, and under disk; the one whose
// content hashes to orig counts.
func (cs *conflictSet) decrypt(orig, disk string, iv []byte) (string, error) {
	cipher := orig
	if crypto.IsLongName(orig) {
		var ok bool
		if cipher, ok = cs.longName(orig, disk); !ok {
			return "", crypto.ErrBadName
		}
	} else if strings.HasPrefix(orig, "gocryptfs.") {
		return "", crypto.ErrBadName
	}
	return cs.f.names.DecryptName(cipher, iv)
}

// nameFiles returns the .name files that may hold the name of the
// hashed name orig, carried by object disk.
func (cs *conflictSet) nameFiles(orig, disk string) []string {
	files := append([]string{orig + crypto.LongNameSuffix}, cs.nameCopies[orig+crypto.LongNameSuffix]...)
	if disk != orig {
		files = append(files, disk+crypto.LongNameSuffix)
	}
	return files
}

// longName returns the full encrypted name for the hashed name orig.
func (cs *conflictSet) longName(orig, disk string) (string, bool) {
	for _, nf := range cs.nameFiles(orig, disk) {
		if !cs.names[nf] {
			continue
		}
		if cipher, err := cs.f.readNameFile(cs.dirfd, nf, orig); err == nil {
			return cipher, true
		}
	}
	return "", false
}

// readNameFile reads a .name file and checks that its content hashes to
// the hashed name long.
func (f *FS) readNameFile(dirfd int, file, long string) (string, error) {
	buf := make([]byte, crypto.MaxLongNameFile+1)
	n, err := readSmall(dirfd, file, buf)
	if err != nil {
		return "", err
	}
	if n == 0 || n > crypto.MaxLongNameFile || f.names.LongName(string(buf[:n])) != long {
		return "", crypto.ErrBadName
	}
	return string(buf[:n]), nil
}

// resolveDiskName returns the name shown for the backing entry disk of
// the directory dirfd (plaintext path, IV), which did not decrypt (err):
// the name of a conflict copy, or the error.
func (f *FS) resolveDiskName(dirfd int, path, disk string, iv []byte, err error) (string, error) {
	raw, rerr := readDirents(dirfd)
	if rerr != nil {
		return "", err
	}
	return f.newConflictSet(dirfd, path, iv, raw).resolve(disk, err)
}

// unknownMarker returns the error for disk when it is a copy of a name
// of this directory with a parenthesized marker no sync client writes
// (package syncname), or nil. Such a copy stays hidden.
func (cs *conflictSet) unknownMarker(disk string) error {
	i := strings.Index(disk, " (")
	if i <= 0 || cs.iv == nil || !strings.HasSuffix(disk, ")") {
		return nil
	}
	plain, err := cs.decrypt(disk[:i], disk, cs.iv)
	if err != nil {
		return nil
	}
	return fmt.Errorf("fs: a copy of %q with the conflict marker %q, which no known sync client writes: %w",
		plain, disk[i:], crypto.ErrBadName)
}
