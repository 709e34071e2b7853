package fsck

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/cofferfs/cofferfs/fs"
)

// conflicts reports the conflict copies of a directory. Repair gives
// each an ordinary encrypted name: the one it is shown under, or, for a
// name under a diriv conflict copy, its own name when that is free.
func (c *checker) conflicts(s *fs.DirScan, cdir string) {
	names := map[string]bool{}
	for _, e := range s.Entries {
		names[e.Name] = true
	}
	for _, cf := range s.Conflicts {
		f := Finding{Kind: ConflictCopy, Path: path.Join(s.Path, cf.Name), CipherPath: path.Join(cdir, cf.Disk),
			Detail: fmt.Sprintf("conflict copy of %q (marker %q, %s)", cf.Plain, cf.Marker, cf.Client)}
		target := cf.Name
		if cf.IVCopy != "" {
			f.Detail = fmt.Sprintf("%q: its name is encrypted with the IV of the diriv conflict copy %q", cf.Plain, cf.IVCopy)
			if !names[cf.Plain] {
				target = cf.Plain
			}
		}
		c.fix(f, func() (string, error) {
			err := c.f.Inspect().MoveBacking(s.Path, cf.Disk, path.Join(s.Path, target))
			names[target] = true
			return fmt.Sprintf("now an ordinary entry named %q", target), err
		})
	}
}

// ivCopies reports the conflict copies of a directory's diriv; used maps
// each to how many names decrypted only with it before the repairs.
// Repair removes a copy once no name needs it.
func (c *checker) ivCopies(s *fs.DirScan, cdir string, used map[string]int) {
	for _, ic := range s.IVCopies {
		f := Finding{Kind: IVConflict, Path: s.Path, CipherPath: path.Join(cdir, ic.Disk),
			Detail: fmt.Sprintf("conflict copy of gocryptfs.diriv (marker %q): %d names were encrypted with it", ic.Marker, used[ic.Disk])}
		if !ic.Valid {
			f.Detail = fmt.Sprintf("conflict copy of gocryptfs.diriv (marker %q) that holds no valid IV", ic.Marker)
		}
		if ic.Used > 0 {
			c.leave(f, fmt.Sprintf("%d names still need it", ic.Used))
			continue
		}
		c.fix(f, func() (string, error) {
			return "removed (no name needs it)", c.f.Inspect().RemoveIVCopy(s.Path, ic.Disk)
		})
	}
}

// configCopies reports conflict copies of gocryptfs.conf; Repair removes
// only those identical to it.
func (c *checker) configCopies(s *fs.DirScan) {
	for _, disk := range s.ConfigCopies {
		f := Finding{Kind: ConfigConflict, CipherPath: disk,
			Detail: "conflict copy of gocryptfs.conf (it may hold another password for the same key)"}
		c.fix(f, func() (string, error) {
			err := c.f.Inspect().RemoveConfigCopy(disk)
			if err != nil {
				return "", fmt.Errorf("it differs from gocryptfs.conf: keep the one whose password you use, delete the other by hand")
			}
			return "removed (identical to gocryptfs.conf)", nil
		})
	}
}

// nameFiles reports stray .name files. Repair removes orphans older
// than orphanGrace, duplicates and unfinished temporary ones, and puts
// a conflict copy in the place of a missing .name file.
func (c *checker) nameFiles(s *fs.DirScan, cdir string) {
	for _, nf := range s.NameFiles {
		f := Finding{Kind: StrayName, Dir: s.Path, CipherPath: path.Join(cdir, nf.Disk)}
		switch {
		case nf.Temp:
			f.Kind, f.Detail = OrphanName, "unfinished long-name file of "+nf.Object+" (a crash cut its writing short)"
		case nf.Orphan:
			f.Kind, f.Detail = OrphanName, "long-name file whose object "+nf.Object+" does not exist"
			if age := c.opts.Now().Sub(nf.ModTime); age < orphanGrace {
				c.leave(f, fmt.Sprintf("changed %s ago: its object may still be syncing", age.Round(1e9)))
				continue
			}
		case nf.Duplicate:
			f.Detail = "conflict copy of the long-name file of " + nf.Object + ", which is present"
		default:
			f.Detail = "conflict copy of the long-name file of " + nf.Object + ", which is missing"
		}
		c.fix(f, func() (string, error) { return c.f.Inspect().RepairNameFile(s.Path, nf.Disk) })
	}
}

// leftovers reports the temporary names of cofferfs operations that did
// not finish. Repair removes those older than orphanGrace.
func (c *checker) leftovers(s *fs.DirScan, cdir string) {
	for _, l := range s.Leftovers {
		f := Finding{Kind: Leftover, Dir: s.Path, CipherPath: path.Join(cdir, l.Disk),
			Detail: l.What + ", left by a cofferfs process that was killed or crashed"}
		if age := c.opts.Now().Sub(l.Changed); age < orphanGrace {
			c.leave(f, fmt.Sprintf("changed %s ago: a cofferfs process may still be using it", fs.FormatDuration(age)))
			continue
		}
		c.fix(f, func() (string, error) {
			if err := c.indexIVs(); err != nil {
				return "", err
			}
			return "removed", c.f.RemoveLeftover(s.Path, l.Disk)
		})
	}
}

// badNames reports backing names that do not decrypt. Repair moves each
// into lost+found under a readable name; names not fully synced and
// foreign files are left alone.
func (c *checker) badNames(s *fs.DirScan, cdir string) {
	for _, b := range s.Bad {
		f := Finding{Kind: BadName, Dir: s.Path, CipherPath: path.Join(cdir, b.Disk), Detail: b.Err.Error()}
		switch {
		case fs.IsIncomplete(b.Err):
			f.Kind = NotSynced
			c.leave(f, "wait for the sync client to finish, then check again")
		case foreign(b.Disk):
			f.Kind, f.Detail = Foreign, "not an encrypted name: a file a sync client or the OS keeps here"
			c.add(f)
		default:
			c.fix(f, func() (string, error) {
				to, err := c.quarantinePath(path.Join(s.Path, b.Disk), "")
				if err == nil {
					err = c.f.Inspect().MoveBacking(s.Path, b.Disk, to)
				}
				return "moved to " + to, err
			})
		}
	}
}

// foreignNames are files sync clients and operating systems put into
// synced folders; they are not part of the vault.
var foreignNames = []string{".DS_Store", "Thumbs.db", "desktop.ini", ".directory", "Icon\r",
	".stfolder", ".stignore", ".stversions", ".dropbox", ".dropbox.attr", ".dropbox.cache",
	".tmp.drivedownload", ".tmp.driveupload", ".owncloudsync.log", ".nextcloudsync.log", ".sync-exclude.lst"}

func foreign(disk string) bool {
	return slices.Contains(foreignNames, disk) || strings.HasPrefix(disk, "._") ||
		strings.HasPrefix(disk, ".sync_") && strings.Contains(disk, ".db")
}
