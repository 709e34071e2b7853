package reverse

import (
	"sort"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Entry is one name of a view directory.
type Entry struct {
	// Name is the name shown in the view.
	Name string
	// Type is the file type bits (unix.S_IFDIR, S_IFREG, S_IFLNK, ...).
	Type uint32
}

// ReadDir lists the view directory at viewPath, sorted by name: the
// encrypted names of its visible plain entries, their .name files, the
// virtual gocryptfs.diriv and, in the root, gocryptfs.conf.
func (v *View) ReadDir(viewPath string) ([]Entry, error) {
	n, err := v.resolve(viewPath)
	if err != nil {
		return nil, err
	}
	if n.kind != kindPlain {
		return nil, unix.ENOTDIR
	}
	ents, err := v.readPlainDir(n.plain)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if v.opts.DirIV {
		out = append(out, Entry{crypto.DirIVName, unix.S_IFREG})
	}
	if viewPath == "" {
		if st, err := v.lstatPlain(crypto.ReverseConfigName); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			out = append(out, Entry{crypto.ConfigName, unix.S_IFREG})
		}
	}
	for _, e := range ents {
		if !v.visible(n.plain, e.Name(), e.IsDir()) {
			continue
		}
		shown, cname, err := v.encName(viewPath, e.Name())
		if err != nil {
			continue // a name the format cannot hold (never on Linux)
		}
		out = append(out, Entry{shown, typeBits(e.Type())})
		if shown != cname {
			out = append(out, Entry{shown + crypto.LongNameSuffix, unix.S_IFREG})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
