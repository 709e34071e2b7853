package sysx

import (
	"encoding/binary"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Dirent is one linux_dirent64 record.
type Dirent struct {
	Name string
	Ino  uint64
	Mode uint32 // S_IF* bits from d_type; 0 for DT_UNKNOWN
}

// direntBuf is the getdents64 buffer size.
const direntBuf = 32 << 10

// ReadDirents calls fn for every entry of the open directory fd except
// "." and "..", in the order getdents64 returns them. A malformed record
// ends the listing with unix.EIO.
func ReadDirents(fd int, fn func(Dirent)) error {
	buf := make([]byte, direntBuf)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		if err := parseDirents(buf[:n], fn); err != nil {
			return err
		}
	}
}

// parseDirents decodes the linux_dirent64 records of b.
func parseDirents(b []byte, fn func(Dirent)) error {
	const nameOff = int(unsafe.Offsetof(unix.Dirent{}.Name))
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			return unix.EIO
		}
		name := b[nameOff:reclen]
		if i := strings.IndexByte(string(name), 0); i >= 0 {
			name = name[:i]
		}
		if s := string(name); s != "." && s != ".." {
			fn(Dirent{Name: s, Ino: binary.NativeEndian.Uint64(b[0:8]), Mode: DirentMode(b[18])})
		}
		b = b[reclen:]
	}
	return nil
}
