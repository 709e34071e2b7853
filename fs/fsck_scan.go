package fs

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"golang.org/x/sys/unix"
)

// DirScan is everything Scan finds in one directory of the vault: what
// ReadDir shows, and the backing names behind what it does not.
type DirScan struct {
	// Path is the plaintext path of the directory.
	Path string
	// IVErr is why the directory's own IV cannot be used (a missing or
	// empty diriv is an *IncompleteError), or nil.
	IVErr error
	// Entries are the entries ReadDir shows, conflict copies included.
	Entries []DirEntry
	// Conflicts are the entries shown under a conflict name.
	Conflicts []Conflict
	// Bad are the backing names that do not decrypt, including those not
	// fully synced yet.
	Bad []BadName
	// IVCopies are the conflict copies of gocryptfs.diriv.
	IVCopies []IVCopy
	// NameFiles are the .name side files no entry needs as they are.
	NameFiles []NameFile
	// ConfigCopies are conflict copies of gocryptfs.conf (root only).
	ConfigCopies []string
	// Changed is when the backing directory last changed here (its
	// ctime): how long a missing IV has been missing, at least.
	Changed time.Time
	// Leftovers are temporary names of cofferfs operations that did not
	// finish (a killed daemon).
	Leftovers []Leftover
}

// IVCopy is a conflict copy of a directory's gocryptfs.diriv.
type IVCopy struct {
	// Disk is its backing name.
	Disk string
	// Marker is the sync client's marker in it.
	Marker string
	// Valid tells whether it holds a usable IV.
	Valid bool
	// Used counts the entries whose names decrypt only with it.
	Used int
}

// NameFile is a .name side file that is an orphan (no object has its
// hashed name), a duplicate (a conflict copy of a .name file that is
// present), or a conflict copy that stands in for a missing .name file.
type NameFile struct {
	// Disk is its backing name.
	Disk string
	// Object is the hashed name it belongs to.
	Object string
	// Orphan: no object with that hashed name exists, conflict copies
	// included.
	Orphan bool
	// Duplicate: the object's own .name file is present and valid.
	Duplicate bool
	// Temp: the temporary file a .name file was written to, left by a
	// crash before it was renamed into place; nothing needs it.
	Temp bool
	// ModTime is when the file was last changed.
	ModTime time.Time
}

// Scan examines one directory: its IV, every backing name, conflict
// copies, conflict copies of its diriv and stray .name files. A
// directory whose own IV is missing or damaged is scanned too (its names
// are tried with the IVs of diriv conflict copies).
func (in Inspector) Scan(path string) (*DirScan, error) {
	f := in.f
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return nil, err
	}
	defer done()
	raw, err := readDirents(fd)
	if err != nil {
		return nil, wrapErr(err, "read directory", path)
	}
	s := &DirScan{Path: path}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		s.Changed = time.Unix(st.Ctim.Unix())
	}
	iv, ivErr := f.dirIV(fd, path)
	s.IVErr = ivErr
	cs := f.newConflictSet(fd, path, iv, raw)
	for _, r := range raw {
		if path == "" && isConfigCopy(r.Name) {
			s.ConfigCopies = append(s.ConfigCopies, r.Name)
		}
		if l, ok := leftover(fd, r.Name); ok {
			s.Leftovers = append(s.Leftovers, l)
		}
		if f.isSpecial(r.Name, path == "") {
			continue
		}
		name, err := "", ivErr
		if iv != nil {
			name, err = f.decryptDiskName(fd, r.Name, iv)
		}
		if err == nil && !utf8.ValidString(name) {
			name = cs.recheck(r.Name, name)
		}
		if err == unix.ENOENT && !exists(fd, r.Name) {
			continue
		}
		if err != nil {
			name, err = cs.resolve(r.Name, err)
		}
		if err != nil {
			s.Bad = append(s.Bad, BadName{Dir: path, Disk: r.Name, Err: err})
			continue
		}
		r.Name = name
		s.Entries = append(s.Entries, r)
	}
	cs.load()
	s.Conflicts = cs.found
	s.IVCopies = cs.ivCopyReport()
	s.NameFiles = cs.strayNameFiles()
	return s, nil
}

