package fsck

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// checker is the state of one Check.
type checker struct {
	ctx    context.Context
	f      *fs.FS
	opts   Options
	totals Report // what round 0 counted

	ivs *fs.IVIndex // every directory IV of the vault, read when needed

	rep      *Report
	repaired bool
	seen     map[uint64]bool // inodes of regular files already checked
	roundNo  int
	prog     Progress
}

// round walks the whole vault once; it reports whether it repaired
// anything.
func (c *checker) round(n int) (*Report, bool, error) {
	c.rep, c.repaired, c.seen, c.roundNo = &Report{}, false, map[uint64]bool{}, n
	c.prog.Files, c.prog.Bytes = 0, 0
	if err := c.dir(""); err != nil {
		return nil, false, err
	}
	return c.rep, c.repaired, nil
}

// add records a finding.
func (c *checker) add(f Finding) {
	f.Problem = !IsNote(f.Kind)
	c.rep.Findings = append(c.rep.Findings, f)
	c.repaired = c.repaired || f.Repaired
}

// fix runs a repair for finding f (when repairing) and records it.
func (c *checker) fix(f Finding, repair func() (string, error)) {
	if c.opts.Repair && repair != nil {
		action, err := repair()
		if err != nil {
			f.Action = "not repaired: " + err.Error()
		} else {
			f.Repaired, f.Action = true, action
		}
	}
	c.add(f)
}

// leave records a finding that Repair leaves alone, saying why.
func (c *checker) leave(f Finding, why string) {
	if c.opts.Repair {
		f.Action = "left alone: " + why
	}
	c.add(f)
}

// cipherPath returns the backing path of a plaintext path, or "".
func (c *checker) cipherPath(p string) string {
	cp, err := c.f.CipherPath(p)
	if err != nil {
		return ""
	}
	return cp
}

// dir checks the directory at p and everything below it.
func (c *checker) dir(p string) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	s, err := c.f.Inspect().Scan(p)
	if err != nil {
		if p == "" {
			return err
		}
		c.add(Finding{Kind: Unreadable, Path: p, CipherPath: c.cipherPath(p), Detail: err.Error()})
		return nil
	}
	c.rep.Dirs++
	cdir := c.cipherPath(p)
	if s.IVErr != nil {
		if s = c.dirIV(s, cdir); s == nil {
			return nil
		}
	}
	if s = c.tidy(s, cdir); s == nil {
		return nil
	}
	c.xattrs(p, cdir)
	ents := slices.Clone(s.Entries)
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	for _, e := range ents {
		if err := c.entry(path.Join(p, e.Name), e); err != nil {
			return err
		}
	}
	return nil
}

// tidy reports (and repairs) everything about the names of one
// directory, and returns its entries as they are afterwards (nil if the
// directory cannot be read again).
func (c *checker) tidy(s *fs.DirScan, cdir string) *fs.DirScan {
	used := map[string]int{}
	for _, ic := range s.IVCopies {
		used[ic.Disk] = ic.Used
	}
	c.conflicts(s, cdir)
	c.configCopies(s)
	c.nameFiles(s, cdir)
	c.leftovers(s, cdir)
	c.badNames(s, cdir)
	if c.opts.Repair && len(s.IVCopies) > 0 {
		if s = c.rescan(s); s == nil {
			return nil
		}
	}
	c.ivCopies(s, cdir, used)
	return c.rescan(s)
}

// rescan scans a directory again after repairs (or returns s unchanged
// when nothing was repaired).
func (c *checker) rescan(s *fs.DirScan) *fs.DirScan {
	if !c.opts.Repair {
		return s
	}
	n, err := c.f.Inspect().Scan(s.Path)
	if err != nil {
		c.add(Finding{Kind: Unreadable, Path: s.Path, CipherPath: c.cipherPath(s.Path), Detail: err.Error()})
		return nil
	}
	return n
}

// dirIV reports a directory whose own IV is unusable. It returns the
// directory scanned again if Repair restored the IV, else nil.
func (c *checker) dirIV(s *fs.DirScan, cdir string) *fs.DirScan {
	f := Finding{Kind: DamagedDirIV, Path: s.Path, CipherPath: path.Join(cdir, "gocryptfs.diriv"),
		Detail: fmt.Sprintf("%v; %d entries cannot be read", s.IVErr, len(s.Bad)+len(s.Entries))}
	if !fs.IsIncomplete(s.IVErr) {
		c.leave(f, "which IV is right cannot be proven")
		return nil
	}
	f.Kind = MissingDirIV
	if age := c.opts.Now().Sub(s.Changed); age >= orphanGrace && s.Path != "" {
		return c.lostIV(s, f, age)
	}
	var again *fs.DirScan
	if c.opts.Repair {
		action, err := c.f.Inspect().RepairDirIV(s.Path)
		if err == nil {
			again, err = c.f.Inspect().Scan(s.Path)
		}
		switch {
		case err == nil:
			f.Repaired, f.Action = true, action
		case errors.Is(err, fs.ErrNotProvable):
			f.Action = fmt.Sprintf("left alone: changed %s ago, a sync client may still be delivering its gocryptfs.diriv; check again later",
				fs.FormatDuration(c.opts.Now().Sub(s.Changed)))
		default:
			f.Action = "not repaired: " + err.Error()
		}
	}
	c.add(f)
	return again
}

// entry checks one entry of a directory.
func (c *checker) entry(p string, e fs.DirEntry) error {
	typ := e.Type
	if typ == 0 {
		st, err := c.f.Stat(p)
		if err != nil {
			c.add(Finding{Kind: Unreadable, Path: p, CipherPath: c.cipherPath(p), Detail: err.Error()})
			return nil
		}
		typ = st.Mode & unix.S_IFMT
	}
	switch typ {
	case unix.S_IFDIR:
		return c.dir(p)
	case unix.S_IFREG:
		if e.Ino != 0 && c.seen[e.Ino] {
			return nil // another hard link of a file already checked
		}
		c.seen[e.Ino] = true
		return c.file(p)
	case unix.S_IFLNK:
		c.symlink(p)
	default:
		c.xattrs(p, c.cipherPath(p))
	}
	return nil
}

// countTotals walks the vault once to count files and bytes for the
// progress reports.
func (c *checker) countTotals() error { return c.count("") }

func (c *checker) count(p string) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	ents, err := c.f.ReadDir(p)
	if err != nil {
		return nil // reported by the check itself
	}
	for _, e := range ents {
		child := path.Join(p, e.Name)
		switch e.Type {
		case unix.S_IFDIR:
			if err := c.count(child); err != nil {
				return err
			}
		case unix.S_IFREG, 0:
			if st, err := c.f.Stat(child); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
				c.prog.TotalFiles++
				c.prog.TotalBytes += st.Size
			}
		case unix.S_IFLNK:
			c.prog.TotalFiles++
		}
	}
	return nil
}
