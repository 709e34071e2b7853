package manifest

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// FilePrefix starts the backing name of every manifest. gocryptfs treats
// a root name "gocryptfs.longname.*.name" as the side file of a long
// name: it never shows it in a mount and its -fsck does not check it.
// Sync clients keep the ".name" extension in their conflict copies.
const FilePrefix = crypto.LongNamePrefix + "cofferfs-seal-"

// formatVersion is the version of the manifest payload.
const formatVersion = 1

// maxManifest caps the size of a manifest file that is read.
const maxManifest = 1 << 30

// FileName returns the manifest file of a writer.
func FileName(writer string) string { return FilePrefix + writer + crypto.LongNameSuffix }

// tmpName returns a temporary name for writing a writer's manifest: it
// has the prefix (so walks skip it) and the suffix (so gocryptfs ignores it).
func tmpName(writer string) string {
	var b [8]byte
	rand.Read(b[:])
	return FilePrefix + writer + ".tmp" + hex.EncodeToString(b[:]) + crypto.LongNameSuffix
}

// isTmpName reports a temporary manifest name.
func isTmpName(name string) bool {
	return strings.Contains(strings.TrimPrefix(name, FilePrefix), ".tmp")
}

// Manifest is what one writer states about the vault.
type Manifest struct {
	// Version is the payload format version (1).
	Version int `json:"version"`
	// Vault is the vault ID the manifest belongs to.
	Vault string `json:"vault"`
	// Writer is the random ID of the machine that wrote it.
	Writer string `json:"writer"`
	// Host is that machine's host name (for messages).
	Host string `json:"host"`
	// Generation is one more than the highest generation the writer saw
	// in the vault when it wrote this.
	Generation uint64 `json:"generation"`
	// Time is when it was written.
	Time time.Time `json:"time"`
	// Dirty says the writer was (still) changing the vault: written at
	// mount start and by the periodic seals of a mount, cleared by the
	// seal at its end. A dirty manifest left behind means a crash.
	Dirty bool `json:"dirty,omitempty"`
	// Base is the generation of every writer's manifest when the writer
	// began its change set (MarkDirty): statements newer than that were
	// not known to it, so what it found different from them is the sync
	// client still bringing the files, not its own change.
	Base map[string]uint64 `json:"base,omitempty"`
	// Entries are the writer's statements, sorted by path.
	Entries []Entry `json:"entries"`
	// file is the backing name it was read from.
	file string
}

// Entry is one statement about a backing entry.
type Entry struct {
	// Path is the backing path relative to the cipherdir.
	Path string `json:"p"`
	// Type is "f" (file), "d" (directory), "l" (symlink) or "o" (other).
	Type string `json:"t,omitempty"`
	// Size is a file's backing size.
	Size int64 `json:"s,omitempty"`
	// FileID is a content file's header file ID.
	FileID []byte `json:"id,omitempty"`
	// Hash fingerprints the ciphertext version (see fs.CipherEntry).
	Hash []byte `json:"h,omitempty"`
	// Holes are the blocks that read as holes.
	Holes []uint64 `json:"z,omitempty"`
	// Since is the generation at which this version was first sealed.
	Since uint64 `json:"g"`
	// Deleted makes this a tombstone: the entry was removed at Since.
	Deleted bool `json:"x,omitempty"`
	// Ino and Ctime are the file's inode number and status-change time on
	// the writer's machine when it was read (0 when not recorded): the
	// writer reuses Hash and Holes while both and Size are unchanged.
	Ino   uint64 `json:"i,omitempty"`
	Ctime int64  `json:"c,omitempty"`
}

// racyWindow is how close to a scan a file's ctime may be and still be
// cached: a file system with coarse timestamps could give a change right
// after the scan the same ctime.
const racyWindow = 3 * time.Second

// entryOf converts a walked entry (Since is left 0). The stat key is
// kept only for a file whose ctime is older than racyWindow before start.
func entryOf(c fs.CipherEntry, start time.Time) Entry {
	e := Entry{Path: c.Path, Type: typeLetter(c.Type), Size: c.Size, FileID: c.FileID, Holes: c.Holes}
	if c.Hash != [32]byte{} {
		e.Hash = c.Hash[:]
	}
	if c.Ctime != 0 && c.Ctime < start.Add(-racyWindow).UnixNano() {
		e.Ino, e.Ctime = c.Ino, c.Ctime
	}
	return e
}

// cached fills in c's fingerprint from a statement about the same file
// version, if the stat key says it is one.
func cached(c *fs.CipherEntry, s Entry) bool {
	if s.Type != "f" || s.Deleted || s.Ctime == 0 || s.Ino != c.Ino || s.Ctime != c.Ctime || s.Size != c.Size {
		return false
	}
	c.FileID, c.Holes = s.FileID, s.Holes
	c.Hash = [32]byte{}
	copy(c.Hash[:], s.Hash)
	return true
}

func typeLetter(mode uint32) string {
	switch mode {
	case unix.S_IFREG:
		return "f"
	case unix.S_IFDIR:
		return "d"
	case unix.S_IFLNK:
		return "l"
	}
	return "o"
}

// sameVersion reports whether two statements describe the same
// ciphertext version.
func sameVersion(a, b Entry) bool {
	return a.Deleted == b.Deleted && a.Type == b.Type && a.Size == b.Size &&
		bytes.Equal(a.FileID, b.FileID) && bytes.Equal(a.Hash, b.Hash)
}

// encode seals m under k: gzip-compressed JSON, encrypted and
// authenticated.
func encode(m *Manifest, k *crypto.SealKeys) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(m); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return k.Seal(buf.Bytes()), nil
}

// errForeign is returned for a manifest of another vault.
var errForeign = errors.New("manifest of another vault")

// decode opens a sealed manifest.
func decode(b []byte, k *crypto.SealKeys) (*Manifest, error) {
	plain, err := k.Open(b)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(plain))
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(zr, 8*maxManifest)).Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	switch {
	case m.Version != formatVersion:
		return nil, fmt.Errorf("manifest: unknown version %d", m.Version)
	case m.Vault != k.VaultID:
		return nil, errForeign
	}
	return &m, nil
}
