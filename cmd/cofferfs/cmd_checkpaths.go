package main

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
)

var checkPathsCommand = &command{
	name:    "check-paths",
	args:    "[--profile P] [--root DIR] [unlock] [-q] CIPHERDIR",
	summary: "warn of cipher paths and names a sync provider cannot store",
	help: `Walks the vault and reports, on stdout, every backing path longer than
the provider's limit, every backing name longer than its name limit, and
backing names that differ only in case (they collide on case-insensitive
storage: Windows, macOS, Dropbox, OneDrive). A path is counted from the
root of the synced folder (--root, default: the directory that holds
CIPHERDIR), including .name and gocryptfs.diriv files. Without --profile
the strictest limits of all profiles apply. Exit code 26 when something
was found.

` + profileHelp(),
	run: runCheckPaths,
}

// pathProblem is one thing check-paths found.
type pathProblem struct {
	plain, cipher string
	what          string
}

// pathChecker walks a vault for check-paths.
type pathChecker struct {
	v        *vault
	p        profile
	prefix   int // characters in front of a cipher path, with the slash
	problems []pathProblem
}

func runCheckPaths(e *env, c *command, args []string) error {
	var u unlockFlags
	var profileName, root string
	fs := newFlagSet(c)
	u.register(fs)
	fs.StringVar(&profileName, "profile", "", "check against sync provider `P`: "+profileNames())
	fs.StringVar(&root, "root", "", "count paths from `DIR`, the root of the synced folder")
	e.quietFlag(fs, "print only the problems found, not the line saying every path fits")
	pos, err := e.parse(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	p := anyProfile
	if profileName != "" {
		var ok bool
		if p, ok = findProfile(profileName); !ok {
			return e.usageError(c, "unknown --profile %q (one of %s)", profileName, profileNames())
		}
	}
	prefix, err := pathPrefix(pos[0], root)
	if err != nil {
		return e.usageError(c, "%v", err)
	}
	if err := u.check(e, c); err != nil {
		return err
	}
	v, err := e.openVault(pos[0], &u, true)
	if err != nil {
		return err
	}
	defer v.Close()
	pc := &pathChecker{v: v, p: p, prefix: prefix}
	if err := pc.dir("", ""); err != nil {
		return fail(exitOther, err)
	}
	for _, pr := range pc.problems {
		fmt.Fprintf(e.stdout, "%s: %s (%s)\n", pr.what, displayName(pr.plain), displayName(filepath.Join(v.dir, pr.cipher)))
	}
	if len(pc.problems) > 0 {
		return failf(exitCorrupt, "%s for %s (see above)", formatCount(int64(len(pc.problems)), "problem"), p.provider)
	}
	e.infof("check-paths: every path fits %s (paths up to %d characters, names up to %d)", p.provider, p.maxPath, p.maxName)
	return nil
}

// pathPrefix returns the length of the path from the synced folder's
// root to the cipherdir, plus one for the slash.
func pathPrefix(cipherDir, root string) (int, error) {
	abs, err := filepath.Abs(cipherDir)
	if err != nil {
		return 0, err
	}
	if root == "" {
		return len(filepath.Base(abs)) + 1, nil
	}
	r, err := filepath.Abs(root)
	if err != nil {
		return 0, err
	}
	rel, err := filepath.Rel(r, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return 0, fmt.Errorf("--root %s does not contain %s", root, cipherDir)
	}
	if rel == "." {
		return 0, nil
	}
	return len(rel) + 1, nil
}

// dir checks the directory plain (backing path cdir) and below.
func (pc *pathChecker) dir(plain, cdir string) error {
	s, err := pc.v.fs.Inspect().Scan(plain)
	if err != nil {
		return err
	}
	folded := map[string][]pathProblem{}
	note := func(p, disk string) {
		cp := path.Join(cdir, disk)
		pc.checkLength(p, cp, disk)
		k := strings.ToLower(disk)
		folded[k] = append(folded[k], pathProblem{plain: p, cipher: cp})
	}
	for _, b := range s.Bad {
		note(path.Join(plain, "?"), b.Disk)
	}
	for _, ent := range s.Entries {
		p := path.Join(plain, ent.Name)
		cp, err := pc.v.fs.CipherPath(p)
		if err != nil {
			return err
		}
		note(p, path.Base(cp))
		if ent.Type == unix.S_IFDIR {
			pc.checkLength(p, cp+"/"+crypto.DirIVName, crypto.DirIVName)
			if err := pc.dir(p, cp); err != nil {
				return err
			}
		}
	}
	pc.collisions(folded)
	return nil
}

// checkLength notes a backing path or name over the profile's limits;
// a hashed name counts with its .name file.
func (pc *pathChecker) checkLength(plain, cp, disk string) {
	if strings.HasPrefix(disk, crypto.LongNamePrefix) {
		cp, disk = cp+crypto.LongNameSuffix, disk+crypto.LongNameSuffix
	}
	if n := pc.prefix + len(cp); n > pc.p.maxPath {
		pc.problems = append(pc.problems, pathProblem{plain, cp, fmt.Sprintf("path too long (%d > %d characters)", n, pc.p.maxPath)})
	}
	if len(disk) > pc.p.maxName {
		pc.problems = append(pc.problems, pathProblem{plain, cp, fmt.Sprintf("name too long (%d > %d characters)", len(disk), pc.p.maxName)})
	}
}

// collisions notes backing names of one directory that differ in case
// only.
func (pc *pathChecker) collisions(folded map[string][]pathProblem) {
	keys := make([]string, 0, len(folded))
	for k := range folded {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		same := folded[k]
		for _, other := range same[1:] {
			pc.problems = append(pc.problems, pathProblem{other.plain, other.cipher,
				fmt.Sprintf("name differs only in case from %s (%s)", displayName(same[0].plain), same[0].cipher)})
		}
	}
}
