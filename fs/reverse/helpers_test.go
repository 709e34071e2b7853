package reverse_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/reverse"
	"golang.org/x/sys/unix"
)

// referenceView opens the view of the extracted reverse example with
// its master key; it returns the view and the plain directory.
func referenceView(t *testing.T, opts reverse.Options) (*reverse.View, string) {
	t.Helper()
	plain := fstest.ExtractShared(t, "reverse-plain.tar")
	key, err := crypto.ParseMasterKey(fstest.MasterKey(t, "reverse"))
	if err != nil {
		t.Fatal(err)
	}
	opts.Raw64, opts.DirIV = true, true
	v, err := reverse.New(plain, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, plain
}

// dumpView returns every path of the view with its type and content
// (file bytes as hex-free strings, symlink targets), sorted.
func dumpView(t *testing.T, v *reverse.View) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := v.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir(%q): %v", dir, err)
		}
		for _, e := range ents {
			p := e.Name
			if dir != "" {
				p = dir + "/" + e.Name
			}
			st, err := v.Stat(p)
			if err != nil {
				t.Fatalf("Stat(%q): %v", p, err)
			}
			if st.Mode&unix.S_IFMT != e.Type {
				t.Errorf("%s: listed type %o, stat type %o", p, e.Type, st.Mode&unix.S_IFMT)
			}
			switch e.Type {
			case unix.S_IFDIR:
				out[p] = "dir"
				walk(p)
			case unix.S_IFLNK:
				target, err := v.Readlink(p)
				if err != nil {
					t.Fatalf("Readlink(%q): %v", p, err)
				}
				if int64(len(target)) != st.Size {
					t.Errorf("%s: lstat size %d, target %d bytes", p, st.Size, len(target))
				}
				out[p] = "link " + target
			case unix.S_IFREG:
				out[p] = "file " + readView(t, v, p, st.Size)
			default:
				out[p] = fmt.Sprintf("other %o", e.Type)
			}
		}
	}
	walk("")
	return out
}

// readView reads a whole view file in odd-sized pieces.
func readView(t *testing.T, v *reverse.View, p string, size int64) string {
	t.Helper()
	f, err := v.Open(p)
	if err != nil {
		t.Fatalf("Open(%q): %v", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, size+100))
	if err != nil {
		t.Fatalf("read %q: %v", p, err)
	}
	if int64(len(b)) != size {
		t.Errorf("%s: read %d bytes, stat size %d", p, len(b), size)
	}
	return string(b)
}

// dumpDir is dumpView for a real directory (an extracted or mounted view).
func dumpDir(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case fi.IsDir():
			out[rel] = "dir"
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			out[rel] = "link " + target
		case !fi.Mode().IsRegular():
			out[rel] = fmt.Sprintf("other %o", uint32(fi.Sys().(*syscall.Stat_t).Mode)&unix.S_IFMT)
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out[rel] = "file " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareDumps reports every difference between two dumps.
func compareDumps(t *testing.T, got, want map[string]string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	bad := 0
	for _, k := range ks {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			t.Errorf("missing %s", k)
		case !wok:
			t.Errorf("extra %s", k)
		case g != w:
			t.Errorf("%s differs: got %q, want %q", k, clip(g), clip(w))
		default:
			continue
		}
		if bad++; bad > 20 {
			t.Fatal("too many differences")
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", s[:80], len(s))
	}
	return strings.ToValidUTF8(s, "?")
}

// sortedKeys returns the keys of a dump in order (parents first).
func sortedKeys(d map[string]string) []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
