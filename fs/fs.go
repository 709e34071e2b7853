package fs

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Options select the format variant of a vault. The zero value plus
// Raw64 and DirIV is what every new vault uses.
type Options struct {
	// Algorithm is the content AEAD of the vault.
	Algorithm crypto.Algorithm
	// Raw64 selects unpadded base64url names (the Raw64 flag).
	Raw64 bool
	// DirIV selects per-directory IVs; false means deterministic names.
	DirIV bool
	// LongNameMax is the long-name threshold; 0 means 255.
	LongNameMax int
	// ReadOnly refuses every operation that would change the vault.
	ReadOnly bool
	// NoSync skips the fsyncs that make new directories and long-name
	// files crash-safe. Only for benchmarks and throwaway vaults.
	NoSync bool
	// Logger receives the entries listings hide (rate-limited, see
	// hidden.go); nil discards them.
	Logger *slog.Logger
}

// FS is the plaintext view of one cipherdir. Paths are plaintext,
// relative to the vault root and separated by "/"; "" is the root. It is
// safe for concurrent use.
type FS struct {
	root    int // O_PATH descriptor of the cipherdir
	names   *crypto.NameCipher
	content *crypto.ContentCipher
	opts    Options
	log     *slog.Logger
	inodes  inodeTable
	dirs    dirCache
	bufs    bufPool
	hidden  hiddenLog
	closeMu sync.Once

	rootMu sync.Mutex
	rootIV []byte // the root's name IV once read

	rootConflicts atomic.Pointer[dirConflicts] // the root's record (dirconflicts.go)

	noXattrAt atomic.Bool // the kernel lacks getxattrat(2) (before 6.13)

	changes changeRecorder // what RecordChanges logs (changes.go)

	now func() time.Time // the clock (tests move it)
}

// ErrReadOnly is returned for a change to a vault opened read-only.
var ErrReadOnly = fmt.Errorf("fs: vault is read-only: %w", unix.EROFS)

// CorruptError reports ciphertext that does not decrypt: a block, a file
// header, a name, a symlink target or an xattr.
type CorruptError struct {
	// Path is the plaintext path, or the best part of it that is known.
	Path string
	// What names the damaged part, e.g. "block 7", "header", "name".
	What string
	// Err is crypto.ErrAuth, crypto.ErrBadName or crypto.ErrBadHeader.
	Err error
}

// Error implements error.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("fs: %s of %q does not decrypt: %v", e.What, e.Path, e.Err)
}

// Unwrap returns the underlying crypto error.
func (e *CorruptError) Unwrap() error { return e.Err }

// New opens the cipherdir at dir with the given master key. The master
// key is not retained: New derives subkeys and the caller may clear it.
func New(dir string, masterKey []byte, opts Options) (*FS, error) {
	if len(masterKey) != crypto.KeySize {
		return nil, fmt.Errorf("fs: master key has %d bytes, want %d", len(masterKey), crypto.KeySize)
	}
	keys := crypto.DeriveKeys(masterKey, opts.Algorithm)
	defer keys.Wipe()
	names, err := crypto.NewNameCipher(keys.Name, opts.Raw64)
	if err != nil {
		return nil, err
	}
	content, err := crypto.NewContentCipher(opts.Algorithm, keys.Content)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("fs: open cipherdir %q: %w", dir, err)
	}
	if opts.LongNameMax == 0 {
		opts.LongNameMax = crypto.DefaultLongNameMax
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &FS{root: fd, names: names, content: content, opts: opts, log: log, now: time.Now}
	f.inodes.init()
	return f, nil
}

// Close releases the cipherdir descriptor. Open files stay usable.
func (f *FS) Close() error {
	var err error
	f.closeMu.Do(func() {
		f.dirs.close()
		err = unix.Close(f.root)
	})
	return err
}

// Content returns the vault's block codec (for size arithmetic).
func (f *FS) Content() *crypto.ContentCipher { return f.content }

// ReadOnly reports whether the vault was opened read-only.
func (f *FS) ReadOnly() bool { return f.opts.ReadOnly }

func (f *FS) checkWritable() error {
	if f.opts.ReadOnly {
		return ErrReadOnly
	}
	return nil
}

// IsCorrupt reports whether err means ciphertext that did not decrypt,
// including ciphertext that is not fully synced yet (IsIncomplete).
func IsCorrupt(err error) bool {
	var ce *CorruptError
	return errors.As(err, &ce) || errors.Is(err, crypto.ErrAuth) ||
		errors.Is(err, crypto.ErrBadName) || errors.Is(err, crypto.ErrBadHeader) ||
		errors.Is(err, ErrIncomplete) || errors.Is(err, ErrDirIVLost)
}
