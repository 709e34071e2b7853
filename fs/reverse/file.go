package reverse

import (
	"encoding/binary"
	"io"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// File is an open view file: a plain regular file encrypted on the fly,
// or a virtual file's bytes. It is safe for concurrent use.
type File struct {
	v      *View
	data   []byte // a virtual file's content; nil for plain files
	fd     int    // plain file, read-only
	st     unix.Stat_t
	size   int64 // view size
	header []byte
	block0 []byte
}

// Open opens the view file at viewPath for reading. Directories give
// EISDIR, symlinks ELOOP and other non-regular files EACCES.
func (v *View) Open(viewPath string) (*File, error) {
	n, err := v.resolve(viewPath)
	if err != nil {
		return nil, err
	}
	switch n.kind {
	case kindDirIV:
		return &File{v: v, data: v.dirIV(n.plainView()), fd: -1}, nil
	case kindNameFile:
		return &File{v: v, data: []byte(n.cname), fd: -1}, nil
	case kindConfig:
		return v.openConfig()
	}
	return v.openPlainFile(n)
}

// plainView is the view path of the directory whose diriv n is.
func (n node) plainView() string {
	if i := len(n.view) - len(crypto.DirIVName) - 1; i > 0 {
		return n.view[:i]
	}
	return ""
}

// openConfig reads the plain reverse config, shown unchanged.
func (v *View) openConfig() (*File, error) {
	fd, err := v.openPlain(crypto.ReverseConfigName, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	data, err := io.ReadAll(io.NewSectionReader(fdReader(fd), 0, 1<<20))
	if err != nil {
		return nil, err
	}
	return &File{v: v, data: data, fd: -1}, nil
}

// openPlainFile opens a plain regular file for on-the-fly encryption.
func (v *View) openPlainFile(n node) (*File, error) {
	fd, err := v.openPlain(n.plain, unix.O_RDONLY|unix.O_NONBLOCK) // a FIFO must not block
	if err != nil {
		return nil, err
	}
	f := &File{v: v, fd: fd}
	if err := unix.Fstat(fd, &f.st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if t := f.st.Mode & unix.S_IFMT; t != unix.S_IFREG {
		unix.Close(fd)
		if t == unix.S_IFDIR {
			return nil, unix.EISDIR
		}
		return nil, unix.EACCES
	}
	f.size = int64(v.content.CipherSize(uint64(f.st.Size)))
	f.header = make([]byte, 2, crypto.HeaderSize)
	binary.BigEndian.PutUint16(f.header, crypto.FormatVersion)
	ivPath := v.links.ivPath(&f.st, v.inos.statIno(&f.st, tagPlain), n.view)
	f.header = append(f.header, crypto.PathIV(ivPath, crypto.PurposeFileID)...)
	f.block0 = crypto.PathIV(ivPath, crypto.PurposeBlock0IV)
	return f, nil
}

// Signature identifies the plain file and its version at Open: inode
// number, size, mtime and ctime; zero for virtual files. Every read
// of f gives bytes of this version (or fails with ErrChanged).
func (f *File) Signature() [4]int64 {
	if f.fd < 0 {
		return [4]int64{}
	}
	return [4]int64{int64(f.st.Ino), f.st.Size, f.st.Mtim.Nano(), f.st.Ctim.Nano()}
}

// Size returns the file's size in the view.
func (f *File) Size() int64 {
	if f.fd < 0 {
		return int64(len(f.data))
	}
	return f.size
}

// Close releases the plain file.
func (f *File) Close() error {
	if f.fd < 0 {
		return nil
	}
	return unix.Close(f.fd)
}

// ReadAt reads view bytes at off. It fails with ErrChanged if the plain
// file is not the one (or not as it was) when it was opened.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.fd < 0 {
		return readBytes(f.data, p, off)
	}
	end := min(off+int64(len(p)), f.size)
	if off < 0 || off >= end {
		return 0, io.EOF
	}
	pos := off
	if pos < crypto.HeaderSize {
		pos += int64(copy(p, f.header[pos:]))
	}
	cbs := int64(f.v.content.CipherBlockSize())
	for pos < end {
		b := (pos - crypto.HeaderSize) / cbs
		blk, err := f.block(uint64(b))
		if err != nil {
			return 0, err
		}
		start := crypto.HeaderSize + b*cbs
		pos += int64(copy(p[pos-off:end-off], blk[pos-start:]))
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	if end-off < int64(len(p)) {
		return int(end - off), io.EOF
	}
	return int(end - off), nil
}

// block reads plain block b and returns its sealed form.
func (f *File) block(b uint64) ([]byte, error) {
	start := int64(b) * crypto.BlockSize
	k := min(f.st.Size-start, crypto.BlockSize)
	buf := make([]byte, k, k+int64(f.v.content.Overhead()))
	got, err := unix.Pread(f.fd, buf, start)
	if err != nil {
		return nil, err
	}
	if int64(got) != k {
		return nil, ErrChanged
	}
	nonce := crypto.BlockNonce(f.block0, b)
	return f.v.content.SealBlockNonce(nil, buf, b, f.header[2:], nonce), nil
}

// check fails with ErrChanged if the plain file was written, truncated or
// replaced since Open.
func (f *File) check() error {
	var now unix.Stat_t
	if err := unix.Fstat(f.fd, &now); err != nil {
		return err
	}
	if now.Ino != f.st.Ino || now.Dev != f.st.Dev || now.Size != f.st.Size ||
		now.Mtim != f.st.Mtim || now.Ctim != f.st.Ctim {
		return ErrChanged
	}
	return nil
}

// readBytes is ReadAt over a byte slice.
func readBytes(data, p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fdReader reads a descriptor with pread.
type fdReader int

// ReadAt implements io.ReaderAt.
func (r fdReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := unix.Pread(int(r), p, off)
	if err == nil && n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}
