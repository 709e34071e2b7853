package fs

import (
	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"golang.org/x/sys/unix"
)

// Looking up a name shown for a conflict copy: when the plaintext name
// carries a conflict marker and its own backing name does not exist, the
// name stands for the conflict copy of the name without the marker,
// either a backing name with the same marker, or a name encrypted under
// the conflict copy of gocryptfs.diriv that has that marker. A name
// whose own backing name does not exist may also be encrypted, unmarked,
// under the IV of a diriv conflict copy (conflictlist.go shows such names
// as they are unless they clash). All of this is skipped, at no cost,
// in a directory whose record (dirconflicts.go) shows no copies.

// markedTarget is the backing object a marked plaintext name stands for.
type markedTarget struct {
	cipher string // full encrypted name, or the backing name of a short copy
	disk   string
	iv     []byte // the IV the name is encrypted under
}

// resolveMarked points e at the conflict copy its name stands for, if
// e's own backing name does not exist and there is one.
func (f *FS) resolveMarked(e *entry) {
	readings := syncname.PlainReadings(e.plain)
	if len(readings) == 0 && !f.opts.DirIV {
		return
	}
	c := f.conflictsIn(e.dir, e.iv, e.ref)
	if len(c.ivs) == 0 && (!c.marked || len(readings) == 0) || exists(e.dir, e.disk) {
		return
	}
	var t markedTarget
	ok := false
	if c.marked {
		t, ok = f.findMarked(e.dir, e.iv, readings)
	}
	if !ok {
		t, ok = f.findUnderIVCopy(e.dir, c.ivs, e.plain)
	}
	if ok {
		e.cipher, e.disk, e.iv = t.cipher, t.disk, t.iv
	}
}

// findUnderIVCopy returns the entry plain encrypted under the IV of a
// diriv conflict copy (ivs, in order) of dirfd.
func (f *FS) findUnderIVCopy(dirfd int, ivs [][]byte, plain string) (markedTarget, bool) {
	for _, iv := range ivs {
		if cipher, disk, err := f.encryptName(plain, iv); err == nil && exists(dirfd, disk) {
			return markedTarget{cipher: cipher, disk: disk, iv: iv}, true
		}
	}
	return markedTarget{}, false
}

// openMarkedDir opens the conflict copy of a directory named plain in d,
// after opening its own backing name failed with err.
func (f *FS) openMarkedDir(d openedDir, plain string, err error) (int, error) {
	c := f.conflictsIn(d.fd, d.iv, d.ref)
	var t markedTarget
	ok := false
	if c.marked {
		t, ok = f.findMarked(d.fd, d.iv, syncname.PlainReadings(plain))
	}
	if !ok {
		t, ok = f.findUnderIVCopy(d.fd, c.ivs, plain)
	}
	if !ok {
		return -1, err
	}
	return unix.Openat(d.fd, t.disk, walkFlags, 0)
}

// findMarked returns the first existing conflict copy among readings.
func (f *FS) findMarked(dirfd int, iv []byte, readings []syncname.Reading) (markedTarget, bool) {
	for _, m := range readings {
		if crypto.ValidName(m.Orig) != nil {
			continue
		}
		if iv != nil {
			cipher, disk, err := f.encryptName(m.Orig, iv)
			if err != nil {
				continue
			}
			for _, form := range syncname.Forms(disk, m.Marker) {
				if exists(dirfd, form) {
					if disk == cipher {
						cipher = form // a short copy has no .name file
					}
					return markedTarget{cipher: cipher, disk: form, iv: iv}, true
				}
			}
		}
		if alt := f.dirIVCopy(dirfd, m.Marker); alt != nil {
			if cipher, disk, err := f.encryptName(m.Orig, alt); err == nil && exists(dirfd, disk) {
				return markedTarget{cipher: cipher, disk: disk, iv: alt}, true
			}
		}
	}
	return markedTarget{}, false
}

// dirIVCopy returns the IV in the conflict copy of gocryptfs.diriv that
// carries marker, or nil.
func (f *FS) dirIVCopy(dirfd int, marker string) []byte {
	if !f.opts.DirIV {
		return nil
	}
	for _, name := range syncname.Forms(crypto.DirIVName, marker) {
		if iv := readIVFile(dirfd, name); iv != nil {
			return iv
		}
	}
	return nil
}

// readIVFile returns the IV in a diriv file, or nil if it is not one.
func readIVFile(dirfd int, name string) []byte {
	buf := make([]byte, crypto.DirIVSize+1)
	n, err := readSmall(dirfd, name, buf)
	if err != nil || n != crypto.DirIVSize || isZero(buf[:n]) {
		return nil
	}
	return buf[:n]
}

// exists reports whether dirfd has an entry called name.
func exists(dirfd int, name string) bool {
	return unix.Faccessat(dirfd, name, unix.F_OK, unix.AT_SYMLINK_NOFOLLOW) == nil
}
