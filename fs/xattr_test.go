package fs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
)

// backingXattrs returns the stored xattrs of a backing path.
func backingXattrs(t *testing.T, path string) map[string][]byte {
	t.Helper()
	buf := make([]byte, 1<<16)
	n, err := unix.Llistxattr(path, buf)
	must(t, err)
	out := map[string][]byte{}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name == "" {
			continue
		}
		val := make([]byte, 1<<17)
		m, err := unix.Lgetxattr(path, name, val)
		must(t, err)
		out[name] = val[:m]
	}
	return out
}

// TestXattr runs with the *xattrat system calls (Linux 6.13) and with
// the fallback for older kernels.
func TestXattr(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(map[bool]string{false: "xattrat", true: "fallback"}[fallback], func(t *testing.T) {
			testXattr(t, fallback)
		})
	}
}

func testXattr(t *testing.T, fallback bool) {
	forEachVariant(t, func(t *testing.T, v0 variant) {
		v := newVault(t, v0.opts)
		if fallback {
			v.FS.UseXattrFallback()
		}
		long := strings.Repeat("X", 200)
		writeFile(t, v.FS, long, []byte("x"))
		must(t, v.Mkdir("dir", 0o755, nil))
		over := 1<<16 - v.Content().Overhead() + 1
		values := map[string][]byte{
			// All of them must fit in one 4 KiB ext4 xattr block.
			"user.a": []byte("1"), "user.empty": nil, "user.block": bytes.Repeat([]byte{7}, 1500),
			"trusted.other.namespace":          []byte("t"),
			"user." + strings.Repeat("n", 150): []byte("long name"), "user.bin": {0, 1, 2, 0, 255},
		}
		for _, p := range []string{long, "dir", ""} {
			for name, val := range values {
				must(t, v.Setxattr(p, name, val, 0))
			}
			for name, val := range values {
				got, err := v.Getxattr(p, name)
				must(t, err)
				if !bytes.Equal(got, val) {
					t.Errorf("%.10s %.20s: value of %d bytes, want %d", p, name, len(got), len(val))
				}
			}
			list, err := v.Listxattr(p)
			must(t, err)
			slices.Sort(list)
			if want := slices.Sorted(func(yield func(string) bool) {
				for n := range values {
					yield(n)
				}
			}); !slices.Equal(list, want) {
				t.Errorf("%.10s: Listxattr %q, want %q", p, list, want)
			}

			// What is stored: encrypted names in user.gocryptfs., values
			// sealed (longer by the overhead), empty values empty.
			stored := backingXattrs(t, v.backing(t, p))
			if p == "" {
				stored = backingXattrs(t, v.dir)
			}
			if len(stored) != len(values) {
				t.Errorf("%.10s: %d stored xattrs, want %d", p, len(stored), len(values))
			}
			for name, val := range stored {
				if !strings.HasPrefix(name, crypto.XattrPrefix) {
					t.Errorf("stored xattr name %q is not encrypted", name)
				}
				if len(val) != 0 && len(val) <= v.Content().Overhead() {
					t.Errorf("stored value of %d bytes", len(val))
				}
				if bytes.Contains(val, []byte("long name")) {
					t.Error("stored value is not encrypted")
				}
			}

			// XATTR_CREATE / XATTR_REPLACE, remove.
			wantErrno(t, v.Setxattr(p, "user.a", []byte("2"), unix.XATTR_CREATE), unix.EEXIST, "XATTR_CREATE of an existing xattr")
			wantErrno(t, v.Setxattr(p, "user.new", []byte("2"), unix.XATTR_REPLACE), unix.ENODATA, "XATTR_REPLACE of a missing xattr")
			must(t, v.Setxattr(p, "user.a", []byte("2"), unix.XATTR_REPLACE))
			must(t, v.Setxattr(p, "user.new", []byte("3"), unix.XATTR_CREATE))
			if got, _ := v.Getxattr(p, "user.a"); string(got) != "2" {
				t.Errorf("after XATTR_REPLACE: %q", got)
			}
			must(t, v.Removexattr(p, "user.a"))
			_, err = v.Getxattr(p, "user.a")
			wantErrno(t, err, unix.ENODATA, "Getxattr of a removed xattr")
			wantErrno(t, v.Removexattr(p, "user.a"), unix.ENODATA, "Removexattr of a missing xattr")
			wantErrno(t, v.Setxattr(p, "user.huge", make([]byte, over), 0), unix.E2BIG, "Setxattr of a value over the limit")
			wantErrno(t, v.Setxattr(p, "", []byte("x"), 0), unix.EINVAL, "Setxattr with an empty name")
			wantErrno(t, v.Setxattr(p, "user.\x00", []byte("x"), 0), unix.EINVAL, "Setxattr with a NUL in the name")
		}
		_, err := v.Getxattr("missing", "user.a")
		wantErrno(t, err, unix.ENOENT, "Getxattr of a missing file")
		_, err = v.Listxattr("missing")
		wantErrno(t, err, unix.ENOENT, "Listxattr of a missing file")

		// User xattrs are not allowed on symlinks and fifos; nothing breaks.
		must(t, v.Symlink("t", "link", nil))
		must(t, v.Mknod("fifo", unix.S_IFIFO|0o644, 0, nil))
		for _, p := range []string{"link", "fifo"} {
			wantErrno(t, v.Setxattr(p, "user.a", []byte("1"), 0), unix.EPERM, "Setxattr on "+p)
			if l, err := v.Listxattr(p); err != nil || len(l) != 0 {
				t.Errorf("Listxattr(%s) = %q, %v", p, l, err)
			}
		}
	})
}

// TestXattrACL checks that POSIX ACLs are stored under their own names,
// unencrypted (spec 6.2).
func TestXattrACL(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "f", nil)
	// version 2; user::rw-, user:1000:r--, group::r--, mask::rw-, other::r--
	acl := binary.LittleEndian.AppendUint32(nil, 2)
	for _, e := range [][3]uint32{{0x01, 6, 0xffffffff}, {0x02, 4, 1000}, {0x04, 4, 0xffffffff}, {0x10, 6, 0xffffffff}, {0x20, 4, 0xffffffff}} {
		acl = binary.LittleEndian.AppendUint16(acl, uint16(e[0]))
		acl = binary.LittleEndian.AppendUint16(acl, uint16(e[1]))
		acl = binary.LittleEndian.AppendUint32(acl, e[2])
	}
	err := v.Setxattr("f", "system.posix_acl_access", acl, 0)
	if errors.Is(err, unix.EOPNOTSUPP) {
		t.Skip("backing file system without ACLs")
	}
	must(t, err)
	got, err := v.Getxattr("f", "system.posix_acl_access")
	must(t, err)
	if !bytes.Equal(got, acl) {
		t.Errorf("ACL read back as %x, want %x", got, acl)
	}
	list, err := v.Listxattr("f")
	must(t, err)
	if !slices.Contains(list, "system.posix_acl_access") {
		t.Errorf("Listxattr %q lacks the ACL", list)
	}
	val := make([]byte, 256)
	if _, err := unix.Lgetxattr(v.backing(t, "f"), "system.posix_acl_access", val); err != nil {
		t.Errorf("ACL not stored under its own name: %v", err)
	}
}
