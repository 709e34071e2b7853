package fsck

import (
	"errors"
	"fmt"
	"time"

	"github.com/cofferfs/cofferfs/fs"
)

// lostIV reports a directory that has been without its gocryptfs.diriv
// for longer than a sync client takes to deliver one: a sync client
// recreated it, without its IV, for something added to it on one
// machine while another deleted or renamed it. Repair gives it back its
// IV when the vault still has it (a renamed directory keeps its IV),
// else moves its entries to lost+found. It returns the directory
// scanned again after a repair, else nil.
func (c *checker) lostIV(s *fs.DirScan, f Finding, age time.Duration) *fs.DirScan {
	f.Kind = LostDirIV
	f.Detail = fmt.Sprintf("gocryptfs.diriv is missing and the directory has not changed for %s: a sync client recreated it "+
		"without its IV (it was deleted or renamed on another machine while something was added to it); %d entries cannot be read",
		fs.Minutes(age), len(s.Bad)+len(s.Entries))
	var again *fs.DirScan
	c.fix(f, func() (string, error) {
		action, err := c.recoverIV(s.Path)
		if err == nil {
			again, err = c.f.Inspect().Scan(s.Path)
		}
		return action, err
	})
	return again
}

// indexIVs reads every directory IV of the vault, once: before the
// first repair that removes one (the diriv of a killed rmdir), so that
// a directory recreated without its IV can still find it.
func (c *checker) indexIVs() error {
	if c.ivs != nil {
		return nil
	}
	ivs, err := c.f.IndexDirIVs(c.ctx)
	if err == nil {
		c.ivs = ivs
	}
	return err
}

// recoverIV restores the IV of the directory at p (from a diriv
// conflict copy, or from wherever the vault still has it), or moves its
// entries into lost+found under their encrypted names and gives it a
// new IV.
func (c *checker) recoverIV(p string) (string, error) {
	action, err := c.f.Inspect().RepairDirIV(p)
	if !errors.Is(err, fs.ErrNotProvable) {
		return action, err
	}
	if err := c.indexIVs(); err != nil {
		return "", err
	}
	action, err = c.f.RecoverDirIV(p, c.ivs)
	if !errors.Is(err, fs.ErrNotProvable) {
		return action, err
	}
	to, err := c.quarantinePath(p)
	if err != nil {
		return "", err
	}
	if err := c.f.Mkdir(to, 0o700, nil); err != nil {
		return "", err
	}
	moved, err := c.f.EvacuateDir(p, to)
	if err != nil {
		return "", err
	}
	if _, err := c.f.Inspect().RepairDirIV(p); err != nil {
		return "", err
	}
	return fmt.Sprintf("no IV the vault still has decrypts its names: its %d entries moved to %s, named by their encrypted names "+
		"(their contents are intact); the directory is empty now, with a new IV", len(moved), to), nil
}
