package manifest

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
)

// Vault is an opened vault as the manifest code uses it: its file system,
// its manifest keys, and this machine's state and writer ID.
type Vault struct {
	fs     *fs.FS
	keys   *crypto.SealKeys
	state  *State
	writer string
	host   string
	// now is the clock (tests may set it).
	now func() time.Time
}

// New returns the manifest view of an opened vault. keys come from
// crypto.DeriveSealKeys of the vault's master key; the caller keeps
// ownership of them.
func New(fsys *fs.FS, keys *crypto.SealKeys, state *State) (*Vault, error) {
	w, err := state.WriterID()
	if err != nil {
		return nil, err
	}
	if !validWriter(w) {
		return nil, errNoWriter
	}
	return &Vault{fs: fsys, keys: keys, state: state, writer: w, host: hostName(), now: time.Now}, nil
}

// Writer returns this machine's writer ID.
func (v *Vault) Writer() string { return v.writer }

// scan walks the vault and returns its current entries by path. Files
// whose inode, size and ctime are those this writer's latest manifest
// recorded are not read again: every write, truncate, rename or copy
// changes one of them.
func (v *Vault) scan(ctx context.Context, set *Set, progress func(int)) (map[string]Entry, error) {
	cur := map[string]Entry{}
	mine := map[string]Entry{}
	if own := set.Latest()[v.writer]; own != nil {
		for _, e := range own.Entries {
			mine[e.Path] = e
		}
	}
	opts := fs.WalkCipherOptions{
		Skip:   func(disk string) bool { return strings.HasPrefix(disk, FilePrefix) },
		Cached: func(c *fs.CipherEntry) bool { return cached(c, mine[c.Path]) },
	}
	start := v.now()
	err := v.fs.WalkCipher(ctx, opts, func(c fs.CipherEntry) error {
		cur[c.Path] = entryOf(c, start)
		if progress != nil {
			progress(len(cur))
		}
		return nil
	})
	return cur, err
}

// nextGeneration is one more than any generation the vault or this
// machine has seen.
func (v *Vault) nextGeneration(set *Set) uint64 {
	g := set.Generation()
	if seen, _ := v.state.Seen(v.keys.VaultID); seen != nil {
		for _, w := range seen.Writers {
			g = max(g, w.Generation)
		}
	}
	return g + 1
}

// Seal scans the vault (headers, nonces and tags only) and writes this
// machine's manifest of it. dirty marks a seal of a mount that is still
// changing the vault (the periodic seal). What another writer sealed as
// newer is kept when the vault here still has an older version of it or
// lacks an entry this machine never saw: the sync client has not brought
// it yet, or it was rolled back, which must stay visible.
func (v *Vault) Seal(ctx context.Context, dirty bool) (*Manifest, error) {
	return v.seal(ctx, dirty, false)
}

// seal is Seal; accept takes the vault as it is, older versions included.
func (v *Vault) seal(ctx context.Context, dirty, accept bool) (*Manifest, error) {
	set, err := Load(v.fs, v.keys)
	if err != nil {
		return nil, err
	}
	cur, err := v.scan(ctx, set, nil)
	if err != nil {
		return nil, err
	}
	m := v.statements(set, cur, v.nextGeneration(set), accept)
	m.Dirty, m.Base = dirty, v.base(set)
	if !dirty {
		m.Base = nil
	}
	if own := set.Latest()[v.writer]; own != nil && own.Dirty == dirty && sameEntries(own.Entries, m.Entries) && !accept {
		return own, nil // nothing new: no upload for the sync client
	}
	if err := write(v.fs, v.keys, m); err != nil {
		return nil, err
	}
	set.Manifests = append(set.Manifests, m)
	return m, v.state.remember(v.keys.VaultID, set, false)
}

// base returns what this writer knew when its change set began: the base
// of its dirty manifest, else what this machine's state has seen.
func (v *Vault) base(set *Set) map[string]uint64 {
	if own := set.Latest()[v.writer]; own != nil && own.Dirty && own.Base != nil {
		return own.Base
	}
	out := map[string]uint64{}
	if seen, _ := v.state.Seen(v.keys.VaultID); seen != nil {
		for w, s := range seen.Writers {
			out[w] = s.Generation
		}
	}
	return out
}

