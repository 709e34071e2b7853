package manifest

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
)

// Kind classifies a finding of Verify.
type Kind string

// The kinds of findings.
const (
	Changed     Kind = "changed outside cofferfs" // another version than sealed: rolled back or replaced
	Missing     Kind = "missing"                  // sealed, now gone
	Added       Kind = "added outside cofferfs"   // present, never sealed
	Swapped     Kind = "swapped"                  // holds the file sealed under another name
	Truncated   Kind = "truncated"                // same file, shorter
	Zeroed      Kind = "blocks zeroed"            // same file, blocks now read as holes
	Rollback    Kind = "vault rolled back"        // older than this machine has seen
	BadManifest Kind = "bad manifest"             // a manifest file that does not authenticate
)

// Finding is one difference between the vault and its manifests.
type Finding struct {
	// Kind classifies it.
	Kind Kind `json:"kind"`
	// Path is the plaintext path, where it decrypts.
	Path string `json:"path,omitempty"`
	// CipherPath is the backing path relative to the cipherdir.
	CipherPath string `json:"cipher_path,omitempty"`
	// Detail says what exactly differs.
	Detail string `json:"detail"`
	// Unsealed is set when a writer has changes it has not sealed (a
	// running or crashed cofferfs): the difference may be its own.
	Unsealed bool `json:"unsealed,omitempty"`
}

// Info describes one manifest for the report.
type Info struct {
	// File is its backing name.
	File string `json:"file"`
	// Writer and Host say who wrote it.
	Writer string `json:"writer"`
	Host   string `json:"host"`
	// Generation and Time say when.
	Generation uint64    `json:"generation"`
	Time       time.Time `json:"time"`
	// Dirty: written while its writer was still changing the vault.
	Dirty bool `json:"dirty,omitempty"`
}

// Report is the outcome of Verify.
type Report struct {
	// Vault is the vault ID.
	Vault string `json:"vault"`
	// Generation is the highest generation of the vault's manifests.
	Generation uint64 `json:"generation"`
	// Manifests are the manifests found (conflict copies included).
	Manifests []Info `json:"manifests"`
	// Entries counts the backing entries scanned.
	Entries int `json:"entries"`
	// FirstUse: this machine had not seen the vault's manifests before
	// and trusts them as they are.
	FirstUse bool `json:"first_use,omitempty"`
	// Unsealed are the hosts with changes they have not sealed.
	Unsealed []string `json:"unsealed,omitempty"`
	// Findings are the differences.
	Findings []Finding `json:"findings"`
}

// Sealed reports whether the vault has any usable manifest.
func (r *Report) Sealed() bool { return len(r.Manifests) > 0 }

// Check is the cheap part of Verify: it reads the manifests only (no
// scan) and reports bad manifests, a rollback of the vault, writers with
// unsealed changes and a first use. It records the generations it saw in
// the state (they only go up).
func (v *Vault) Check() (*Report, error) {
	set, err := Load(v.fs, v.keys)
	if err != nil {
		return nil, err
	}
	return v.check(set)
}

func (v *Vault) check(set *Set) (*Report, error) {
	rep := &Report{Vault: v.keys.VaultID, Generation: set.Generation(), Manifests: []Info{}, Findings: []Finding{}}
	for _, m := range set.Manifests {
		rep.Manifests = append(rep.Manifests, Info{File: m.file, Writer: m.Writer, Host: m.Host,
			Generation: m.Generation, Time: m.Time, Dirty: m.Dirty})
	}
	for _, b := range set.Bad {
		rep.Findings = append(rep.Findings, Finding{Kind: BadManifest, CipherPath: b.Name,
			Detail: "does not authenticate (damaged, forged, or of another vault): " + b.Err.Error()})
	}
	if err := v.checkRollback(set, rep); err != nil {
		return nil, err
	}
	for _, m := range set.Unsealed() {
		rep.Unsealed = append(rep.Unsealed, m.Host)
	}
	return rep, nil
}

// Verify compares the vault with its manifests and with what this
// machine has seen of it, reading only headers, nonces and tags: Check,
// then every entry. Plain names are filled in where they decrypt.
// progress, if set, gets the number of entries scanned so far.
func (v *Vault) Verify(ctx context.Context, progress func(int)) (*Report, error) {
	set, err := Load(v.fs, v.keys)
	if err != nil {
		return nil, err
	}
	rep, err := v.check(set)
	if err != nil {
		return nil, err
	}
	cur, err := v.scan(ctx, set, progress)
	if err != nil {
		return nil, err
	}
	rep.Entries = len(cur)
	if len(set.Manifests) == 0 {
		return rep, nil // never sealed, or all manifests gone: nothing to compare
	}
	for _, f := range compare(set.merge(), cur) {
		f.Unsealed = len(rep.Unsealed) > 0
		rep.Findings = append(rep.Findings, f)
	}
	v.plainNames(rep.Findings)
	return rep, nil
}

