package fs

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/internal/sysx"
	"golang.org/x/sys/unix"
)

// The backing chokepoint: every access to the cipherdir starts from the
// root descriptor and walks one component at a time with openat and
// O_NOFOLLOW. No absolute backing path is ever built, so a plaintext path
// near PATH_MAX still works, and a symlink planted in the backing
// directory is never followed out of it.

const (
	walkFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	// selfName stands for a directory itself in *at calls on its own fd.
	selfName = "."
)

// entry is a resolved plaintext path: its backing parent directory and
// its name there.
type entry struct {
	dir    int     // backing parent directory (O_PATH)
	ref    *dirRef // the cache reference that keeps dir open; nil for the root
	fs     *FS
	iv     []byte // name IV of dir
	path   string // plaintext path, for errors
	plain  string // plaintext leaf name ("" for the root)
	disk   string // backing leaf name: encrypted, hashed when long, "." for the root
	cipher string // full encrypted leaf name (differs from disk when long)
}

func (e *entry) close() {
	if e.ref != nil {
		e.fs.dirs.release(e.ref)
		e.ref = nil
	}
}

func (e *entry) long() bool { return e.disk != e.cipher }

// splitPath validates a plaintext path and returns its components.
func splitPath(path string) ([]string, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, nil
	}
	parts := strings.Split(path, "/")
	for _, p := range parts {
		if err := crypto.ValidName(p); err != nil {
			if err == crypto.ErrNameTooLong {
				return nil, fmt.Errorf("fs: %q: %w", path, unix.ENAMETOOLONG)
			}
			return nil, fmt.Errorf("fs: %q: %w", path, unix.EINVAL)
		}
	}
	return parts, nil
}

// lookup resolves path to its parent directory and backing name. The
// caller must close the entry.
func (f *FS) lookup(path string) (*entry, error) {
	parts, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return &entry{dir: f.root, fs: f, path: "", disk: selfName, cipher: selfName}, nil
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
	f.resolveMarked(e) // a name shown for a sync client's conflict copy
	return e, nil
}

// openedDir is a backing directory reached by walk: its descriptor, its
// name IV, and the cache reference to release (nil for the root).
type openedDir struct {
	fd  int
	iv  []byte
	ref *dirRef
}

func (f *FS) releaseDir(d openedDir) {
	if d.ref != nil {
		f.dirs.release(d.ref)
	}
}

// walk opens the backing directory of the given plaintext components,
// starting from the deepest one the directory cache holds. The caller
// releases the result with releaseDir.
func (f *FS) walk(parts []string, path string) (openedDir, error) {
	now, gen := time.Now(), f.dirs.generation()
	cur := openedDir{fd: f.root}
	start := 0
	for i := len(parts); i > 0; i-- {
		if ref := f.dirs.get(strings.Join(parts[:i], "/"), now); ref != nil {
			cur, start = openedDir{fd: ref.fd, iv: ref.iv, ref: ref}, i
			break
		}
	}
	if cur.ref == nil {
		iv, err := f.rootDirIV()
		if err != nil {
			return openedDir{}, err
		}
		cur.iv = iv
	}
	for i := start; i < len(parts); i++ {
		sub := strings.Join(parts[:i+1], "/")
		next, err := f.openChild(cur, parts[i], sub)
		f.releaseDir(cur)
		if err != nil {
			return openedDir{}, err
		}
		ref := f.dirs.put(sub, next.fd, next.iv, now, gen)
		cur = openedDir{fd: ref.fd, iv: ref.iv, ref: ref}
	}
	return cur, nil
}

// openChild opens the subdirectory plain of d and reads its IV.
func (f *FS) openChild(d openedDir, plain, path string) (openedDir, error) {
	_, disk, err := f.encryptName(plain, d.iv)
	if err != nil {
		return openedDir{}, err
	}
	fd, err := unix.Openat(d.fd, disk, walkFlags, 0)
	if err == unix.ENOENT {
		fd, err = f.openMarkedDir(d, plain, err) // a conflict copy
	}
	if err != nil {
		return openedDir{}, wrapErr(err, "open directory", path)
	}
	iv, err := f.dirIV(fd, path)
	if err != nil {
		err = f.lostIV(fd, path, err)
		unix.Close(fd)
		return openedDir{}, err
	}
	return openedDir{fd: fd, iv: iv}, nil
}

// rootDirIV returns the name IV of the vault root, read once (a failed
// read, say of a root diriv not synced yet, is tried again next time).
func (f *FS) rootDirIV() ([]byte, error) {
	f.rootMu.Lock()
	defer f.rootMu.Unlock()
	if f.rootIV == nil {
		iv, err := f.dirIV(f.root, "")
		if err != nil {
			return nil, err
		}
		f.rootIV = iv
	}
	return f.rootIV, nil
}

// openDir opens the backing directory at a plaintext path; release it
// with releaseDir.
func (f *FS) openDir(path string) (openedDir, error) {
	parts, err := splitPath(path)
	if err != nil {
		return openedDir{}, err
	}
	return f.walk(parts, path)
}

