package reverse

import (
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"golang.org/x/sys/unix"
)

// Entry is one name of a view directory.
type Entry struct {
	// Name is the name shown in the view.
	Name string
	// Type is the file type bits (unix.S_IFDIR, S_IFREG, S_IFLNK, ...).
	Type uint32
	// Ino is the inode number the listing shows: the plain entry's d_ino
	// (or the reverse config's inode number for gocryptfs.conf), and 0
	// for the other virtual files, as in gocryptfs's listings.
	Ino uint64
}

// ReadDir lists the view directory at viewPath in the order gocryptfs
// -reverse lists it (so that tar, find and rsync walk both views alike):
// the encrypted names of the visible plain entries in the plain
// directory's order (in the root, gocryptfs.conf where the reverse
// config is), then the virtual gocryptfs.diriv, then the .name files of
// the long names, in the same order.
func (v *View) ReadDir(viewPath string) ([]Entry, error) {
	n, err := v.resolve(viewPath)
	if err != nil {
		return nil, err
	}
	if n.kind != kindPlain {
		return nil, unix.ENOTDIR
	}
	fd, err := v.openPlain(n.plain, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	ents, err := listFd(fd)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]Entry, 0, len(ents)+1)
	var names []Entry
	for _, e := range ents {
		if viewPath == "" && e.name == crypto.ReverseConfigName {
			if e.typ == unix.S_IFREG {
				out = append(out, Entry{Name: crypto.ConfigName, Type: unix.S_IFREG, Ino: e.ino})
			}
			continue
		}
		if !v.visible(n.plain, e.name, e.isDir()) {
			continue
		}
		shown, cname, err := v.encName(viewPath, e.name)
		if err != nil {
			continue // a name the format cannot hold (never on Linux)
		}
		out = append(out, Entry{Name: shown, Type: e.typ, Ino: e.ino})
		child := joinPath(viewPath, shown)
		plain := joinPath(n.plain, e.name)
		var st unix.Stat_t
		if unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			v.listed.put(node{kind: kindPlain, view: child, plain: plain}, &st, now)
		}
		if shown != cname {
			names = append(names, Entry{Name: shown + crypto.LongNameSuffix, Type: unix.S_IFREG})
			v.listed.put(node{kind: kindNameFile, view: child + crypto.LongNameSuffix, plain: plain, cname: cname}, nil, now)
		}
	}
	if v.opts.DirIV {
		out = append(out, Entry{Name: crypto.DirIVName, Type: unix.S_IFREG})
	}
	return append(out, names...), nil
}