// checkRollback compares the manifests with the generations this machine
// has seen, then records the ones present.
func (v *Vault) checkRollback(set *Set, rep *Report) error {
	seen, err := v.state.Seen(v.keys.VaultID)
	if err != nil {
		return err
	}
	rep.FirstUse = seen == nil && len(set.Manifests) > 0
	latest := set.Latest()
	if seen != nil {
		writers := make([]string, 0, len(seen.Writers))
		for w := range seen.Writers {
			writers = append(writers, w)
		}
		sort.Strings(writers)
		for _, w := range writers {
			s := seen.Writers[w]
			switch m := latest[w]; {
			case m == nil:
				rep.Findings = append(rep.Findings, Finding{Kind: Rollback, CipherPath: FileName(w),
					Detail: fmt.Sprintf("the manifest of %s (writer %s) is gone; this machine has seen its generation %d", s.Host, w, s.Generation)})
			case m.Generation < s.Generation:
				rep.Findings = append(rep.Findings, Finding{Kind: Rollback, CipherPath: m.file,
					Detail: fmt.Sprintf("the manifest of %s (writer %s) is at generation %d, older than generation %d this machine has seen: an older copy of the vault was put back", s.Host, w, m.Generation, s.Generation)})
			}
		}
	}
	if len(set.Manifests) == 0 {
		return nil
	}
	return v.state.remember(v.keys.VaultID, set, false)
}

// compare lists the differences between the merged view and the current
// entries, sorted by path.
func compare(view *view, cur map[string]Entry) []Finding {
	var out []Finding
	for p, ws := range view.winners {
		e, ok := cur[p]
		switch {
		case !ok && view.live(p):
			out = append(out, Finding{Kind: Missing, CipherPath: p, Detail: "sealed " + describe(ws[0].Entry) + ", now gone"})
		case ok:
			if _, match := view.matches(e); !match {
				out = append(out, classify(view, ws, e))
			}
		}
	}
	for p, e := range cur {
		if _, ok := view.winners[p]; !ok {
			out = append(out, added(view, e))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CipherPath < out[j].CipherPath })
	return out
}

// added describes an entry no manifest knows.
func added(view *view, e Entry) Finding {
	if q, ok := view.byID[string(e.FileID)]; ok && len(e.FileID) > 0 {
		if strings.HasPrefix(e.Path, q) {
			return Finding{Kind: Added, CipherPath: e.Path, Detail: "a sync client's conflict copy of the file sealed as " + q}
		}
		return Finding{Kind: Swapped, CipherPath: e.Path, Detail: "holds the file sealed as " + q}
	}
	return Finding{Kind: Added, CipherPath: e.Path, Detail: describe(e) + " that no seal knows"}
}

// classify describes an entry that differs from its sealed version(s).
func classify(view *view, ws []stated, e Entry) Finding {
	w := ws[0].Entry
	f := Finding{CipherPath: e.Path, Kind: Changed}
	switch {
	case w.Deleted:
		f.Kind, f.Detail = Added, describe(e)+" where a seal says it was deleted"
	case view.isOlder(e):
		f.Detail = "an older version than sealed (rolled back)"
	case w.Type != e.Type:
		f.Detail = fmt.Sprintf("sealed %s, now %s", describe(w), describe(e))
	case e.Type != "f" || len(e.FileID) == 0 && len(w.FileID) == 0:
		f.Detail = "another version than sealed (rolled back or replaced)"
	case !bytes.Equal(e.FileID, w.FileID):
		if q, ok := view.byID[string(e.FileID)]; ok && q != e.Path {
			f.Kind, f.Detail = Swapped, "holds the file sealed as "+q
		} else {
			f.Detail = "another file than sealed (new file ID): rolled back or replaced"
		}
	case e.Size < w.Size:
		f.Kind, f.Detail = Truncated, fmt.Sprintf("%d bytes, sealed with %d", e.Size, w.Size)
	case len(newHoles(w.Holes, e.Holes)) > 0:
		f.Kind, f.Detail = Zeroed, blockList(newHoles(w.Holes, e.Holes))+" read as zeros (all-zero nonce and tag)"
	default:
		f.Detail = "blocks differ from the sealed version (rolled back or rewritten)"
	}
	return f
}

// describe names an entry's type for messages.
func describe(e Entry) string {
	switch e.Type {
	case "f":
		return fmt.Sprintf("a file of %d bytes", e.Size)
	case "d":
		return "a directory"
	case "l":
		return "a symlink"
	}
	return "a special file"
}

// newHoles returns the blocks in cur but not in sealed.
func newHoles(sealed, cur []uint64) []uint64 {
	had := map[uint64]bool{}
	for _, b := range sealed {
		had[b] = true
	}
	var out []uint64
	for _, b := range cur {
		if !had[b] {
			out = append(out, b)
		}
	}
	return out
}

// blockList renders block numbers as "block 3" or "blocks 3-5, 9".
func blockList(bs []uint64) string {
	var parts []string
	for i := 0; i < len(bs); {
		j := i
		for j+1 < len(bs) && bs[j+1] == bs[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, fmt.Sprint(bs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", bs[i], bs[j]))
		}
		i = j + 1
	}
	word := "blocks "
	if len(bs) == 1 {
		word = "block "
	}
	return word + strings.Join(parts, ", ")
}

// plainNames fills in the plaintext paths that decrypt.
func (v *Vault) plainNames(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		if f.CipherPath == "" || f.Kind == Rollback || f.Kind == BadManifest {
			continue
		}
		dir, base := path.Split(f.CipherPath)
		if base == crypto.DirIVName {
			if p, err := v.fs.PlainPath(dir); err == nil {
				f.Path = p + "/"
				f.Detail = "its directory IV (" + base + "): " + f.Detail
			}
			continue
		}
		if p, err := v.fs.PlainPath(f.CipherPath); err == nil {
			f.Path = p
		}
	}
}
