package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// The model of the rename crash test: every file has content that names
// it, and the model knows the name each acknowledged rename gave it.
// The one operation a writer had in flight when the daemon died may have
// happened or not, so its file may be under either name.

// crashDirs are the directories the files move between; the last one
// has a long (hashed) name itself.
var crashDirs = []string{"", "d0", "d1", "D" + strings.Repeat("d", 199)}

// crashObj is one file of the model.
type crashObj struct {
	content []byte
	path    string // the acknowledged name
	alt     string // the other possible name while an operation is in flight
	victim  bool   // a file that renames may replace
	dir     bool   // a directory; content is that of its file "inner"
	vanish  bool   // in flight: it may be gone (replaced by a rename)
	partial bool   // in flight: being created, may be absent or short
}

// crashModel is the state of one writer's files; writers own disjoint
// sets, so each model is changed by one goroutine only.
type crashModel struct {
	w    int
	seq  int
	ops  int // operations acknowledged
	objs []*crashObj
	// home, for a resident, is the directory (another writer's, which
	// that writer renames) its files live in; they are renamed through
	// a descriptor of it, so a rename of home does not disturb them.
	home *crashObj
}

// key is the tree entry that holds o's content when o is at path.
func (m *crashModel) key(o *crashObj, path string) string {
	if m.home != nil {
		path = m.home.path + "/" + path
	}
	if o.dir {
		return path + "/inner"
	}
	return path
}

// stepIn runs one rename in a resident's home, given by dirfd: to a
// fresh name (plain or RENAME_NOREPLACE) or an exchange. It returns
// false after the first failure, as step does.
func (m *crashModel) stepIn(dirfd int, rng *rand.Rand) bool {
	m.ops++
	x, y := m.objs[rng.Intn(len(m.objs))], m.objs[rng.Intn(len(m.objs))]
	if rng.Intn(3) == 0 && x != y {
		x.alt, y.alt = y.path, x.path
		if unix.Renameat2(dirfd, x.path, dirfd, y.path, unix.RENAME_EXCHANGE) != nil {
			return false
		}
		x.path, y.path, x.alt, y.alt = y.path, x.path, "", ""
		return true
	}
	x.alt = filepath.Base(m.name(rng))
	if unix.Renameat2(dirfd, x.path, dirfd, x.alt, []uint{0, unix.RENAME_NOREPLACE}[rng.Intn(2)]) != nil {
		return false
	}
	x.path, x.alt = x.alt, ""
	return true
}

// name returns a fresh name: short, or long enough to be hashed.
func (m *crashModel) name(rng *rand.Rand) string {
	m.seq++
	dir := crashDirs[rng.Intn(len(crashDirs))]
	n := fmt.Sprintf("w%d_s%d", m.w, m.seq)
	if rng.Intn(2) == 0 {
		n = fmt.Sprintf("w%d_L%d_", m.w, m.seq)
		n += strings.Repeat("x", 200-len(n))
	}
	return filepath.Join(dir, n)
}

func (m *crashModel) content(kind string) []byte {
	m.seq++
	return []byte(fmt.Sprintf("%s of writer %d, number %d\n%s", kind, m.w, m.seq, strings.Repeat("#", m.seq%300)))
}

// step runs one random operation under mnt. It returns false after the
// first failure: the daemon is gone, and that operation stays in flight.
func (m *crashModel) step(mnt string, rng *rand.Rand) bool {
	p := func(rel string) string { return filepath.Join(mnt, rel) }
	var victims []*crashObj
	for _, o := range m.objs {
		if o.victim {
			victims = append(victims, o)
		}
	}
	m.ops++
	x := m.objs[rng.Intn(len(m.objs))]
	switch op := rng.Intn(10); {
	case op < 4: // move to a fresh name, plain or RENAME_NOREPLACE
		to := m.name(rng)
		x.alt = to
		flags := []uint{0, unix.RENAME_NOREPLACE}[rng.Intn(2)]
		if unix.Renameat2(unix.AT_FDCWD, p(x.path), unix.AT_FDCWD, p(to), flags) != nil {
			return false
		}
		x.path, x.alt = to, ""
	case op < 6: // exchange two files
		y := m.objs[rng.Intn(len(m.objs))]
		if y == x {
			return true
		}
		x.alt, y.alt = y.path, x.path
		if unix.Renameat2(unix.AT_FDCWD, p(x.path), unix.AT_FDCWD, p(y.path), unix.RENAME_EXCHANGE) != nil {
			return false
		}
		x.path, y.path = y.path, x.path
		x.alt, y.alt = "", ""
	case op < 8 || len(victims) == 0: // create a file that may be replaced
		v := &crashObj{content: m.content("victim"), path: m.name(rng), victim: true, partial: true}
		m.objs = append(m.objs, v)
		if os.WriteFile(p(v.path), v.content, 0o644) != nil {
			return false
		}
		v.partial = false
	default: // rename over an existing file
		v := victims[rng.Intn(len(victims))]
		if v == x || x.dir {
			return true
		}
		x.alt, v.vanish = v.path, true
		if unix.Renameat2(unix.AT_FDCWD, p(x.path), unix.AT_FDCWD, p(v.path), 0) != nil {
			return false
		}
		x.path, x.alt = v.path, ""
		m.drop(v)
	}
	return true
}

