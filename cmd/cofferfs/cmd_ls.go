package main

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/transfer"
)

var lsCommand = &command{
	name:    "ls",
	args:    "[unlock] [-l] CIPHERDIR [PATH]",
	summary: "list a directory of the vault",
	help: `Lists the plaintext names in PATH (default: the root), sorted. Entries
whose names do not decrypt are reported on stderr with their cipher path,
and the exit code is then 26.`,
	run: runLs,
}

func runLs(e *env, c *command, args []string) error {
	var u unlockFlags
	var long bool
	fs := newFlagSet(c)
	u.register(fs)
	fs.BoolVar(&long, "l", false, "long listing: type and mode, links, owner, size, modification time")
	v, pos, err := e.openReadOnly(c, fs, &u, args, 1, 2)
	if err != nil {
		return err
	}
	defer v.Close()
	p := ""
	if len(pos) == 2 {
		p = vaultPath(pos[1])
	}
	return e.list(v, p, long)
}

// list prints the entry p, or the entries of the directory p.
func (e *env) list(v *vault, p string, long bool) error {
	st, err := v.fs.Stat(p)
	if err != nil {
		return entryFailure(v, p, err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 8, 1, ' ', 0)
	defer tw.Flush()
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return printEntry(tw, v, p, path.Base(p), long)
	}
	ents, bad, err := v.fs.Inspect().ReadDirBad(p)
	if err != nil {
		return entryFailure(v, p, err)
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	var failures []error
	for _, d := range ents {
		if err := printEntry(tw, v, path.Join(p, d.Name), d.Name, long); err != nil {
			failures = append(failures, err)
		}
	}
	tw.Flush()
	for _, err := range failures {
		e.errorf("%v", err)
	}
	e.reportBadNames(v, p, bad)
	return listSummary(failures, len(bad))
}

// listSummary is the closing error of a listing with failures and
// names that did not decrypt.
func listSummary(failures []error, badNames int) error {
	corrupt := badNames
	for _, err := range failures {
		if x, ok := err.(*exitError); ok && x.code == exitCorrupt {
			corrupt++
		}
	}
	switch {
	case corrupt > 0:
		return corruptSummary(corrupt)
	case len(failures) > 0:
		return failf(exitOther, "%s could not be listed (see above)", formatCount(int64(len(failures)), "entry"))
	}
	return nil
}

// reportBadNames prints the names of dir that did not decrypt.
func (e *env) reportBadNames(v *vault, dir string, bad []fs.BadName) {
	cipherDir, _ := v.fs.CipherPath(dir)
	for _, b := range bad {
		e.reportEntry(v.dir, &transfer.EntryError{Path: dir,
			CipherPath: path.Join(cipherDir, b.Disk), Err: b.Err})
	}
}

// printEntry prints one line of a listing.
func printEntry(w io.Writer, v *vault, p, name string, long bool) error {
	if !long {
		fmt.Fprintln(w, displayName(name))
		return nil
	}
	st, err := v.fs.Stat(p)
	if err != nil {
		return entryFailure(v, p, err)
	}
	size := fmt.Sprint(st.Size)
	if t := st.Mode & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK {
		size = fmt.Sprintf("%d, %d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	mtime := time.Unix(st.Mtim.Unix()).Format("2006-01-02 15:04")
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s\t%s\t%s", modeString(st.Mode), st.Nlink, st.Uid, st.Gid, size, mtime, displayName(name))
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		target, err := v.fs.Readlink(p)
		if err != nil {
			fmt.Fprintln(w, " -> ?")
			return entryFailure(v, p, err)
		}
		fmt.Fprintf(w, " -> %s", displayName(target))
	}
	fmt.Fprintln(w)
	return nil
}

// modeString renders a mode as ls does, e.g. "drwxr-xr-x".
func modeString(mode uint32) string {
	types := map[uint32]byte{unix.S_IFDIR: 'd', unix.S_IFLNK: 'l', unix.S_IFIFO: 'p',
		unix.S_IFSOCK: 's', unix.S_IFCHR: 'c', unix.S_IFBLK: 'b'}
	b := []byte("-rwxrwxrwx")
	if t, ok := types[mode&unix.S_IFMT]; ok {
		b[0] = t
	}
	for i := 0; i < 9; i++ {
		if mode&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := []struct {
		bit      uint32
		pos      int
		set, off byte
	}{{unix.S_ISUID, 3, 's', 'S'}, {unix.S_ISGID, 6, 's', 'S'}, {unix.S_ISVTX, 9, 't', 'T'}}
	for _, s := range special {
		if mode&s.bit != 0 {
			if b[s.pos] == '-' {
				b[s.pos] = s.off
			} else {
				b[s.pos] = s.set
			}
		}
	}
	return string(b)
}
