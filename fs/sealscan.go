package fs

import (
	"context"
	"crypto/sha256"
	"io"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
)

// The cipher walk of the vault manifest (package fs/manifest): what
// identifies the exact ciphertext version of every backing entry, read
// without decrypting anything but the few bytes of each block's nonce and
// tag.

// CipherEntry is one backing entry as the manifest records it.
type CipherEntry struct {
	// Path is the backing path relative to the cipherdir ("/"-separated).
	Path string
	// Type is the file type bits (unix.S_IFREG, S_IFDIR, ...).
	Type uint32
	// Size is the backing size of a regular file.
	Size int64
	// FileID is the header's file ID of a content file (nil if it has no
	// valid header).
	FileID []byte
	// Hash is SHA-256 over the nonce and tag of every block of a content
	// file; over the bytes of a side file (diriv, .name); over the target
	// of a symlink; zero otherwise.
	Hash [32]byte
	// Holes are the blocks of a content file whose nonce and tag are all
	// zeros: they read as holes (sparse or zeroed).
	Holes []uint64
	// Ino and Ctime (nanoseconds) are the regular file's inode number and
	// status-change time, for a cache of fingerprints: any write, truncate,
	// rename or copy over the file changes one of them.
	Ino   uint64
	Ctime int64
}

// WalkCipherOptions tune WalkCipher.
type WalkCipherOptions struct {
	// Skip, if set, leaves out the root names it accepts (the manifests).
	Skip func(disk string) bool
	// Cached, if set, may fill in the fingerprint of a regular file whose
	// Path, Size, Ino and Ctime are set, and return true: the file is then
	// not read.
	Cached func(e *CipherEntry) bool
	// Dir, if set, is the plaintext directory whose backing entries are
	// walked instead of the whole vault's (du of a sub-path); paths stay
	// relative to the cipherdir.
	Dir string
}

// sideFileMax caps what is hashed of a side file (a .name file is < 4 KiB).
const sideFileMax = 64 << 10

// WalkCipher calls fn for every backing entry below the cipherdir (or
// below the backing directory of opts.Dir), in directory order, except
// gocryptfs.conf (and its backups) at the root, the temporary names of
// unfinished operations, and root names opts.Skip accepts (the manifests
// themselves). Symlinks are never followed and only regular files are
// opened.
func (f *FS) WalkCipher(ctx context.Context, opts WalkCipherOptions, fn func(CipherEntry) error) error {
	if strings.Trim(opts.Dir, "/") == "" {
		return f.walkCipherDir(ctx, f.root, "", &opts, fn)
	}
	prefix, err := f.CipherPath(opts.Dir)
	if err != nil {
		return err
	}
	return f.WithBackingDir(opts.Dir, func(dirfd int) error {
		return f.walkCipherDir(ctx, dirfd, prefix+"/", &opts, fn)
	})
}

