package fstest

import (
	"io"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// VaultTree is the plaintext view of a vault as a Tree.
type VaultTree struct{ FS *fs.FS }

// Stat implements Tree.
func (v VaultTree) Stat(p string) (unix.Stat_t, error) { return v.FS.Stat(p) }

// ReadDirNames implements Tree.
func (v VaultTree) ReadDirNames(p string) ([]string, error) {
	ents, err := v.FS.ReadDir(p)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name
	}
	return names, err
}

// ReadFile implements Tree.
func (v VaultTree) ReadFile(p string) (io.ReadCloser, error) {
	f, err := v.FS.Open(p, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return &fileReader{f: f}, nil
}

// Readlink implements Tree.
func (v VaultTree) Readlink(p string) (string, error) { return v.FS.Readlink(p) }

// Xattrs implements Tree.
func (v VaultTree) Xattrs(p string) (map[string]string, error) {
	out := map[string]string{}
	names, err := v.FS.Listxattr(p)
	if err != nil {
		return out, nil
	}
	for _, n := range names {
		val, err := v.FS.Getxattr(p, n)
		if err != nil {
			return nil, err
		}
		out[n] = string(val)
	}
	return out, nil
}

type fileReader struct {
	f   *fs.File
	off int64
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.f.ReadAt(p, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (r *fileReader) Close() error { return r.f.Close() }
