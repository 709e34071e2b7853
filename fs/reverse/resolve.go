package reverse

import (
	"strings"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// kind tells what a view path shows.
type kind int

const (
	kindPlain    kind = iota // a plain object under its encrypted name
	kindDirIV                // a directory's virtual gocryptfs.diriv
	kindNameFile             // the virtual .name file of a long name
	kindConfig               // the root's gocryptfs.conf
)

// node is a resolved view path.
type node struct {
	kind  kind
	view  string       // the view path
	plain string       // plain object; the directory for kindDirIV, the long-named object for kindNameFile
	cname string       // kindNameFile: the full encrypted name
	st    *unix.Stat_t // lstat of plain, if step already took it
}

// resolve maps a view path to what it shows, component by component.
// Existence of the final plain object is left to the caller.
func (v *View) resolve(viewPath string) (node, error) {
	n := node{kind: kindPlain}
	if viewPath == "" {
		return n, nil
	}
	rest := viewPath
	if i := strings.LastIndexByte(viewPath, '/'); i > 0 {
		if plain, ok := v.dirs.get(viewPath[:i]); ok {
			n.view, n.plain, rest = viewPath[:i], plain, viewPath[i+1:]
		}
	}
	comps := strings.Split(rest, "/")
	for i, c := range comps {
		next, err := v.step(n, c)
		if err != nil {
			return n, err
		}
		if i != len(comps)-1 {
			if next.kind != kindPlain {
				return n, unix.ENOTDIR
			}
			v.dirs.put(next.view, next.plain)
		}
		n = next
	}
	return n, nil
}

// step resolves one component c below the directory node dir.
func (v *View) step(dir node, c string) (node, error) {
	view := joinPath(dir.view, c)
	switch {
	case c == "" || c == "." || c == "..":
		return dir, unix.ENOENT
	case c == crypto.DirIVName && v.opts.DirIV:
		return node{kind: kindDirIV, view: view, plain: dir.plain}, nil
	case c == crypto.ConfigName && dir.view == "":
		return node{kind: kindConfig, view: view, plain: crypto.ReverseConfigName}, nil
	}
	if n, ok := v.listed.take(view, time.Now()); ok {
		return n, nil
	}
	switch {
	case crypto.IsLongNameFile(c):
		name, cname, err := v.findLong(dir, strings.TrimSuffix(c, crypto.LongNameSuffix))
		return node{kind: kindNameFile, view: view, plain: joinPath(dir.plain, name), cname: cname}, err
	case crypto.IsLongName(c):
		name, _, err := v.findLong(dir, c)
		return node{kind: kindPlain, view: view, plain: joinPath(dir.plain, name)}, err
	}
	if len(c) > v.opts.LongNameMax {
		return dir, unix.ENOENT
	}
	name, err := v.names.DecryptName(c, v.dirIV(dir.view))
	if err != nil {
		return dir, unix.ENOENT
	}
	plain := joinPath(dir.plain, name)
	st, err := v.lstatPlain(plain)
	if err != nil {
		return dir, err
	}
	if !v.visible(dir.plain, name, st.Mode&unix.S_IFMT == unix.S_IFDIR) {
		return dir, unix.ENOENT
	}
	return node{kind: kindPlain, view: view, plain: plain, st: &st}, nil
}

// visible reports whether the plain entry name of the directory dir shows
// in the view: not the root's reverse config, not excluded.
func (v *View) visible(dir, name string, isDir bool) bool {
	if dir == "" && name == crypto.ReverseConfigName {
		return false
	}
	return !v.exclude.excluded(joinPath(dir, name), isDir)
}

// dirIV returns the name IV of the directory at view path dir.
func (v *View) dirIV(dir string) []byte {
	if !v.opts.DirIV {
		return make([]byte, crypto.DirIVSize)
	}
	return crypto.PathIV(dir, crypto.PurposeDirIV)
}

// encName returns the name an entry shows under in the view directory
// dir, and its full encrypted name (they differ for long names).
func (v *View) encName(dir, name string) (shown, cname string, err error) {
	cname, err = v.names.EncryptName(name, v.dirIV(dir))
	if err != nil {
		return "", "", err
	}
	if len(cname) > v.opts.LongNameMax {
		return v.names.LongName(cname), cname, nil
	}
	return cname, cname, nil
}

// findLong finds the visible plain entry of dir whose hashed long name is
// hashed, by encrypting every entry.
func (v *View) findLong(dir node, hashed string) (name, cname string, err error) {
	ents, err := v.readPlainDir(dir.plain)
	if err != nil {
		return "", "", err
	}
	for _, e := range ents {
		shown, cn, err := v.encName(dir.view, e.name)
		if err != nil || shown != hashed || !v.visible(dir.plain, e.name, e.isDir()) {
			continue
		}
		return e.name, cn, nil
	}
	return "", "", unix.ENOENT
}