func (f *FS) walkCipherDir(ctx context.Context, dirfd int, prefix string, opts *WalkCipherOptions, fn func(CipherEntry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	raw, err := readDirents(dirfd)
	if err != nil {
		return wrapErr(err, "read directory", prefix)
	}
	for _, r := range raw {
		if transientName(r.Name) || prefix == "" && (strings.HasPrefix(r.Name, crypto.ConfigName) || opts.Skip != nil && opts.Skip(r.Name)) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(dirfd, r.Name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if err == unix.ENOENT {
				continue // removed meanwhile
			}
			return wrapErr(err, "stat", prefix+r.Name)
		}
		e := CipherEntry{Path: prefix + r.Name, Type: st.Mode & unix.S_IFMT}
		if e.Type == unix.S_IFREG {
			e.Size, e.Ino, e.Ctime = st.Size, st.Ino, st.Ctim.Nano()
		}
		if e.Type != unix.S_IFREG || opts.Cached == nil || !opts.Cached(&e) {
			if err := f.fingerprint(dirfd, r.Name, &st, &e); err != nil {
				return err
			}
		}
		if err := fn(e); err != nil {
			return err
		}
		if e.Type == unix.S_IFDIR {
			if err := f.walkCipherChild(ctx, dirfd, r.Name, e.Path+"/", opts, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *FS) walkCipherChild(ctx context.Context, dirfd int, disk, prefix string, opts *WalkCipherOptions, fn func(CipherEntry) error) error {
	sub, err := unix.Openat(dirfd, disk, walkFlags, 0)
	if err == unix.ENOENT || err == unix.ENOTDIR || err == unix.ELOOP {
		return nil // removed or replaced meanwhile: what was recorded stands
	}
	if err != nil {
		return wrapErr(err, "open directory", prefix)
	}
	defer unix.Close(sub)
	return f.walkCipherDir(ctx, sub, prefix, opts, fn)
}

// transientName reports the temporary names of mkdir, rmdir and
// writeSmall: a crash leaves them behind, fsck removes them.
func transientName(disk string) bool {
	_, tmp := tmpBase(disk)
	return tmp || strings.HasPrefix(disk, mkdirTemp) || strings.HasPrefix(disk, rmdirTemp)
}

// fingerprint fills in what identifies the entry's ciphertext version.
func (f *FS) fingerprint(dirfd int, disk string, st *unix.Stat_t, e *CipherEntry) error {
	switch e.Type {
	case unix.S_IFLNK:
		buf := make([]byte, maxLinkTarget+1)
		n, err := unix.Readlinkat(dirfd, disk, buf)
		if err != nil && err != unix.ENOENT {
			return wrapErr(err, "readlink", e.Path)
		}
		e.Hash = sha256.Sum256(buf[:max(n, 0)])
	case unix.S_IFREG:
		e.Size = st.Size
		fd, err := unix.Openat(dirfd, disk, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err == unix.ENOENT {
			return nil
		}
		if err != nil {
			return wrapErr(err, "open", e.Path)
		}
		defer unix.Close(fd)
		var fst unix.Stat_t
		if err := unix.Fstat(fd, &fst); err != nil || fst.Mode&unix.S_IFMT != unix.S_IFREG {
			return wrapErr(unix.EINVAL, "open", e.Path) // swapped for a non-file meanwhile
		}
		e.Size = fst.Size
		if strings.HasPrefix(disk, "gocryptfs.") && !crypto.IsLongName(disk) {
			return f.hashSideFile(fd, e)
		}
		return f.hashBlocks(fd, e)
	}
	return nil
}

// hashSideFile hashes a diriv or .name file (small) whole.
func (f *FS) hashSideFile(fd int, e *CipherEntry) error {
	buf := make([]byte, min(e.Size, sideFileMax))
	n, err := unix.Pread(fd, buf, 0)
	if err != nil {
		return wrapErr(err, "read", e.Path)
	}
	e.Hash = sha256.Sum256(buf[:n])
	return nil
}

// hashBlocks reads the header and, per block, only its nonce and tag
// (the tag of one block and the nonce of the next are adjacent: one
// pread each) and hashes them in order.
func (f *FS) hashBlocks(fd int, e *CipherEntry) error {
	h := sha256.New()
	size := uint64(e.Size)
	ns, cbs := uint64(f.content.NonceSize()), uint64(f.content.CipherBlockSize())
	if size <= crypto.HeaderSize {
		buf := make([]byte, size)
		n, err := unix.Pread(fd, buf, 0)
		if err != nil {
			return wrapErr(err, "read", e.Path)
		}
		e.Hash = sha256.Sum256(buf[:n])
		return nil
	}
	head := make([]byte, min(crypto.HeaderSize+ns, size))
	if err := sysx.PreadFull(fd, head, 0); err != nil && err != io.ErrUnexpectedEOF {
		return wrapErr(err, "read header", e.Path)
	}
	if hd, err := crypto.ParseHeader(head); err == nil {
		e.FileID = hd.ID[:]
	}
	nonce := head[crypto.HeaderSize:]
	blocks := (size - crypto.HeaderSize + cbs - 1) / cbs
	buf := make([]byte, crypto.TagSize+ns)
	for i := uint64(0); i < blocks; i++ {
		end := min(crypto.HeaderSize+(i+1)*cbs, size)
		start := max(end-crypto.TagSize, crypto.HeaderSize+i*cbs)
		want := min(end-start+ns, size-start)
		if i+1 == blocks {
			want = end - start
		}
		chunk := buf[:want]
		if err := sysx.PreadFull(fd, chunk, int64(start)); err == io.ErrUnexpectedEOF {
			break // shrinking meanwhile: what was read stands for it
		} else if err != nil {
			return wrapErr(err, "read block tags", e.Path)
		}
		tag := chunk[:end-start]
		h.Write(nonce)
		h.Write(tag)
		if isZero(nonce) && isZero(tag) {
			e.Holes = append(e.Holes, i)
		}
		nonce = append(nonce[:0:0], chunk[end-start:]...)
	}
	copy(e.Hash[:], h.Sum(nil))
	return nil
}