// statements computes the manifest of this writer at generation gen.
func (v *Vault) statements(set *Set, cur map[string]Entry, gen uint64, accept bool) *Manifest {
	view := set.merge()
	base := v.base(set)
	_, hasOwn := set.Latest()[v.writer]
	known := func(p string) bool { // did this writer have the winning statement's version?
		w := view.winners[p][0]
		if hasOwn {
			return w.writer == v.writer || view.statedBy(v.writer, p)
		}
		return w.Since <= base[w.writer]
	}
	m := &Manifest{Version: formatVersion, Vault: v.keys.VaultID, Writer: v.writer, Host: v.host,
		Generation: gen, Time: v.now().UTC()}
	for p, e := range cur {
		switch w, ok := view.matches(e); {
		case ok:
			e.Since = w.Since
		case !accept && len(view.winners[p]) > 0 && (view.isOlder(e) || !known(p)):
			e = view.winners[p][0].Entry // keep the newer statement
			e.Ino, e.Ctime = 0, 0        // which is not what is here
		default:
			e.Since = gen
		}
		m.Entries = append(m.Entries, e)
	}
	for p, ws := range view.winners {
		if _, ok := cur[p]; ok {
			continue
		}
		switch {
		case !accept && view.live(p) && !known(p):
			e := ws[0].Entry
			e.Ino, e.Ctime = 0, 0
			m.Entries = append(m.Entries, e) // not synced here yet
		case view.live(p):
			m.Entries = append(m.Entries, Entry{Path: p, Since: gen, Deleted: true})
		case anyLive(view.all[p]):
			m.Entries = append(m.Entries, ws[0].Entry) // keep the tombstone
		}
	}
	sort.Slice(m.Entries, func(i, j int) bool { return m.Entries[i].Path < m.Entries[j].Path })
	return m
}

// anyLive reports whether some statement says the path exists.
func anyLive(ss []stated) bool {
	for _, s := range ss {
		if !s.Deleted {
			return true
		}
	}
	return false
}

// MarkDirty records, before a mount starts changing the vault, that this
// writer has changes not sealed yet: its last manifest is written again
// with a new generation and the dirty flag. If cofferfs dies before it
// seals, verify reports the differences as unsealed changes. A vault
// that was never sealed stays without a manifest until its first seal.
func (v *Vault) MarkDirty() error {
	set, err := Load(v.fs, v.keys)
	if err != nil {
		return err
	}
	if len(set.Manifests) == 0 {
		return nil // never sealed: the first seal makes the first manifest
	}
	m := &Manifest{Version: formatVersion, Vault: v.keys.VaultID, Writer: v.writer}
	if own := set.Latest()[v.writer]; own != nil {
		*m = *own
	}
	m.Host, m.Time, m.Dirty = v.host, v.now().UTC(), true
	m.Base = map[string]uint64{}
	for w, l := range set.Latest() {
		m.Base[w] = l.Generation
	}
	m.Generation = v.nextGeneration(set)
	if err := write(v.fs, v.keys, m); err != nil {
		return err
	}
	set.Manifests = append(set.Manifests, m)
	return v.state.remember(v.keys.VaultID, set, false)
}

// Accept seals the vault as it is now and makes this machine's record
// of it exactly that: after the user has looked at what verify reported.
func (v *Vault) Accept(ctx context.Context) (*Manifest, error) {
	m, err := v.seal(ctx, false, true)
	if err != nil {
		return nil, err
	}
	set, err := Load(v.fs, v.keys)
	if err != nil {
		return nil, err
	}
	if err := v.state.remember(v.keys.VaultID, set, true); err != nil {
		return nil, err
	}
	return m, nil
}

// sameEntries reports whether two sorted statement lists are equal.
func sameEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Path != b[i].Path || a[i].Since != b[i].Since || !sameVersion(a[i], b[i]) {
			return false
		}
	}
	return true
}
