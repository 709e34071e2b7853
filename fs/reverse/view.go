package reverse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Options select the format variant of the view; they come from the
// reverse config.
type Options struct {
	// Raw64 selects unpadded base64url names (the Raw64 flag).
	Raw64 bool
	// DirIV selects per-directory IVs; false means deterministic names
	// and no virtual gocryptfs.diriv files.
	DirIV bool
	// LongNameMax is the long-name threshold; 0 means 255.
	LongNameMax int
	// Exclude lists gitignore patterns of plain paths to hide.
	Exclude []string
}

// ErrChanged is returned by File.ReadAt when the plain file changed while
// it was read. It wraps EIO.
var ErrChanged = fmt.Errorf("reverse: plain file changed while being read: %w", unix.EIO)

// ErrReadOnly is returned for every attempt to change the view.
var ErrReadOnly = fmt.Errorf("reverse: the view is read-only: %w", unix.EROFS)

// View is the ciphertext view of one plain directory. It is safe for
// concurrent use.
type View struct {
	root    int // O_PATH descriptor of the plain directory
	names   *crypto.NameCipher
	content *crypto.ContentCipher
	opts    Options
	exclude *matcher
	dirs    dirCache
	inos    *inoMap
	links   linkTable
	listed  listed
}

// New opens the view of plainDir under the 32-byte master key (which the
// caller keeps and may clear afterwards).
func New(plainDir string, masterKey []byte, opts Options) (*View, error) {
	keys := crypto.DeriveKeys(masterKey, crypto.AESSIV)
	defer keys.Wipe()
	names, err := crypto.NewNameCipher(keys.Name, opts.Raw64)
	if err != nil {
		return nil, err
	}
	content, err := crypto.NewContentCipher(crypto.AESSIV, keys.Content)
	if err != nil {
		return nil, err
	}
	m, err := compilePatterns(opts.Exclude)
	if err != nil {
		return nil, err
	}
	if opts.LongNameMax == 0 {
		opts.LongNameMax = crypto.DefaultLongNameMax
	}
	fd, err := unix.Open(plainDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reverse: open plain directory %q: %w", plainDir, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("reverse: stat plain directory %q: %w", plainDir, err)
	}
	return &View{root: fd, names: names, content: content, opts: opts, exclude: m, inos: newInoMap(st.Dev)}, nil
}

// Close releases the plain directory. Open files stay usable.
func (v *View) Close() error { return unix.Close(v.root) }

// Content returns the view's block codec (for size arithmetic).
func (v *View) Content() *crypto.ContentCipher { return v.content }

// openPlain is the one chokepoint of plain access: rel ("" for the root)
// is opened below the root, never through a symlink. With O_PATH and
// O_NOFOLLOW a final symlink is opened itself.
func (v *View) openPlain(rel string, flags int) (int, error) {
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC | unix.O_NOFOLLOW),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS}
	for {
		fd, err := unix.Openat2(v.root, rel, &how)
		if !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EAGAIN) {
			return fd, err
		}
	}
}

// lstatPlain returns the lstat of a plain path through openPlain.
func (v *View) lstatPlain(rel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := v.openPlain(rel, unix.O_PATH)
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	err = unix.Fstat(fd, &st)
	return st, err
}

// joinPath joins a parent path ("" for the root) and a name.
func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// baseName returns the last component of a path.
func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// Statfs reports the file system of the plain directory.
func (v *View) Statfs(st *unix.Statfs_t) error { return unix.Fstatfs(v.root, st) }