// encryptName returns the full encrypted name and the on-disk name
// (hashed when longer than the vault's threshold).
func (f *FS) encryptName(plain string, iv []byte) (cipher, disk string, err error) {
	cipher, err = f.names.EncryptName(plain, iv)
	if err != nil {
		return "", "", fmt.Errorf("fs: name %q: %w", plain, unix.ENAMETOOLONG)
	}
	if len(cipher) > f.opts.LongNameMax {
		return cipher, f.names.LongName(cipher), nil
	}
	return cipher, cipher, nil
}

// dirIV reads the name IV of a backing directory.
func (f *FS) dirIV(dirfd int, path string) ([]byte, error) {
	if !f.opts.DirIV {
		return make([]byte, crypto.DirIVSize), nil
	}
	buf := make([]byte, crypto.DirIVSize+1)
	n, err := readSmall(dirfd, crypto.DirIVName, buf)
	if err == unix.ENOENT || err == nil && n == 0 {
		return nil, dirIVMissing(path, err)
	}
	if err == unix.ELOOP || err == unix.EINVAL {
		// A symlink, FIFO, device or directory: damage, not an I/O error.
		return nil, &CorruptError{Path: path, What: "directory IV (gocryptfs.diriv is not a regular file)", Err: crypto.ErrBadHeader}
	}
	if err != nil {
		return nil, fmt.Errorf("fs: directory IV of %q (gocryptfs.diriv): %w", path, err)
	}
	if n != crypto.DirIVSize || isZero(buf[:n]) {
		return nil, &CorruptError{Path: path, What: "directory IV", Err: crypto.ErrBadHeader}
	}
	return buf[:n], nil
}

// readSmall reads at most len(buf) bytes of a regular file in dirfd.
func readSmall(dirfd int, name string, buf []byte) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0, unix.EINVAL
	}
	total := 0
	for total < len(buf) {
		n, err := unix.Read(fd, buf[total:])
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, nil
}

// tmpInfix follows the name of a file that writeSmall is writing.
const tmpInfix = ".tmp"

// tmpName returns a fresh temporary name for writing name. The one of a
// .name file ends in .name itself (X.name.tmpHEX.name): gocryptfs skips
// .name files, so one that a crash leaves behind is not a corrupt entry
// to it, and fsck --repair removes it (see nameTempObject).
func tmpName(name string) string {
	tmp := name + tmpInfix + sysx.RandSuffix()
	if crypto.IsLongNameFile(name) {
		tmp += crypto.LongNameSuffix
	}
	return tmp
}

// nameTempObject returns the hashed name whose .name file the temporary
// file disk was being written for, and whether disk is one.
func nameTempObject(disk string) (string, bool) {
	rest, ok := strings.CutSuffix(disk, crypto.LongNameSuffix)
	if !ok || len(rest) < 16 {
		return "", false
	}
	rest, hexPart := rest[:len(rest)-16], rest[len(rest)-16:]
	obj, ok := strings.CutSuffix(rest, crypto.LongNameSuffix+tmpInfix)
	if _, err := hex.DecodeString(hexPart); err != nil || !ok || !wellFormedLong(obj) {
		return "", false
	}
	return obj, true
}

// writeSmall creates name in dirfd with content data and mode, crash-safe:
// it writes a temporary file, syncs it, and renames it into place without
// replacing anything. An existing file with equal content counts as done.
func (f *FS) writeSmall(dirfd int, name string, data []byte, mode uint32) error {
	tmp := tmpName(name)
	fd, err := unix.Openat(dirfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		return err
	}
	err = sysx.WriteAll(fd, data, 0)
	if err == nil && !f.opts.NoSync {
		err = unix.Fsync(fd)
	}
	if err == nil {
		err = unix.Fchmod(fd, mode)
	}
	unix.Close(fd)
	if err == nil {
		err = unix.Renameat2(dirfd, tmp, dirfd, name, unix.RENAME_NOREPLACE)
		if err == unix.EEXIST && sameContent(dirfd, name, data) {
			unix.Unlinkat(dirfd, tmp, 0)
			return nil
		}
	}
	if err != nil {
		unix.Unlinkat(dirfd, tmp, 0)
		return err
	}
	return f.syncDir(dirfd)
}

func sameContent(dirfd int, name string, data []byte) bool {
	buf := make([]byte, len(data)+1)
	n, err := readSmall(dirfd, name, buf)
	return err == nil && string(buf[:n]) == string(data)
}

// syncDir fsyncs a backing directory given by an O_PATH descriptor.
func (f *FS) syncDir(dirfd int) error {
	if f.opts.NoSync {
		return nil
	}
	fd, err := unix.Openat(dirfd, selfName, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Fsync(fd)
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// wrapErr adds context to a syscall error, keeping the errno reachable
// with errors.Is / errors.As. A nil err stays nil.
func wrapErr(err error, op, path string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("fs: %s %q: %w", op, path, err)
}
