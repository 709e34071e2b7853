package fs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
)

// Objects a sync client has not finished writing are reported as not
// fully synced yet (fs.ErrIncomplete, with a log line), never as an empty
// file or an empty directory, and the rest of the vault keeps working.

func wantIncomplete(t *testing.T, err error, what string) {
	t.Helper()
	var ie *fs.IncompleteError
	if !errors.Is(err, fs.ErrIncomplete) || !errors.As(err, &ie) || !fs.IsIncomplete(err) {
		t.Fatalf("%s: %v, want a not-fully-synced error", what, err)
	}
}

// TestPartialFile: a file shorter than its header and a file that ends
// in a fragment too short to be a block.
func TestPartialFile(t *testing.T) {
	forEachAlgorithm(t, func(t *testing.T, vr variant) {
		v := newVault(t, vr.opts)
		data := randBytes(7, 2*bs)
		writeFile(t, v.FS, "whole", data)
		writeFile(t, v.FS, "other", []byte("fine"))
		back := v.backing(t, "whole")
		orig, err := os.ReadFile(back)
		must(t, err)

		must(t, os.WriteFile(back, orig[:10], 0o644)) // a placeholder
		_, err = v.Open("whole", unix.O_RDONLY)
		wantIncomplete(t, err, "open of a 10-byte file")
		if !strings.Contains(err.Error(), "not fully synced yet") || !strings.Contains(err.Error(), "whole") {
			t.Errorf("message %q", err)
		}

		// Half a block's overhead past the last full block.
		must(t, os.WriteFile(back, append(bytes.Clone(orig), orig[20:30]...), 0o644))
		f, err := v.Open("whole", unix.O_RDONLY)
		must(t, err)
		defer f.Close()
		buf := make([]byte, 2*bs)
		if n, err := f.ReadAt(buf, 0); n != 2*bs || err != nil || !bytes.Equal(buf, data) {
			t.Errorf("read of the complete blocks: %d, %v", n, err)
		}
		_, err = f.ReadAt(buf[:100], 2*bs-50)
		wantIncomplete(t, err, "read into the fragment")
		if !errors.Is(err, crypto.ErrAuth) || !fs.IsCorrupt(err) {
			t.Errorf("fragment error %v does not wrap ErrAuth", err)
		}
		if got := readFile(t, v.FS, "other"); string(got) != "fine" {
			t.Errorf("other file: %q", got)
		}
	})
}

// TestPartialDir: a directory whose gocryptfs.diriv is missing or empty,
// a long name whose .name file is missing, a sync client's download.
func TestPartialDir(t *testing.T) {
	for _, damage := range []string{"missing", "empty"} {
		t.Run(damage, func(t *testing.T) {
			log := fstest.NewLogRecorder(nil)
			opts := variants[0].opts
			opts.Logger = slog.New(log)
			v := newVault(t, opts)
			must(t, v.Mkdir("d", 0o755, nil))
			must(t, v.Mkdir("e", 0o755, nil))
			writeFile(t, v.FS, "d/f", []byte("x"))
			writeFile(t, v.FS, "e/g", []byte("y"))
			iv := filepath.Join(v.backing(t, "d"), crypto.DirIVName)
			must(t, os.Remove(iv))
			if damage == "empty" {
				must(t, os.WriteFile(iv, nil, 0o444))
			}
			w := v.open(t)
			_, err := w.Stat("d/f")
			wantIncomplete(t, err, "Stat below the directory")
			if !strings.Contains(err.Error(), `"d"`) {
				t.Errorf("error %q does not name the directory", err)
			}
			_, err = w.ReadDir("d")
			wantIncomplete(t, err, "ReadDir of the directory")
			if got := names(t, w, ""); len(got) != 2 {
				t.Errorf("root lists %q", got)
			}
			if got := readFile(t, w, "e/g"); string(got) != "y" {
				t.Errorf("sibling reads %q", got)
			}
		})
	}
	t.Run("name-file", func(t *testing.T) {
		log := fstest.NewLogRecorder(nil)
		opts := variants[0].opts
		opts.Logger = slog.New(log)
		v := newVault(t, opts)
		long := strings.Repeat("n", 200)
		writeFile(t, v.FS, long, []byte("long"))
		writeFile(t, v.FS, "short", nil)
		lb := v.backing(t, long)
		must(t, os.Remove(lb+".name"))
		must(t, os.WriteFile(filepath.Join(v.dir, ".syncthing.abc.tmp"), []byte("partial"), 0o644))
		if got := names(t, v.FS, ""); len(got) != 1 || got[0] != "short" {
			t.Errorf("listing %q", got)
		}
		_, bad, err := v.Inspect().ReadDirBad("")
		must(t, err)
		if len(bad) != 2 {
			t.Fatalf("bad names %v", bad)
		}
		for _, b := range bad {
			wantIncomplete(t, b.Err, "bad name "+b.Disk)
		}
		if lines := log.Lines("not fully synced yet", filepath.Base(lb)); len(lines) == 0 {
			t.Errorf("no log line for the missing .name file: %q", log.Lines())
		}
		if got := readFile(t, v.FS, long); string(got) != "long" {
			t.Errorf("lookup by name: %q", got)
		}
	})
}

