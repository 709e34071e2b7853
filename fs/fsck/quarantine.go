package fsck

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"golang.org/x/sys/unix"
)

// What Repair cannot read goes to lost+found, named after where it was:
// "docs%2Freport.txt" for docs/report.txt ('%' and '/' escaped). Damaged
// ciphertext is never thrown away: it is kept, as the content of an
// ordinary file next to it, at the offsets it had in the backing file.

// rawSuffix ends the name of the file that keeps damaged ciphertext.
const rawSuffix = ".damaged-ciphertext"

// escapePath turns a plaintext path into one name.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(p)
}

// fitName shortens name, keeping its end, so that name+suffix is a
// valid name (at most 255 bytes).
func fitName(name, suffix string) string {
	max := crypto.NameMax - len(suffix)
	if len(name) <= max {
		return name
	}
	return strings.ToValidUTF8("..."+name[len(name)-(max-3):], "")
}

// quarantinePath returns a free path in lost+found for what was at orig,
// free with each of the suffixes too. It creates lost+found if needed.
func (c *checker) quarantinePath(orig string, suffixes ...string) (string, error) {
	if err := c.ensureLostFound(); err != nil {
		return "", err
	}
	base := escapePath(strings.TrimPrefix(orig, "/"))
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s (%d)", base, i)
		}
		name = fitName(name, rawSuffix)
		free := true
		for _, s := range append([]string{""}, suffixes...) {
			if _, err := c.f.Stat(path.Join(LostFound, name+s)); !errors.Is(err, unix.ENOENT) {
				free = false
			}
		}
		if free {
			return path.Join(LostFound, name), nil
		}
	}
	return "", fmt.Errorf("no free name in %s for %q", LostFound, orig)
}

// ensureLostFound creates the lost+found directory (mode 0700).
func (c *checker) ensureLostFound() error {
	st, err := c.f.Stat(LostFound)
	switch {
	case errors.Is(err, unix.ENOENT):
		return c.f.Mkdir(LostFound, 0o700, nil)
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("%s exists and is not a directory", LostFound)
	}
	return nil
}

// keep writes data as a new file in lost+found named after orig plus
// suffix, and returns its path.
func (c *checker) keep(orig, suffix string, data []byte) (string, error) {
	to, err := c.quarantinePath(orig, suffix)
	if err != nil {
		return "", err
	}
	to += suffix
	fl, err := c.f.Create(to, unix.O_RDWR|unix.O_EXCL, 0o600, nil)
	if err != nil {
		return "", err
	}
	_, err = fl.WriteAt(data, 0)
	if cerr := fl.Close(); err == nil {
		err = cerr
	}
	return to, err
}

// salvage moves the file at p into lost+found, keeps the ciphertext of
// its damaged runs in a file next to it, and rewrites the damaged blocks
// as zeros (a damaged header: the file becomes empty), so that the
// readable blocks stay readable and the vault checks clean.
func (c *checker) salvage(p string, runs []damage) (string, error) {
	to, err := c.salvagePath(p)
	if err != nil {
		return "", err
	}
	if to != p {
		if err := c.f.Rename(p, to, unix.RENAME_NOREPLACE); err != nil {
			return "", err
		}
	}
	fl, err := c.f.Open(to, unix.O_RDWR)
	if err != nil {
		return "", err
	}
	defer fl.Close()
	if err := c.keepRaw(fl, to+rawSuffix, runs); err != nil {
		return "", err
	}
	if err := c.zeroRuns(fl, runs); err != nil {
		return "", err
	}
	what := "damaged blocks now read as zeros"
	if runs[0].kind == CorruptHeader {
		what = "it is empty now: its header was damaged, so no block could be read"
	}
	where := "moved to " + to
	if to == p {
		where = "rewritten in place"
	}
	return fmt.Sprintf("%s (%s); the damaged ciphertext is kept in %s%s", where, what, to, rawSuffix), nil
}

