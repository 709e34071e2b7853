package transfer

import (
	"bytes"
	"context"
	"io"
	"path"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// KeyCheck is the verdict of CheckKey.
type KeyCheck int

const (
	// KeyVerified means that authenticated ciphertext (a file block or a symlink
	// target) decrypted under the key. The key is right.
	KeyVerified KeyCheck = iota
	// KeyNamesOnly means that names decrypted, but the vault holds no
	// authenticated data to try (only directories and empty files).
	// A wrong key decrypts a random name with a chance of about 1/256,
	// so this is good evidence only when there are several names.
	KeyNamesOnly
	// KeyUnverifiable means that nothing decides: no name decrypts and no
	// data was found to authenticate (an empty vault, or one holding only
	// directories, empty files or names planted by someone else). Names
	// that do not decrypt are no proof of a wrong key: anyone who can
	// write to the backing directory can plant them.
	KeyUnverifiable
	// KeyWrong means that authenticated data (a file block or a symlink
	// target) failed under the key: the key does not belong to the vault
	// (or everything that was tried is damaged).
	KeyWrong
)

// String names the verdict.
func (k KeyCheck) String() string {
	switch k {
	case KeyVerified:
		return "verified"
	case KeyNamesOnly:
		return "verified by names only"
	case KeyUnverifiable:
		return "unverifiable"
	}
	return "wrong key"
}

// maxCheckDirs bounds the directories CheckKey lists.
const maxCheckDirs = 1000

// keyProbe holds what CheckKey has seen so far.
type keyProbe struct {
	fsys                *fs.FS
	goodNames, badNames int
	authOK, authFail    int
	dirs                int
	badProbes           int
}

// maxBadProbes bounds the files under undecryptable names CheckKey reads.
const maxBadProbes = 16

// CheckKey tells whether fsys, opened with a master key that did not come
// out of the config, was opened with the right key. It walks the vault
// breadth-first until a file block or a symlink target authenticates.
// A wrong key usually fails on the first directory, since its names do
// not decrypt. The error is only for a vault that cannot be read.
func CheckKey(ctx context.Context, fsys *fs.FS) (KeyCheck, error) {
	p := &keyProbe{fsys: fsys}
	queue := []string{""}
	for len(queue) > 0 && p.authOK == 0 && p.dirs < maxCheckDirs {
		if err := ctx.Err(); err != nil {
			return KeyWrong, err
		}
		dir := queue[0]
		queue = queue[1:]
		sub, err := p.probeDir(dir)
		if err != nil && dir == "" {
			return KeyWrong, err
		}
		queue = append(queue, sub...)
	}
	return p.verdict(), nil
}

// probeDir lists dir, tries its files and symlinks until one
// authenticates, and returns its subdirectories.
func (p *keyProbe) probeDir(dir string) ([]string, error) {
	p.dirs++
	ents, bad, err := p.fsys.Inspect().ReadDirBad(dir)
	if err != nil {
		return nil, err
	}
	p.goodNames += len(ents)
	p.badNames += len(bad)
	for _, b := range bad {
		if p.authOK > 0 || p.badProbes >= maxBadProbes {
			break
		}
		p.count(p.probeBacking(dir, b.Disk))
	}
	var subdirs []string
	for _, e := range ents {
		child := path.Join(dir, e.Name)
		st, err := p.fsys.Stat(child)
		if err != nil {
			continue
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			subdirs = append(subdirs, child)
		case unix.S_IFREG:
			p.count(p.probeFile(child, st.Size))
		case unix.S_IFLNK:
			p.count(p.probeSymlink(child))
		}
		if p.authOK > 0 {
			break
		}
	}
	return subdirs, nil
}

// count records the result of one probe: true, false, or nil for
// inconclusive.
func (p *keyProbe) count(ok *bool) {
	switch {
	case ok == nil:
	case *ok:
		p.authOK++
	default:
		p.authFail++
	}
}

var yes, no = true, false

// probeFile reads the first and the last block of a file. An all-zero
// block proves nothing: a hole is accepted without authentication.
func (p *keyProbe) probeFile(name string, size int64) *bool {
	if size == 0 {
		return nil
	}
	f, err := p.fsys.Open(name, unix.O_RDONLY)
	if err != nil {
		return nil
	}
	defer f.Close()
	return readProbe(f, size)
}

// readProbe reads the first and the last block of an open file of
// plaintext size size (> 0).
func readProbe(f *fs.File, size int64) *bool {
	last := (size - 1) / crypto.BlockSize * crypto.BlockSize
	buf := make([]byte, crypto.BlockSize)
	for _, off := range []int64{0, last} {
		n, err := f.ReadAt(buf, off)
		if fs.IsCorrupt(err) {
			return &no
		}
		if (err == nil || err == io.EOF) && n > 0 && !bytes.Equal(buf[:n], zeroBlock[:n]) {
			return &yes
		}
	}
	return nil
}

// probeSymlink decrypts a symlink target; an empty one proves nothing.
func (p *keyProbe) probeSymlink(name string) *bool {
	t, err := p.fsys.Readlink(name)
	switch {
	case fs.IsCorrupt(err):
		return &no
	case err == nil && t != "":
		return &yes
	}
	return nil
}

func (p *keyProbe) verdict() KeyCheck {
	switch {
	case p.authOK > 0:
		return KeyVerified
	case p.authFail > 0:
		return KeyWrong
	case p.goodNames > p.badNames:
		return KeyNamesOnly
	}
	return KeyUnverifiable
}

// probeBacking reads a regular backing file whose name does not decrypt
// (the key may be wrong, or the name planted). Its blocks authenticate
// with the content key alone, whatever the name, so one that opens
// proves the key; one that fails proves nothing, since anyone who can
// write to the backing directory can plant a file of garbage.
func (p *keyProbe) probeBacking(dir, disk string) *bool {
	f, err := p.fsys.OpenBacking(dir, disk)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size == 0 {
		return nil
	}
	p.badProbes++
	if ok := readProbe(f, st.Size); ok != nil && *ok {
		return ok
	}
	return nil
}
