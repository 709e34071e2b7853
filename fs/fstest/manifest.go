package fstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// manifestHeader is the first line of every manifest.
const manifestHeader = "#path\ttype\tmode\tsize\tsha256\tsymlink-target\txattrs\n"

// Tree is what a manifest needs from a tree of files: the plaintext view
// of a vault, or a plain directory (see DirTree).
type Tree interface {
	Stat(path string) (unix.Stat_t, error)
	ReadDirNames(path string) ([]string, error)
	ReadFile(path string) (io.ReadCloser, error)
	Readlink(path string) (string, error)
	Xattrs(path string) (map[string]string, error)
}

// Manifest renders t as the reference vaults' plaintext-manifest.txt
// does: one tab-separated line per entry, sorted by path, root first.
func Manifest(t Tree) (string, error) {
	paths := []string{""}
	if err := walk(t, "", &paths); err != nil {
		return "", err
	}
	sort.Strings(paths[1:])
	var b strings.Builder
	b.WriteString(manifestHeader)
	for _, p := range paths {
		line, err := manifestLine(t, p)
		if err != nil {
			return "", err
		}
		b.WriteString(line)
	}
	return b.String(), nil
}

func walk(t Tree, dir string, out *[]string) error {
	names, err := t.ReadDirNames(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		*out = append(*out, p)
		st, err := t.Stat(p)
		if err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := walk(t, p, out); err != nil {
				return err
			}
		}
	}
	return nil
}

func manifestLine(t Tree, p string) (string, error) {
	st, err := t.Stat(p)
	if err != nil {
		return "", err
	}
	typ, size, sum, target := "other", "-", "-", "-"
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		typ = "dir"
	case unix.S_IFLNK:
		typ = "symlink"
		if target, err = t.Readlink(p); err != nil {
			return "", err
		}
		size = fmt.Sprint(len(target))
	case unix.S_IFREG:
		typ = "file"
		if sum, err = hashFile(t, p); err != nil {
			return "", err
		}
		size = fmt.Sprint(st.Size)
	}
	xa, err := t.Xattrs(p)
	if err != nil {
		return "", err
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(xa); err != nil {
		return "", err
	}
	rel := p
	if rel == "" {
		rel = "."
	}
	fields := []string{rel, typ, fmt.Sprintf("%04o", st.Mode&07777), size, sum, target, strings.TrimSpace(js.String())}
	return strings.Join(fields, "\t") + "\n", nil
}

func hashFile(t Tree, p string) (string, error) {
	r, err := t.ReadFile(p)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// DirTree is a plain directory on the local file system as a Tree.
type DirTree string

func (d DirTree) abs(p string) string { return filepath.Join(string(d), p) }

// Stat implements Tree.
func (d DirTree) Stat(p string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Lstat(d.abs(p), &st)
	return st, err
}

// ReadDirNames implements Tree.
func (d DirTree) ReadDirNames(p string) ([]string, error) {
	ents, err := os.ReadDir(d.abs(p))
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, err
}

// ReadFile implements Tree.
func (d DirTree) ReadFile(p string) (io.ReadCloser, error) { return os.Open(d.abs(p)) }

// Readlink implements Tree.
func (d DirTree) Readlink(p string) (string, error) { return os.Readlink(d.abs(p)) }

// Xattrs implements Tree: the user.* attributes, as the manifest tool
// reads them.
func (d DirTree) Xattrs(p string) (map[string]string, error) {
	out := map[string]string{}
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(d.abs(p), buf)
	if err != nil {
		return out, nil
	}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if !strings.HasPrefix(name, "user.") {
			continue
		}
		v := make([]byte, 64<<10)
		m, err := unix.Lgetxattr(d.abs(p), name, v)
		if err == nil {
			out[name] = string(v[:m])
		}
	}
	return out, nil
}
