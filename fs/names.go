package fs

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// DirEntry is one entry of a plaintext directory listing.
type DirEntry struct {
	// Name is the plaintext name.
	Name string
	// Type is the file type bits (unix.S_IFREG, S_IFDIR, ...), or 0 when
	// the backing file system did not say.
	Type uint32
	// Ino is the backing inode number.
	Ino uint64
	// Disk is the backing name (a hashed long name, a conflict copy's
	// name), "" where unknown.
	Disk string
}

// BadName is a backing entry that did not decrypt.
type BadName struct {
	// Dir is the plaintext path of the directory.
	Dir string
	// Disk is the backing name.
	Disk string
	// Err says why.
	Err error
}

// withName runs create with the long-name side file of e in place: the
// .name file is written (crash-safe) first and removed again if create
// fails, the file was new and the name is still free.
func (f *FS) withName(e *entry, create func() error) error {
	if !e.long() {
		return create()
	}
	nameFile := e.disk + crypto.LongNameSuffix
	existed := sameContent(e.dir, nameFile, []byte(e.cipher))
	if err := f.writeSmall(e.dir, nameFile, []byte(e.cipher), 0o444); err != nil {
		return wrapErr(err, "write long-name file for", e.path)
	}
	err := create()
	// Roll back only a .name file this call made, and only while no
	// object has the name: a concurrent creator of the same name, whose
	// create won (ours then got EEXIST), still needs it.
	if err != nil && !existed && unix.Faccessat(e.dir, e.disk, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW) == unix.ENOENT {
		unix.Unlinkat(e.dir, nameFile, 0)
	}
	return err
}

// dropName removes the long-name side file of e after its object is gone.
func (f *FS) dropName(e *entry) {
	if e.long() {
		unix.Unlinkat(e.dir, e.disk+crypto.LongNameSuffix, 0)
	}
}

// readLongName returns the full encrypted name stored for a hashed name.
func (f *FS) readLongName(dirfd int, disk string) (string, error) {
	buf := make([]byte, crypto.MaxLongNameFile+1)
	n, err := readSmall(dirfd, disk+crypto.LongNameSuffix, buf)
	if err != nil {
		return "", err
	}
	if n == 0 || n > crypto.MaxLongNameFile {
		return "", crypto.ErrBadName
	}
	cipher := string(buf[:n])
	if f.names.LongName(cipher) != disk {
		return "", crypto.ErrBadName
	}
	return cipher, nil
}

// decryptDiskName returns the plaintext name of a backing entry.
func (f *FS) decryptDiskName(dirfd int, disk string, iv []byte) (string, error) {
	cipher := disk
	if crypto.IsLongName(disk) {
		var err error
		if cipher, err = f.readLongName(dirfd, disk); err != nil {
			return "", err
		}
	}
	return f.names.DecryptName(cipher, iv)
}

// isSpecial reports names the format keeps out of the plaintext view.
func (f *FS) isSpecial(disk string, root bool) bool {
	switch {
	case f.opts.DirIV && disk == crypto.DirIVName, crypto.IsLongNameFile(disk):
		return true
	case strings.HasPrefix(disk, crypto.LongNamePrefix) && strings.Contains(disk, crypto.LongNameSuffix+tmpInfix):
		return true // a .name file being written
	case root && strings.HasPrefix(disk, crypto.ConfigName):
		return true // gocryptfs.conf and its .bak / .tmp
	}
	// Transient names of rmdir and mkdir (left over after a crash).
	return strings.HasPrefix(disk, rmdirTemp) || strings.HasPrefix(disk, mkdirTemp) || isDirIVTemp(disk) ||
		f.isConflictSpecial(disk, root)
}

// ReadDir lists a plaintext directory. Entries whose names do not decrypt
// are left out, logged and counted (hidden.go); ReadDirBad returns them.
func (f *FS) ReadDir(path string) ([]DirEntry, error) {
	d, err := f.openDir(path)
	if err != nil {
		return nil, err
	}
	defer f.releaseDir(d)
	ents, bad, err := f.readDir(d, path)
	if err == nil {
		f.noteHidden(d.fd, bad)
	}
	return ents, err
}

