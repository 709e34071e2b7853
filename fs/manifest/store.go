package manifest

import (
	"errors"
	"os"
	"sort"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// Set is every manifest of a vault: one per writer, plus the conflict
// copies a sync client made of them.
type Set struct {
	// Manifests are the manifests that authenticate, in file name order.
	Manifests []*Manifest
	// Bad are the manifest files that do not authenticate or parse.
	Bad []BadFile
}

// BadFile is a manifest file that cannot be used.
type BadFile struct {
	// Name is its backing name at the vault root.
	Name string
	// Err says why.
	Err error
}

// Load reads every manifest of the vault. Temporary names of a seal that
// did not finish are ignored.
func Load(fsys *fs.FS, k *crypto.SealKeys) (*Set, error) {
	files, err := fsys.ReadRootFiles(FilePrefix, maxManifest)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if !isTmpName(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	s := &Set{}
	for _, n := range names {
		m, err := decode(files[n], k)
		if err != nil {
			s.Bad = append(s.Bad, BadFile{Name: n, Err: err})
			continue
		}
		m.file = n
		s.Manifests = append(s.Manifests, m)
	}
	return s, nil
}

// Generation returns the highest generation of any manifest (0 if none).
func (s *Set) Generation() uint64 {
	var g uint64
	for _, m := range s.Manifests {
		g = max(g, m.Generation)
	}
	return g
}

// Latest returns the newest manifest of each writer.
func (s *Set) Latest() map[string]*Manifest {
	out := map[string]*Manifest{}
	for _, m := range s.Manifests {
		if cur := out[m.Writer]; cur == nil || m.Generation > cur.Generation {
			out[m.Writer] = m
		}
	}
	return out
}

// Unsealed returns the writers whose newest manifest is dirty: a
// cofferfs that is still changing the vault, or one that stopped without
// sealing (a crash).
func (s *Set) Unsealed() []*Manifest {
	var out []*Manifest
	for _, m := range s.Latest() {
		if m.Dirty {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Writer < out[j].Writer })
	return out
}

// write seals m and stores it as its writer's manifest.
func write(fsys *fs.FS, k *crypto.SealKeys, m *Manifest) error {
	b, err := encode(m, k)
	if err != nil {
		return err
	}
	return fsys.WriteRootFile(FileName(m.Writer), tmpName(m.Writer), b)
}

// errNoWriter is returned when the state has no writer ID.
var errNoWriter = errors.New("manifest: no writer ID")

// hostName returns this machine's name for manifests.
func hostName() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
