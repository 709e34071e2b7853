package fs

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Repair primitives for fsck. None of them deletes anything that holds
// data: they rename backing objects, remove .name and diriv files that
// nothing needs, and create a diriv only where it is provably right.

// ErrNotProvable is returned by RepairDirIV when it cannot tell which IV
// belongs to a directory.
var ErrNotProvable = errors.New("fs: cannot tell which directory IV is right")

// MoveBacking renames the backing entry disk of the plaintext directory
// dir (typically a name that does not decrypt, or a conflict copy) to the
// plaintext path to, encrypted with the destination's own IV. to must
// not exist. The .name file of a hashed source name goes once no object
// has that name any more.
func (in Inspector) MoveBacking(dir, disk, to string) error {
	f := in.f
	if err := f.checkWritable(); err != nil {
		return err
	}
	if disk == "" || disk == "." || disk == ".." || strings.ContainsAny(disk, "/\x00") {
		return wrapErr(unix.EINVAL, "move backing entry", disk)
	}
	dfd, done, err := f.openScanDir(dir) // its IV may be missing
	if err != nil {
		return err
	}
	defer done()
	dst, err := f.lookupExact(to)
	if err != nil {
		return err
	}
	defer dst.close()
	err = f.withName(dst, func() error {
		return unix.Renameat2(dfd, disk, dst.dir, dst.disk, unix.RENAME_NOREPLACE)
	})
	f.dirs.invalidate(dir)
	f.dirs.invalidate(to)
	if err != nil {
		return wrapErr(err, "move "+disk+" to", to)
	}
	if crypto.IsLongName(disk) && !exists(dfd, disk) {
		unix.Unlinkat(dfd, disk+crypto.LongNameSuffix, 0)
	}
	return nil
}

// lookupExact is lookup without the conflict-copy resolution: the entry
// is the plaintext name encrypted with its directory's IV.
func (f *FS) lookupExact(path string) (*entry, error) {
	parts, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, wrapErr(unix.EBUSY, "lookup", path)
	}
	d, err := f.walk(parts[:len(parts)-1], path)
	if err != nil {
		return nil, err
	}
	e := &entry{dir: d.fd, ref: d.ref, fs: f, iv: d.iv, path: path, plain: parts[len(parts)-1]}
	if e.cipher, e.disk, err = f.encryptName(e.plain, e.iv); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// RepairDirIV gives the directory at path a gocryptfs.diriv when its own
// is missing or empty, and only when the right one is certain: a
// directory without entries gets a new IV (or its only diriv conflict
// copy), a directory whose names all decrypt with exactly one diriv
// conflict copy gets that copy. It returns what it did, or an error
// wrapping ErrNotProvable.
func (in Inspector) RepairDirIV(path string) (string, error) {
	f := in.f
	if err := f.checkWritable(); err != nil {
		return "", err
	}
	s, err := in.Scan(path)
	if err != nil {
		return "", err
	}
	if !IsIncomplete(s.IVErr) {
		return "", fmt.Errorf("fs: directory IV of %q is not missing: %w", path, ErrNotProvable)
	}
	iv, from, err := provenIV(s)
	if err != nil {
		return "", err
	}
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return "", err
	}
	defer done()
	defer f.dirs.invalidate(path)
	var st unix.Stat_t
	if unix.Fstatat(fd, crypto.DirIVName, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Size == 0 && st.Mode&unix.S_IFMT == unix.S_IFREG {
		unix.Unlinkat(fd, crypto.DirIVName, 0) // empty: it holds nothing
	}
	if from != "" {
		iv = readIVFile(fd, from)
	}
	if err := f.writeSmall(fd, crypto.DirIVName, iv, 0o444); err != nil {
		return "", wrapErr(err, "write directory IV of", path)
	}
	if from != "" {
		unix.Unlinkat(fd, from, 0) // now a duplicate of gocryptfs.diriv
		return "gocryptfs.diriv restored from its conflict copy " + from, nil
	}
	return "new gocryptfs.diriv written (the directory has no entries)", nil
}

