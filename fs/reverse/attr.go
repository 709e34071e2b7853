package reverse

import (
	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Stat returns the attributes of a view path: those of the plain object
// with the ciphertext size (files) or encrypted target length
// (symlinks); virtual files are regular, mode 0444, nlink 1, with owner,
// times and block count of their directory or long-named object. The
// inode number is the view's (inomap.go); st_blocks stays the plain
// object's, as gocryptfs shows it.
func (v *View) Stat(viewPath string) (unix.Stat_t, error) {
	n, err := v.resolve(viewPath)
	if err != nil {
		return unix.Stat_t{}, err
	}
	var st unix.Stat_t
	if n.st != nil && n.kind == kindPlain {
		st = *n.st
	} else if st, err = v.lstatPlain(n.plain); err != nil {
		return st, err
	}
	switch n.kind {
	case kindDirIV:
		st.Ino = v.inos.statIno(&st, tagDirIV)
		virtual(&st, crypto.DirIVSize)
	case kindNameFile:
		st.Ino = v.inos.statIno(&st, tagNameFile)
		virtual(&st, int64(len(n.cname)))
	case kindConfig:
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			return st, unix.ENOENT
		}
		st.Ino = v.inos.statIno(&st, tagPlain)
	default:
		st.Ino = v.inos.statIno(&st, tagPlain)
		err = v.cipherAttr(n, &st)
	}
	return st, err
}

// virtual turns a copied stat into that of a read-only virtual file.
func virtual(st *unix.Stat_t, size int64) {
	st.Mode = unix.S_IFREG | 0o444
	st.Size = size
	st.Nlink = 1
}

// cipherAttr sets the view size of a plain object.
func (v *View) cipherAttr(n node, st *unix.Stat_t) error {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		st.Size = int64(v.content.CipherSize(uint64(st.Size)))
	case unix.S_IFLNK:
		t, err := v.readlink(n)
		if err != nil {
			return err
		}
		st.Size = int64(len(t))
	}
	return nil
}