// TestPartialExport: a stub read through the io.Reader path is an error,
// not an empty file.
func TestPartialRead(t *testing.T) {
	v := newVault(t, variants[0].opts)
	writeFile(t, v.FS, "f", []byte("content"))
	must(t, os.WriteFile(v.backing(t, "f"), []byte{2, 0, 1}, 0o644))
	f, err := v.Open("f", unix.O_RDWR)
	must(t, err)
	defer f.Close()
	if _, err := f.ReadAt(make([]byte, 1), 0); errors.Is(err, io.EOF) {
		t.Fatal("a 3-byte stub reads as empty")
	}
}

// TestHiddenLogged: entries a listing hides are logged once each, at most
// a few per kind and listing and then one summary line, and counted.
func TestHiddenLogged(t *testing.T) {
	log := fstest.NewLogRecorder(nil)
	opts := variants[0].opts
	opts.Logger = slog.New(log)
	v := newVault(t, opts)
	writeFile(t, v.FS, "ok", nil)
	plant := func(name string) {
		t.Helper()
		must(t, os.WriteFile(filepath.Join(v.dir, name), []byte("x"), 0o644))
	}
	for i := range 12 {
		plant(fmt.Sprintf("QUFBQUFBQUFBQUFBQUFBQU%02d", i))
	}
	for i := range 3 {
		plant(fmt.Sprintf(".syncthing.f%d.tmp", i))
	}
	if got := names(t, v.FS, ""); len(got) != 1 {
		t.Fatalf("listing %q", got)
	}
	if n := len(log.Lines("name does not decrypt, hidden from listing")); n != 5 {
		t.Errorf("%d lines for undecryptable names, want 5: %q", n, log.Lines())
	}
	if n := len(log.Lines("more names that do not decrypt", "count=7")); n != 1 {
		t.Errorf("no summary line for the other 7: %q", log.Lines())
	}
	if n := len(log.Lines("not fully synced yet, hidden from listing")); n != 3 {
		t.Errorf("%d lines for downloads, want 3: %q", n, log.Lines())
	}
	if n := v.Hidden(); n != 15 {
		t.Errorf("Hidden() = %d, want 15", n)
	}
	before := len(log.Lines())
	names(t, v.FS, "")
	if len(log.Lines()) != before || v.Hidden() != 15 {
		t.Errorf("listing again logged %q, Hidden() = %d", log.Lines()[before:], v.Hidden())
	}
	plant(".syncthing.new.tmp")
	names(t, v.FS, "")
	if got := log.Lines()[before:]; len(got) != 1 || !strings.Contains(got[0], ".syncthing.new.tmp") || v.Hidden() != 16 {
		t.Errorf("a new entry logged %q, Hidden() = %d", got, v.Hidden())
	}
	ents, err := os.ReadDir(v.dir)
	must(t, err)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "QUFB") || strings.HasPrefix(e.Name(), ".syncthing.") {
			must(t, os.Remove(filepath.Join(v.dir, e.Name())))
		}
	}
	names(t, v.FS, "")
	if n := v.Hidden(); n != 0 {
		t.Errorf("Hidden() = %d after the entries went away", n)
	}
}