// provenIV picks the IV for a directory without one: the one diriv
// conflict copy that decrypts every name (of none, in an empty
// directory), or a fresh IV (from "") for an empty directory.
func provenIV(s *DirScan) (iv []byte, from string, err error) {
	var valid []IVCopy
	for _, c := range s.IVCopies {
		if c.Valid {
			valid = append(valid, c)
		}
	}
	switch {
	case len(s.Bad) == 0 && len(s.Entries) == 0 && len(valid) != 1:
		iv = make([]byte, crypto.DirIVSize)
		for isZero(iv) {
			rand.Read(iv)
		}
		return iv, "", nil
	case len(s.Bad) == 0 && len(valid) == 1 && valid[0].Used == len(s.Entries):
		return nil, valid[0].Disk, nil
	}
	return nil, "", fmt.Errorf("fs: directory IV of %q: %d names do not decrypt, %d valid diriv conflict copies: %w",
		s.Path, len(s.Bad), len(valid), ErrNotProvable)
}

// RemoveIVCopy removes the diriv conflict copy disk of the directory at
// path, which must be unused: no name in the directory decrypts with it
// alone.
func (in Inspector) RemoveIVCopy(path, disk string) error {
	f := in.f
	if err := f.checkWritable(); err != nil {
		return err
	}
	s, err := in.Scan(path)
	if err != nil {
		return err
	}
	for _, c := range s.IVCopies {
		if c.Disk == disk && c.Used == 0 {
			fd, done, err := f.openScanDir(path)
			if err != nil {
				return err
			}
			defer done()
			return wrapErr(unix.Unlinkat(fd, disk, 0), "remove diriv copy "+disk+" in", path)
		}
	}
	return wrapErr(unix.EBUSY, "remove diriv copy "+disk+" (in use or not a copy) in", path)
}

// RepairNameFile tidies the stray .name file disk in the directory at
// path, as Scan reported it: an orphan, a duplicate or a temporary file
// is removed, a conflict copy that stands in for a missing .name file
// takes its place.
func (in Inspector) RepairNameFile(path, disk string) (string, error) {
	f := in.f
	if err := f.checkWritable(); err != nil {
		return "", err
	}
	s, err := in.Scan(path)
	if err != nil {
		return "", err
	}
	for _, nf := range s.NameFiles {
		if nf.Disk == disk {
			return f.repairNameFile(path, nf)
		}
	}
	return "", wrapErr(unix.ENOENT, "stray .name file "+disk+" in", path)
}

func (f *FS) repairNameFile(path string, nf NameFile) (string, error) {
	fd, done, err := f.openScanDir(path)
	if err != nil {
		return "", err
	}
	defer done()
	if nf.Orphan || nf.Duplicate || nf.Temp {
		return "removed", wrapErr(unix.Unlinkat(fd, nf.Disk, 0), "remove "+nf.Disk+" in", path)
	}
	if _, err := f.readNameFile(fd, nf.Disk, nf.Object); err != nil {
		return "", fmt.Errorf("fs: %s in %q does not hold the name of %s: %w", nf.Disk, path, nf.Object, err)
	}
	err = unix.Renameat2(fd, nf.Disk, fd, nf.Object+crypto.LongNameSuffix, unix.RENAME_NOREPLACE)
	return "renamed to " + nf.Object + crypto.LongNameSuffix, wrapErr(err, "rename "+nf.Disk+" in", path)
}

// RemoveConfigCopy removes a sync client's conflict copy of
// gocryptfs.conf, only when it is identical to gocryptfs.conf.
func (in Inspector) RemoveConfigCopy(disk string) error {
	f := in.f
	if err := f.checkWritable(); err != nil {
		return err
	}
	if !isConfigCopy(disk) || strings.Contains(disk, "/") {
		return wrapErr(unix.EINVAL, "remove config copy", disk)
	}
	const max = 1 << 20
	a, b := make([]byte, max+1), make([]byte, max+1)
	n, err := readSmall(f.root, crypto.ConfigName, a)
	if err != nil {
		return wrapErr(err, "read", crypto.ConfigName)
	}
	m, err := readSmall(f.root, disk, b)
	if err != nil {
		return wrapErr(err, "read", disk)
	}
	if n > max || string(a[:n]) != string(b[:m]) {
		return fmt.Errorf("fs: %s differs from %s: %w", disk, crypto.ConfigName, ErrNotProvable)
	}
	return wrapErr(unix.Unlinkat(f.root, disk, 0), "remove", disk)
}
