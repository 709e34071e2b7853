package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/internal/daemon"
)

var pathCommand = &command{
	name:    "path",
	args:    "[unlock] [--cipher | --relative | --root DIR] CIPHERDIR PATH",
	summary: "translate a plaintext path to its cipher path, or back with --cipher",
	help: `Without --cipher, PATH is a plaintext path inside the vault (or an
absolute path under a live mountpoint of the vault) and the
backing path is printed, joined to CIPHERDIR (a long name prints its
gocryptfs.longname.* object). With --cipher, PATH is a backing path,
relative to CIPHERDIR or absolute (it must lie inside CIPHERDIR), and the
plaintext path inside the vault is printed ("." for the root). A .name
side file translates to the entry it names.`,
	run: runPath,
}

func runPath(e *env, c *command, args []string) error {
	var u unlockFlags
	var toPlain bool
	fs := newFlagSet(c)
	u.register(fs)
	fs.BoolVar(&toPlain, "cipher", false, "PATH is a cipher path: print the plaintext path")
	var relative bool
	var root string
	fs.BoolVar(&relative, "relative", false, "print the cipher path relative to the synced folder's root (found by the sync client's marker)")
	fs.StringVar(&root, "root", "", "print the cipher path relative to `DIR`, the synced folder's root")
	v, pos, err := e.openReadOnly(c, fs, &u, args, 2, 2)
	if err != nil {
		return err
	}
	defer v.Close()
	if toPlain && (relative || root != "") {
		return e.usageError(c, "--relative and --root are for a plaintext PATH, not with --cipher")
	}
	if toPlain {
		return e.plainPath(v, pos[1])
	}
	p := vaultPath(underMount(v.dir, pos[1]))
	rel, err := v.fs.CipherPath(p)
	if err != nil {
		return entryFailure(v, p, err)
	}
	out := filepath.Join(v.dir, rel)
	if relative || root != "" {
		if out, err = relativeToRoot(v.dir, out, root); err != nil {
			return e.usageError(c, "%v", err)
		}
	}
	fmt.Fprintln(e.stdout, displayName(out))
	return nil
}

// relativeToRoot returns the cipher path p relative to root, or, if root
// is "", to the synced folder's root found above cipherdir.
func relativeToRoot(cipherdir, p, root string) (string, error) {
	if root == "" {
		r, _, ok := syncRoot(realPath(cipherdir))
		if !ok {
			return "", fmt.Errorf("no sync client's marker (.dropbox, .stfolder, ...) above %s: name the folder's root with --root DIR", cipherdir)
		}
		root = r
	}
	rel, err := filepath.Rel(realPath(root), realPath(filepath.Dir(p)))
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is not inside --root %s", cipherdir, root)
	}
	return filepath.Join(rel, filepath.Base(p)), nil
}

// plainPath prints the plaintext path of the cipher path arg.
func (e *env) plainPath(v *vault, arg string) error {
	rel, err := cipherRel(v.dir, arg)
	if err != nil {
		return err
	}
	if rel == "." {
		fmt.Fprintln(e.stdout, ".")
		return nil
	}
	if base := filepath.Base(rel); base == crypto.DirIVName || strings.HasPrefix(base, crypto.ConfigName) ||
		strings.HasPrefix(base, crypto.DirIVName+".") {
		return failf(exitOther, "%s is a special file of the vault, not an entry", arg)
	}
	plain, err := v.fs.PlainPath(filepath.ToSlash(rel))
	if err != nil {
		code := exitOther
		if fs.IsCorrupt(err) {
			code = exitCorrupt
		}
		return fail(code, fmt.Errorf("%s: %s", arg, reason(err)))
	}
	fmt.Fprintln(e.stdout, displayName(plain))
	return nil
}

// cipherRel returns a cipher path relative to the cipherdir dir. An
// absolute path must lie inside dir. A relative one is taken relative
// to dir, unless it only exists relative to the working directory (and
// inside dir).
func cipherRel(dir, p string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", fail(exitOther, err)
	}
	inside := func(abs string) (string, bool) {
		r, err := filepath.Rel(absDir, abs)
		return r, err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
	}
	if filepath.IsAbs(p) {
		r, ok := inside(filepath.Clean(p))
		if !ok {
			return "", failf(exitOther, "%s is not inside the cipherdir %s", p, dir)
		}
		return r, nil
	}
	if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
		if abs, err := filepath.Abs(p); err == nil {
			if r, ok := inside(abs); ok {
				if _, err := os.Lstat(abs); err == nil {
					return r, nil
				}
			}
		}
	}
	r := filepath.Clean(p)
	if _, ok := inside(filepath.Join(absDir, r)); !ok {
		return "", failf(exitOther, "%s is not inside the cipherdir %s", p, dir)
	}
	return r, nil
}

// underMount turns an absolute path under a live mountpoint of the vault
// in cipherdir into the vault path it names; any other argument is
// returned as it is (a vault path).
func underMount(cipherdir, arg string) string {
	if !filepath.IsAbs(arg) {
		return arg
	}
	real := arg
	if r, err := filepath.EvalSymlinks(arg); err == nil {
		real = r
	}
	ms, _ := daemon.Mounts()
	for _, m := range ms {
		if filepath.Clean(m.Source) != filepath.Clean(cipherdir) {
			continue
		}
		for _, a := range []string{real, filepath.Clean(arg)} {
			if rel, err := filepath.Rel(m.Mountpoint, a); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return rel
			}
		}
	}
	return arg
}
