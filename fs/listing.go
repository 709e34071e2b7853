package fs

import "golang.org/x/sys/unix"

// Listing is an open plaintext directory: its entries, and its backing
// directory held open so that an entry's attributes cost one fstatat on
// the backing name the listing already knows, instead of a path walk and
// the encryption of a name that was just decrypted (READDIRPLUS).
type Listing struct {
	// Entries are the directory's entries, as ReadDir gives them.
	Entries []DirEntry
	f       *FS
	d       openedDir
	path    string
}

// OpenListing lists the plaintext directory path and keeps its backing
// directory open until Close.
func (f *FS) OpenListing(path string) (*Listing, error) {
	d, err := f.openDir(path)
	if err != nil {
		return nil, err
	}
	ents, bad, err := f.readDir(d, path)
	if err != nil {
		f.releaseDir(d)
		return nil, err
	}
	f.noteHidden(d.fd, bad)
	return &Listing{Entries: ents, f: f, d: d, path: path}, nil
}

// Stat returns the plaintext attributes of Entries[i] (as Stat would
// for its path, unless the entry was renamed or removed since).
func (l *Listing) Stat(i int) (unix.Stat_t, error) {
	ent := l.Entries[i]
	p := ent.Name
	if l.path != "" {
		p = l.path + "/" + ent.Name
	}
	e := &entry{dir: l.d.fd, fs: l.f, iv: l.d.iv, path: p, plain: ent.Name, disk: ent.Disk, cipher: ent.Disk}
	return l.f.statEntry(e, p)
}

// Close releases the backing directory.
func (l *Listing) Close() {
	l.f.releaseDir(l.d)
	l.d.ref = nil
}

// Ino returns the backing inode number of the listed directory.
func (l *Listing) Ino() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(l.d.fd, &st); err != nil {
		return 0, wrapErr(err, "stat", l.path)
	}
	return st.Ino, nil
}