// openScanDir opens the backing directory at path without reading its
// IV (the parents' IVs must be good). done releases it.
func (f *FS) openScanDir(path string) (int, func(), error) {
	parts, err := splitPath(path)
	if err != nil {
		return -1, nil, err
	}
	if len(parts) == 0 {
		return f.root, func() {}, nil
	}
	parent, err := f.walk(parts[:len(parts)-1], path)
	if err != nil {
		return -1, nil, err
	}
	defer f.releaseDir(parent)
	_, disk, err := f.encryptName(parts[len(parts)-1], parent.iv)
	if err != nil {
		return -1, nil, err
	}
	fd, err := unix.Openat(parent.fd, disk, walkFlags, 0)
	if err == unix.ENOENT {
		fd, err = f.openMarkedDir(parent, parts[len(parts)-1], err)
	}
	if err != nil {
		return -1, nil, wrapErr(err, "open directory", path)
	}
	return fd, func() { unix.Close(fd) }, nil
}

// ivCopyReport returns the diriv conflict copies with their use counts.
func (cs *conflictSet) ivCopyReport() []IVCopy {
	var out []IVCopy
	for _, c := range cs.ivCopies {
		r := IVCopy{Disk: c.disk, Marker: c.marker, Valid: c.iv != nil}
		for _, fc := range cs.found {
			if fc.IVCopy == c.disk {
				r.Used++
			}
		}
		out = append(out, r)
	}
	return out
}

// strayNameFiles returns the .name files that no object needs as they
// are: orphans, duplicates, and copies standing in for a missing one.
func (cs *conflictSet) strayNameFiles() []NameFile {
	objects := cs.longObjects()
	var out []NameFile
	for _, r := range cs.raw {
		if obj, ok := nameTempObject(r.Name); ok {
			out = append(out, NameFile{Disk: r.Name, Object: obj, Temp: true})
			continue
		}
		base, ok := strings.CutSuffix(r.Name, crypto.LongNameSuffix)
		if !ok || !strings.HasPrefix(r.Name, "gocryptfs") || strings.Contains(r.Name, tmpInfix) {
			continue
		}
		obj := nameFileObject(r.Name)
		primary := obj + crypto.LongNameSuffix
		nf := NameFile{Disk: r.Name, Object: obj}
		switch {
		case obj == "", cs.names[base]:
			continue // not a .name file, or the one of an object that exists
		case !objects[obj]:
			nf.Orphan = true
		case r.Name != primary:
			_, err := cs.f.readNameFile(cs.dirfd, primary, obj)
			nf.Duplicate = cs.names[primary] && err == nil
		default:
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(cs.dirfd, r.Name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			nf.ModTime = time.Unix(st.Mtim.Unix())
		}
		out = append(out, nf)
	}
	return out
}

// isConfigCopy reports a sync client's conflict copy of gocryptfs.conf.
func isConfigCopy(disk string) bool {
	for _, m := range syncname.Split(disk) {
		if m.Orig == crypto.ConfigName {
			return true
		}
	}
	return false
}

// longObjects returns the hashed names that have an object: under their
// own name or as a conflict copy.
func (cs *conflictSet) longObjects() map[string]bool {
	out := map[string]bool{}
	for _, r := range cs.raw {
		if strings.HasSuffix(r.Name, crypto.LongNameSuffix) || !strings.HasPrefix(r.Name, "gocryptfs") {
			continue
		}
		if crypto.IsLongName(r.Name) && wellFormedLong(r.Name) {
			out[r.Name] = true
			continue
		}
		for _, m := range syncname.Split(r.Name) {
			if crypto.IsLongName(m.Orig) && wellFormedLong(m.Orig) {
				out[m.Orig] = true
			}
		}
	}
	return out
}

// nameFileObject returns the hashed name a .name file (or a conflict
// copy of one, or the .name file of a conflict copy) belongs to, or "".
func nameFileObject(disk string) string {
	if wellFormedLong(disk) {
		return strings.TrimSuffix(disk, crypto.LongNameSuffix)
	}
	for _, m := range syncname.Split(disk) {
		if crypto.IsLongNameFile(m.Orig) && wellFormedLong(m.Orig) {
			return strings.TrimSuffix(m.Orig, crypto.LongNameSuffix)
		}
	}
	for _, m := range syncname.Split(strings.TrimSuffix(disk, crypto.LongNameSuffix)) {
		if crypto.IsLongName(m.Orig) && wellFormedLong(m.Orig) {
			return m.Orig
		}
	}
	return ""
}
