package fs

import (
	"golang.org/x/sys/unix"
)

// Raw access to ciphertext, for fsck: it reports where damage lies and
// keeps a copy of damaged ciphertext before a repair rewrites it.

// CipherSize returns the size of the backing file.
func (fl *File) CipherSize() (int64, error) {
	fl.ino.mu.RLock()
	defer fl.ino.mu.RUnlock()
	fl.ino.settle()
	n, err := fl.cipherSize()
	return int64(n), err
}

// ReadCipherAt reads backing (encrypted) bytes at off, like io.ReaderAt
// but without io.EOF: it returns how many bytes there were.
func (fl *File) ReadCipherAt(p []byte, off int64) (int, error) {
	fl.ino.mu.RLock()
	defer fl.ino.mu.RUnlock()
	fl.ino.settle()
	total := 0
	for total < len(p) {
		n, err := unix.Pread(fl.fd, p[total:], off+int64(total))
		if err != nil {
			return total, wrapErr(err, "read ciphertext", fl.path)
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, nil
}

// ReadlinkCipher returns the backing (encrypted) target of a symlink.
func (in Inspector) ReadlinkCipher(path string) (string, error) {
	f := in.f
	e, err := f.lookup(path)
	if err != nil {
		return "", err
	}
	defer e.close()
	buf := make([]byte, maxLinkTarget+1)
	n, err := unix.Readlinkat(e.dir, e.disk, buf)
	if err != nil {
		return "", wrapErr(err, "readlink", path)
	}
	return string(buf[:n]), nil
}

// GetxattrCipher returns the stored (encrypted) value of an extended
// attribute.
func (in Inspector) GetxattrCipher(path, name string) ([]byte, error) {
	f := in.f
	bname, err := f.backingXattrName(name)
	if err != nil {
		return nil, wrapErr(err, "getxattr", path)
	}
	o, err := f.openXattr(path)
	if err != nil {
		return nil, err
	}
	defer o.close()
	val, err := getxattr(o, bname)
	return val, wrapErr(err, "getxattr", path)
}