// ReadDirBad lists a plaintext directory and returns the backing entries
// that do not decrypt separately.
func (in Inspector) ReadDirBad(path string) ([]DirEntry, []BadName, error) {
	f := in.f
	d, err := f.openDir(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.releaseDir(d)
	return f.readDir(d, path)
}

// readDir lists the opened directory d at path.
func (f *FS) readDir(d openedDir, path string) ([]DirEntry, []BadName, error) {
	dir, iv := d.fd, d.iv
	raw, err := readDirents(dir)
	if err != nil {
		return nil, nil, wrapErr(err, "read directory", path)
	}
	var ents []DirEntry
	var bad []BadName
	cs := f.newConflictSet(dir, path, iv, raw)
	marked := false // see dirConflicts
	for _, r := range raw {
		if f.isSpecial(r.Name, dir == f.root) {
			marked = marked || f.mayBeCopy(r.Name, iv)
			continue
		}
		name, err := f.decryptDiskName(dir, r.Name, iv)
		if err != nil {
			marked = marked || f.mayBeCopy(r.Name, iv)
		}
		if err == nil && !utf8.ValidString(name) {
			name = cs.recheck(r.Name, name) // garbage from a diriv conflict copy's IV?
		}
		if err == unix.ENOENT && unix.Faccessat(dir, r.Name, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW) == unix.ENOENT {
			continue // unlinked or renamed away (with its .name) since getdents
		}
		if err != nil {
			name, err = cs.resolve(r.Name, err) // conflict copy, or not fully synced
		}
		if err != nil {
			bad = append(bad, BadName{Dir: path, Disk: r.Name, Err: err})
			continue
		}
		r.Disk, r.Name = r.Name, name
		ents = append(ents, r)
	}
	f.noteConflicts(d, raw, marked)
	return ents, bad, nil
}

// readDirents returns the raw backing entries of a directory (no . or ..).
func readDirents(dirfd int) ([]DirEntry, error) {
	fd, err := unix.Openat(dirfd, selfName, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []DirEntry
	err = sysx.ReadDirents(fd, func(d sysx.Dirent) {
		out = append(out, DirEntry{Name: d.Name, Ino: d.Ino, Type: d.Mode})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CipherPath returns the backing path, relative to the cipherdir, of a
// plaintext path.
func (f *FS) CipherPath(path string) (string, error) {
	parts, err := splitPath(path)
	if err != nil || len(parts) == 0 {
		return "", err
	}
	e, err := f.lookup(path)
	if err != nil {
		return "", err
	}
	defer e.close()
	prefix := ""
	if len(parts) > 1 {
		if prefix, err = f.CipherPath(strings.Join(parts[:len(parts)-1], "/")); err != nil {
			return "", err
		}
		prefix += "/"
	}
	return prefix + e.disk, nil
}

// PlainPath returns the plaintext path of a backing path relative to the
// cipherdir. A .name side file maps to the entry it names.
func (f *FS) PlainPath(cipherPath string) (string, error) {
	if strings.Trim(cipherPath, "/") == "" {
		return "", nil // the root, as CipherPath("") is
	}
	parts := strings.Split(strings.Trim(cipherPath, "/"), "/")
	dir, owned := f.root, false
	defer func() {
		if owned {
			unix.Close(dir)
		}
	}()
	var plain []string
	for i, disk := range parts {
		disk = strings.TrimSuffix(disk, crypto.LongNameSuffix)
		iv, err := f.dirIV(dir, strings.Join(plain, "/"))
		if err != nil {
			return "", err
		}
		name, err := f.decryptDiskName(dir, disk, iv)
		if err != nil {
			name, err = f.resolveDiskName(dir, strings.Join(plain, "/"), disk, iv, err) // a conflict copy
		}
		if err != nil {
			return "", fmt.Errorf("fs: %q does not decrypt: %w", strings.Join(parts[:i+1], "/"), err)
		}
		plain = append(plain, name)
		if i == len(parts)-1 {
			break
		}
		next, err := unix.Openat(dir, disk, walkFlags, 0)
		if err != nil {
			return "", wrapErr(err, "open", strings.Join(plain, "/"))
		}
		if owned {
			unix.Close(dir)
		}
		dir, owned = next, true
	}
	return strings.Join(plain, "/"), nil
}
