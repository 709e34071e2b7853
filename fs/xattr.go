package fs

import (
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// POSIX ACLs are stored unencrypted under their own names (docs/format.md §6.2).
var aclNames = map[string]bool{
	"system.posix_acl_access":  true,
	"system.posix_acl_default": true,
}

// maxXattrValue is the largest value Linux stores; the sealed value is
// larger than the plaintext by the codec overhead.
const maxXattrValue = 64 << 10

// backingXattrName maps a plaintext xattr name to its stored name.
func (f *FS) backingXattrName(name string) (string, error) {
	if aclNames[name] {
		return name, nil
	}
	n, err := f.names.EncryptXattrName(name)
	if err != nil {
		return "", unix.EINVAL
	}
	return n, nil
}

// Getxattr returns the plaintext value of an extended attribute.
func (f *FS) Getxattr(path, name string) ([]byte, error) {
	val, err := f.Inspect().GetxattrCipher(path, name)
	if err != nil || aclNames[name] || len(val) == 0 {
		return val, err // an empty value is stored as is
	}
	plain, err := f.content.OpenValue(nil, val)
	if err != nil {
		return nil, &CorruptError{Path: path, What: "xattr " + name, Err: err}
	}
	return plain, nil
}

// getxattr reads a stored value, growing the buffer as needed.
func getxattr(o *xattrObj, name string) ([]byte, error) {
	for size := 256; ; size *= 4 {
		buf := make([]byte, size)
		n, err := o.get(name, buf)
		if err == unix.ERANGE && size < maxXattrValue*4 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// Setxattr stores an extended attribute; flags are XATTR_CREATE or
// XATTR_REPLACE as in setxattr(2).
func (f *FS) Setxattr(path, name string, value []byte, flags int) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	bname, err := f.backingXattrName(name)
	if err != nil {
		return wrapErr(err, "setxattr", path)
	}
	if !aclNames[name] && len(value) > 0 { // an empty value is stored as is
		if len(value)+f.content.Overhead() > maxXattrValue {
			return wrapErr(unix.E2BIG, "setxattr", path)
		}
		value = f.content.SealBlock(nil, value, 0, nil)
	}
	o, err := f.openXattr(path)
	if err != nil {
		return err
	}
	defer o.close()
	if err := o.fallback(); err != nil { // setxattrat is not worth a second path
		return err
	}
	return wrapErr(unix.Setxattr(o.proc, bname, value, flags), "setxattr", path)
}

// Removexattr deletes an extended attribute.
func (f *FS) Removexattr(path, name string) error {
	if err := f.checkWritable(); err != nil {
		return err
	}
	bname, err := f.backingXattrName(name)
	if err != nil {
		return wrapErr(err, "removexattr", path)
	}
	o, err := f.openXattr(path)
	if err != nil {
		return err
	}
	defer o.close()
	if err := o.fallback(); err != nil {
		return err
	}
	return wrapErr(unix.Removexattr(o.proc, bname), "removexattr", path)
}

// Listxattr returns the plaintext xattr names of path. Stored names that
// do not decrypt are left out.
func (f *FS) Listxattr(path string) ([]string, error) {
	o, err := f.openXattr(path)
	if err != nil {
		return nil, err
	}
	defer o.close()
	var raw []byte
	for size := 1024; ; size *= 4 {
		buf := make([]byte, size)
		n, err := o.list(buf)
		if err == unix.ERANGE && size < 1<<22 {
			continue
		}
		if err != nil {
			return nil, wrapErr(err, "listxattr", path)
		}
		raw = buf[:n]
		break
	}
	var out []string
	for _, n := range strings.Split(string(raw), "\x00") {
		switch {
		case aclNames[n]:
			out = append(out, n)
		case strings.HasPrefix(n, crypto.XattrPrefix):
			if p, err := f.names.DecryptXattrName(n); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}