// tornTail reports whether the damage of the file at p is one run of
// corrupt blocks that ends it: what a torn append or a torn rewrite of
// the tail leaves.
func (c *checker) tornTail(p string, runs []damage) bool {
	if len(runs) != 1 || runs[0].kind != CorruptBlock {
		return false
	}
	st, err := c.f.Stat(p)
	return err == nil && st.Size > 0 && runs[0].last == uint64(st.Size-1)/crypto.BlockSize
}

// cutTail keeps the readable prefix of the file at p, whose only damage
// is the run that ends it: the ciphertext of its header and of the run
// goes into lost+found, and the file is cut to the start of the run.
func (c *checker) cutTail(p string, runs []damage) (string, error) {
	raw, err := c.quarantinePath(p, rawSuffix)
	if err != nil {
		return "", err
	}
	raw += rawSuffix
	fl, err := c.f.Open(p, unix.O_RDWR)
	if err != nil {
		return "", err
	}
	defer fl.Close()
	st, err := fl.Stat()
	if err != nil {
		return "", err
	}
	if err := c.keepRaw(fl, raw, runs); err != nil {
		return "", err
	}
	cut := runs[0].first * crypto.BlockSize
	if err := fl.Truncate(cut); err != nil {
		return "", err
	}
	if err := fl.Sync(); err != nil {
		return "", err
	}
	return fmt.Sprintf("cut to %d bytes, the blocks before the damaged tail (bytes %d-%d were cut: a torn append or "+
		"a copy of the file taken while it changed); the damaged ciphertext is kept in %s", cut, cut, st.Size-1, raw), nil
}

// salvagePath returns where salvage puts the file at p: p itself when it
// is in lost+found already (and its raw copy's name is free).
func (c *checker) salvagePath(p string) (string, error) {
	if inLostFound(p) {
		if _, err := c.f.Stat(p + rawSuffix); errors.Is(err, unix.ENOENT) {
			return p, nil
		}
	}
	return c.quarantinePath(p, rawSuffix)
}

// inLostFound reports whether p lies in lost+found.
func inLostFound(p string) bool { return strings.HasPrefix(p, LostFound+"/") }

// keepRaw copies the header and the ciphertext of the damaged runs of fl
// (all of it for a damaged header) into a new file at raw, at their
// backing offsets.
func (c *checker) keepRaw(fl *fs.File, raw string, runs []damage) error {
	out, err := c.f.Create(raw, unix.O_RDWR|unix.O_EXCL, 0o600, nil)
	if err != nil {
		return err
	}
	defer out.Close()
	csize, err := fl.CipherSize()
	if err != nil {
		return err
	}
	ct := c.f.Content()
	if err := copyRaw(fl, out, 0, min(crypto.HeaderSize, csize)); err != nil {
		return err
	}
	for _, d := range runs {
		from, to := ct.BlockOffset(d.first), min(ct.BlockOffset(d.last+1), csize)
		if d.kind == CorruptHeader {
			from, to = 0, csize
		}
		if err := copyRaw(fl, out, from, to); err != nil {
			return err
		}
	}
	return out.Sync()
}

// copyRaw copies backing bytes [from, to) of src into dst at from.
func copyRaw(src, dst *fs.File, from, to int64) error {
	buf := make([]byte, chunk)
	for off := from; off < to; off += int64(len(buf)) {
		n, err := src.ReadCipherAt(buf[:min(int64(len(buf)), to-off)], off)
		if err != nil {
			return err
		}
		if _, err := dst.WriteAt(buf[:n], off); err != nil {
			return err
		}
	}
	return nil
}

// zeroRuns rewrites the damaged blocks of fl as zeros, or empties it
// when its header is damaged.
func (c *checker) zeroRuns(fl *fs.File, runs []damage) error {
	if runs[0].kind == CorruptHeader {
		return fl.Truncate(0)
	}
	st, err := fl.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, crypto.BlockSize)
	for _, d := range runs {
		if d.kind != CorruptBlock {
			continue
		}
		for b := d.first; b <= d.last; b++ {
			off := int64(b * crypto.BlockSize)
			if _, err := fl.WriteAt(zeros[:min(int64(crypto.BlockSize), st.Size-off)], off); err != nil {
				return err
			}
		}
	}
	return fl.Sync()
}
