package fsck

import (
	"errors"
	"fmt"
	"io"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// chunk is how much plaintext is read at once; a chunk that fails is
// read again block by block to find the damaged blocks.
const chunk = 64 * crypto.BlockSize

// damage is a run of consecutive blocks that fail the same way.
type damage struct {
	first, last uint64
	kind        Kind
	err         error
}

// file checks a regular file: every block, and its xattrs.
func (c *checker) file(p string) error {
	c.rep.Files++
	c.prog.Files++
	cp := c.cipherPath(p)
	c.xattrs(p, cp)
	fl, err := c.f.Open(p, unix.O_RDONLY)
	if err != nil {
		f := Finding{Kind: Unreadable, Path: p, CipherPath: cp, Detail: err.Error()}
		switch {
		case fs.IsIncomplete(err) && inLostFound(p):
			// Moved here by a repair: no sync client will finish it.
			c.damaged(p, cp, []damage{{kind: CorruptHeader, err: err}})
		case fs.IsIncomplete(err):
			f.Kind = NotSynced
			c.leave(f, "wait for the sync client to finish, then check again")
		default:
			c.add(f)
		}
		return nil
	}
	runs, err := c.blocks(fl)
	fl.Close()
	if err != nil {
		return err
	}
	c.damaged(p, cp, runs)
	return nil
}

// blocks reads the whole file and returns its damaged block runs.
func (c *checker) blocks(fl *fs.File) ([]damage, error) {
	st, err := fl.Stat()
	if err != nil {
		return []damage{{kind: Unreadable, err: err}}, nil
	}
	size := st.Size
	c.rep.Bytes += size
	buf := make([]byte, chunk)
	var runs []damage
	for off := int64(0); off < size; off += chunk {
		if err := c.ctx.Err(); err != nil {
			return nil, err
		}
		n := min(int64(chunk), size-off)
		_, err := fl.ReadAt(buf[:n], off)
		c.progress(n)
		if err == nil || err == io.EOF {
			continue
		}
		for b := uint64(off) / crypto.BlockSize; int64(b*crypto.BlockSize) < off+n; b++ {
			m := min(int64(crypto.BlockSize), size-int64(b*crypto.BlockSize))
			if _, err := fl.ReadAt(buf[:m], int64(b*crypto.BlockSize)); err != nil && err != io.EOF {
				d := classify(b, err)
				if d.kind == CorruptHeader {
					return []damage{d}, nil
				}
				runs = addRun(runs, d)
			}
		}
	}
	return runs, nil
}

// classify says how block b failed.
func classify(b uint64, err error) damage {
	d := damage{first: b, last: b, kind: Unreadable, err: err}
	switch {
	case fs.IsIncomplete(err):
		d.kind = NotSynced
	case errors.Is(err, crypto.ErrBadHeader):
		d.kind = CorruptHeader
	case fs.IsCorrupt(err):
		d.kind = CorruptBlock
	}
	return d
}

// addRun appends d, merging it into the last run when it continues it.
func addRun(runs []damage, d damage) []damage {
	if n := len(runs); n > 0 && runs[n-1].kind == d.kind && runs[n-1].last+1 == d.first {
		runs[n-1].last = d.last
		return runs
	}
	return append(runs, d)
}

// damaged reports the damaged runs of a file. Repair cuts a file whose
// only damage is a run of corrupt blocks at its end (a torn append) back
// to the blocks before it, and moves any other file with corrupt blocks
// (and nothing not fully synced) into lost+found; either way the damaged
// ciphertext is kept in lost+found.
func (c *checker) damaged(p, cp string, runs []damage) {
	var fixable, waiting bool
	for _, d := range runs {
		fixable = fixable || d.kind == CorruptBlock || d.kind == CorruptHeader
		waiting = waiting || d.kind == NotSynced
	}
	repaired, action := false, ""
	if c.opts.Repair && fixable && !waiting {
		salvage := c.salvage
		if c.tornTail(p, runs) {
			salvage = c.cutTail
		}
		if a, err := salvage(p, runs); err != nil {
			action = "not repaired: " + err.Error()
		} else {
			repaired, action = true, a
		}
	}
	for _, d := range runs {
		f := Finding{Kind: d.kind, Path: p, CipherPath: cp, Detail: d.err.Error()}
		if d.kind != CorruptHeader && d.kind != Unreadable {
			f.Blocks = &Blocks{First: d.first, Last: d.last}
			f.Detail = fmt.Sprintf("plaintext bytes %d-%d: %v",
				d.first*crypto.BlockSize, (d.last+1)*crypto.BlockSize-1, d.err)
		}
		switch {
		case d.kind == NotSynced:
			c.leave(f, "wait for the sync client to finish, then check again")
		case d.kind == Unreadable:
			c.add(f)
		default:
			f.Repaired, f.Action = repaired, action
			c.add(f)
		}
	}
}

// symlink checks a symlink target. Repair keeps the encrypted target in
// a file in lost+found and removes the symlink.
func (c *checker) symlink(p string) {
	c.rep.Symlinks++
	c.prog.Files++
	if _, err := c.f.Readlink(p); err != nil {
		cp := c.cipherPath(p)
		f := Finding{Kind: CorruptSymlink, Path: p, CipherPath: cp, Detail: err.Error()}
		if !fs.IsCorrupt(err) {
			f.Kind = Unreadable
			c.add(f)
			return
		}
		c.fix(f, func() (string, error) {
			raw, err := c.f.Inspect().ReadlinkCipher(p)
			if err != nil {
				return "", err
			}
			to, err := c.keep(p, ".damaged-symlink", []byte(raw))
			if err == nil {
				err = c.f.Unlink(p)
			}
			return "symlink removed; its encrypted target is kept in " + to, err
		})
	}
}

// xattrs checks the extended attributes of p. Repair keeps a damaged
// value's ciphertext in a file in lost+found and removes the attribute.
func (c *checker) xattrs(p, cp string) {
	names, err := c.f.Listxattr(p)
	if err != nil {
		return // not supported by the backing file system, or unreadable
	}
	for _, n := range names {
		_, err := c.f.Getxattr(p, n)
		if !fs.IsCorrupt(err) {
			continue
		}
		f := Finding{Kind: CorruptXattr, Path: p, CipherPath: cp, Detail: fmt.Sprintf("xattr %s: %v", n, err)}
		c.fix(f, func() (string, error) {
			raw, err := c.f.Inspect().GetxattrCipher(p, n)
			if err != nil {
				return "", err
			}
			to, err := c.keep(p+" xattr "+n, ".damaged-xattr", raw)
			if err == nil {
				err = c.f.Removexattr(p, n)
			}
			return "xattr removed; its encrypted value is kept in " + to, err
		})
	}
}

// progress counts n bytes read (in the first round only).
func (c *checker) progress(n int64) {
	if c.opts.OnProgress == nil || c.roundNo > 0 {
		return
	}
	c.prog.Bytes += n
	c.opts.OnProgress(c.prog)
}