func (m *crashModel) drop(v *crashObj) {
	for i, o := range m.objs {
		if o == v {
			m.objs = append(m.objs[:i], m.objs[i+1:]...)
			return
		}
	}
}

// check compares the tree (plaintext name → content) with the model and
// settles what was in flight. It returns the problems found.
func (m *crashModel) check(tree map[string][]byte, seen map[string]bool) []string {
	var bad []string
	var keep []*crashObj
	for _, o := range m.objs {
		got := ""
		for _, cand := range []string{o.path, o.alt} {
			if c, ok := tree[m.key(o, cand)]; ok && cand != "" && !seen[m.key(o, cand)] && bytes.Equal(c, o.content) {
				got = cand
				break
			}
		}
		if o.partial {
			if c, ok := tree[m.key(o, o.path)]; ok && !seen[m.key(o, o.path)] && bytes.HasPrefix(o.content, c) {
				got = o.path
			}
		}
		switch {
		case got != "":
			o.path, o.alt, o.vanish = got, "", false
			if o.partial {
				o.content, o.partial = tree[m.key(o, got)], false // a create cut short
			}
			seen[m.key(o, got)] = true
			keep = append(keep, o)
		case o.vanish || o.partial:
			// replaced by the rename in flight, or never created
		default:
			bad = append(bad, fmt.Sprintf("writer %d: %q (or %q) lost; there: %q", m.w, o.path, o.alt, short(tree[m.key(o, o.path)])))
		}
	}
	m.objs = keep
	return bad
}

func short(b []byte) string {
	if b == nil {
		return "<nothing>"
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

// runWriters runs one goroutine per model until each hits a failure.
// The residents' homes are opened before anything runs.
func runWriters(t *testing.T, mnt string, models []*crashModel, seed int64) *sync.WaitGroup {
	fds := make([]int, len(models))
	for i, m := range models {
		if m.home == nil {
			continue
		}
		fd, err := unix.Open(filepath.Join(mnt, m.home.path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("home %q of writer %d: %v", m.home.path, m.w, err)
		}
		fds[i] = fd
	}
	var wg sync.WaitGroup
	for i, m := range models {
		rng := rand.New(rand.NewSource(seed + int64(i)))
		wg.Add(1)
		go func(fd int) {
			defer wg.Done()
			if m.home == nil {
				for m.step(mnt, rng) {
				}
				return
			}
			defer unix.Close(fd)
			for m.stepIn(fd, rng) {
			}
		}(fds[i])
	}
	return &wg
}

// readTree returns every file under mnt by plaintext path, and fails
// the test for anything unreadable or unexpected.
func readTree(t *testing.T, mnt string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	dirs := map[string]bool{}
	err := filepath.WalkDir(mnt, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walk %s: %v", path, err)
			return nil
		}
		rel, _ := filepath.Rel(mnt, path)
		if d.IsDir() {
			dirs[rel] = true
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("unreadable after the crash: %s: %v", rel, err)
			return nil
		}
		tree[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range crashDirs[1:] {
		if !dirs[d] {
			t.Errorf("directory %q missing after the crash", d)
		}
	}
	return tree
}

// checkAll checks every model against the tree and reports names that
// no model accounts for.
func checkAll(t *testing.T, tree map[string][]byte, models []*crashModel) bool {
	t.Helper()
	seen := map[string]bool{}
	ok := true
	for _, m := range models {
		for _, b := range m.check(tree, seen) {
			t.Error(b)
			ok = false
		}
	}
	var extra []string
	for name := range tree {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		t.Errorf("entry nobody made: %q holds %q", name, short(tree[name]))
		ok = false
	}
	return ok
}
