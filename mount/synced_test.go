package mount_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferfs/cofferfs/crypto"
	"github.com/cofferfs/cofferfs/fs"
	"github.com/cofferfs/cofferfs/fs/fstest"
	"github.com/cofferfs/cofferfs/fs/syncname"
	"github.com/cofferfs/cofferfs/mount"
	"golang.org/x/sys/unix"
)

// A vault in a synced folder, seen through a mount: conflict copies are
// listed under their decrypted names with the marker, and can be read,
// renamed and deleted; objects not fully synced fail with EIO and a log
// line saying so, and everything else keeps working. The backing
// directory is prepared through one fs.FS and mounted through a fresh one.

// syncedVault is a cipherdir and its key.
type syncedVault struct {
	dir   string
	key   []byte
	opts  fs.Options
	cache time.Duration // the mount's CacheTimeout (0: the default)
}

func newSyncedVault(t *testing.T, longNameMax int) *syncedVault {
	t.Helper()
	v := &syncedVault{dir: t.TempDir(), key: crypto.NewMasterKey(),
		opts: fs.Options{Algorithm: crypto.AESGCM, Raw64: true, DirIV: true, LongNameMax: longNameMax}}
	iv := make([]byte, crypto.DirIVSize)
	rand.Read(iv)
	must(t, os.WriteFile(filepath.Join(v.dir, crypto.DirIVName), iv, 0o444))
	return v
}

// open returns a new fs.FS on the vault, logging to log (may be nil).
func (v *syncedVault) open(t *testing.T, log *slog.Logger) *fs.FS {
	t.Helper()
	o := v.opts
	o.Logger = log
	f, err := fs.New(v.dir, v.key, o)
	must(t, err)
	return f
}

// mount mounts a fresh view of the vault; rec records the daemon's log.
func (v *syncedVault) mount(t *testing.T, rec *fstest.LogRecorder) string {
	t.Helper()
	log := slog.New(rec)
	return mountFS(t, v.open(t, log), mount.Options{Logger: log, CacheTimeout: v.cache})
}

// prepare runs fn on a view of the vault and closes it.
func (v *syncedVault) prepare(t *testing.T, fn func(f *fs.FS)) {
	t.Helper()
	f := v.open(t, nil)
	defer f.Close()
	fn(f)
}

func fsWrite(t *testing.T, f *fs.FS, p string, data []byte) {
	t.Helper()
	fl, err := f.Create(p, unix.O_RDWR|unix.O_TRUNC, 0o644, nil)
	must(t, err)
	defer fl.Close()
	if len(data) > 0 {
		_, err = fl.WriteAt(data, 0)
		must(t, err)
	}
}

func backingOf(t *testing.T, f *fs.FS, dir, p string) string {
	t.Helper()
	cp, err := f.CipherPath(p)
	must(t, err)
	return filepath.Join(dir, cp)
}

// withMarker inserts a sync client's marker before the extension.
func withMarker(name, marker string) string { return syncname.Insert(name, marker) }

var clientMarkers = map[string]string{
	"dropbox":   " (laptop's conflicted copy 2026-11-26)",
	"gdrive":    " (1)",
	"onedrive":  "-DESKTOP-AB12CD",
	"nextcloud": " (conflicted copy 2026-11-26 101010)",
	"seafile":   " (SFConflict bob@example.com 2026-11-26-10-10-10)",
	"syncthing": ".sync-conflict-20261126-101010-ABCDEFG",
	"icloud":    " 2",
}

func TestMountConflictCopies(t *testing.T) {
	for _, lnm := range []int{0, 62} { // short names; every name long
		v := newSyncedVault(t, lnm)
		v.prepare(t, func(f *fs.FS) {
			must(t, f.Mkdir("docs", 0o755, nil))
			for client, marker := range clientMarkers {
				p := "docs/" + client + " report.txt"
				fsWrite(t, f, p, []byte("theirs "+client))
				back := backingOf(t, f, v.dir, p)
				b, err := os.ReadFile(back)
				must(t, err)
				must(t, os.WriteFile(withMarker(back, marker), b, 0o644))
				fsWrite(t, f, p, []byte("mine "+client))
			}
		})
		mnt := v.mount(t, fstest.NewLogRecorder(t))
		ents, err := os.ReadDir(filepath.Join(mnt, "docs"))
		must(t, err)
		if len(ents) != 2*len(clientMarkers) {
			t.Errorf("LongNameMax %d: %d entries, want %d", lnm, len(ents), 2*len(clientMarkers))
		}
		for client, marker := range clientMarkers {
			shown := filepath.Join(mnt, "docs", withMarker(client+" report.txt", marker))
			if b, err := os.ReadFile(shown); err != nil || string(b) != "theirs "+client {
				t.Errorf("%s: conflict copy reads %q, %v", client, b, err)
			}
			kept := filepath.Join(mnt, "docs", client+" kept.txt")
			must(t, os.Rename(shown, kept))
			if b, err := os.ReadFile(kept); err != nil || string(b) != "theirs "+client {
				t.Errorf("%s: renamed copy reads %q, %v", client, b, err)
			}
			if b, _ := os.ReadFile(filepath.Join(mnt, "docs", client+" report.txt")); string(b) != "mine "+client {
				t.Errorf("%s: original reads %q", client, b)
			}
			must(t, os.Remove(kept))
		}
		ents, err = os.ReadDir(filepath.Join(mnt, "docs"))
		must(t, err)
		if len(ents) != len(clientMarkers) {
			t.Errorf("after rename and remove: %d entries", len(ents))
		}
	}
}

// TestMountConflictDirAndIV: a conflict copy of a directory, and a
// directory whose diriv has a conflict copy that encrypts some names.
func TestMountConflictDirAndIV(t *testing.T) {
	v := newSyncedVault(t, 0)
	const marker = " (conflicted copy 2026-11-26)"
	v.prepare(t, func(f *fs.FS) {
		must(t, f.Mkdir("album", 0o755, nil))
		fsWrite(t, f, "album/a.jpg", []byte("A"))
		back := backingOf(t, f, v.dir, "album")
		must(t, os.Mkdir(back+" (1)", 0o755))
		for _, n := range []string{crypto.DirIVName, filepath.Base(backingOf(t, f, v.dir, "album/a.jpg"))} {
			b, err := os.ReadFile(filepath.Join(back, n))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(back+" (1)", n), b, 0o644))
		}
		must(t, f.Mkdir("d", 0o755, nil))
		fsWrite(t, f, "d/mine.txt", []byte("mine"))
		must(t, f.Mkdir("elsewhere", 0o755, nil))
		fsWrite(t, f, "elsewhere/theirs.txt", []byte("theirs"))
		from, to := backingOf(t, f, v.dir, "elsewhere"), backingOf(t, f, v.dir, "d")
		ents, err := os.ReadDir(from)
		must(t, err)
		for _, e := range ents {
			name := e.Name()
			if name == crypto.DirIVName {
				name = withMarker(name, marker)
			}
			must(t, os.Rename(filepath.Join(from, e.Name()), filepath.Join(to, name)))
		}
		must(t, os.Remove(from))
	})
	mnt := v.mount(t, fstest.NewLogRecorder(t))
	if b, err := os.ReadFile(filepath.Join(mnt, "album (1)", "a.jpg")); err != nil || string(b) != "A" {
		t.Errorf("file in the directory's conflict copy: %q, %v", b, err)
	}
	var names []string
	ents, err := os.ReadDir(filepath.Join(mnt, "d"))
	must(t, err)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	want := []string{"mine.txt", "theirs.txt"} // no clash: no marker
	if !slices.Equal(names, want) {
		t.Fatalf("d lists %q, want %q", names, want)
	}
	theirs := filepath.Join(mnt, "d", want[1])
	if b, err := os.ReadFile(theirs); err != nil || string(b) != "theirs" {
		t.Errorf("name under the diriv copy: %q, %v", b, err)
	}
	must(t, os.Rename(theirs, filepath.Join(mnt, "d", "kept.txt")))
	if b, err := os.ReadFile(filepath.Join(mnt, "d", "kept.txt")); err != nil || string(b) != "theirs" {
		t.Errorf("after rename: %q, %v", b, err)
	}
}

// TestMountNotSynced: a placeholder file, a file ending in a fragment
// and a directory without its diriv.
func TestMountNotSynced(t *testing.T) {
	v := newSyncedVault(t, 0)
	data := bytes.Repeat([]byte("0123456789abcdef"), 2*bs/16)
	v.prepare(t, func(f *fs.FS) {
		fsWrite(t, f, "stub.bin", []byte("soon"))
		must(t, os.Truncate(backingOf(t, f, v.dir, "stub.bin"), 5))
		fsWrite(t, f, "half.bin", data)
		back := backingOf(t, f, v.dir, "half.bin")
		b, err := os.ReadFile(back)
		must(t, err)
		must(t, os.WriteFile(back, append(b, b[100:110]...), 0o644))
		must(t, f.Mkdir("newdir", 0o755, nil))
		fsWrite(t, f, "newdir/f", []byte("f"))
		must(t, os.Remove(filepath.Join(backingOf(t, f, v.dir, "newdir"), crypto.DirIVName)))
		fsWrite(t, f, "fine.txt", []byte("fine"))
		must(t, f.Mkdir("emptyiv", 0o755, nil))
		must(t, os.Truncate(filepath.Join(backingOf(t, f, v.dir, "emptyiv"), crypto.DirIVName), 0))
		fsWrite(t, f, strings.Repeat("n", 200), []byte("long"))
		must(t, os.Remove(backingOf(t, f, v.dir, strings.Repeat("n", 200))+".name"))
	})
	rec := fstest.NewLogRecorder(t)
	mnt := v.mount(t, rec)
	_, err := os.ReadFile(filepath.Join(mnt, "stub.bin"))
	if !errors.Is(err, unix.EIO) {
		t.Errorf("read of a placeholder: %v, want EIO", err)
	}
	if len(rec.Lines("not fully synced yet", "stub.bin")) == 0 {
		t.Errorf("no log line for the placeholder")
	}
	f, err := os.OpenFile(filepath.Join(mnt, "half.bin"), os.O_RDONLY|unix.O_DIRECT, 0)
	must(t, err)
	defer f.Close()
	buf, err := unix.Mmap(-1, 0, 2*bs, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	must(t, err)
	defer unix.Munmap(buf)
	if n, err := f.ReadAt(buf[:2*bs], 0); n != 2*bs || !bytes.Equal(buf[:n], data) {
		t.Errorf("complete blocks before the fragment: %d, %v", n, err)
	}
	if _, err := f.ReadAt(buf[:bs], 2*bs); !errors.Is(err, unix.EIO) {
		t.Errorf("read of the fragment: %v, want EIO", err)
	}
	if len(rec.Lines("not fully synced yet", "half.bin", "block 2")) == 0 {
		t.Errorf("no log line for the fragment")
	}
	if _, err := os.ReadDir(filepath.Join(mnt, "newdir")); !errors.Is(err, unix.EIO) {
		t.Errorf("listing a directory without its diriv: %v, want EIO", err)
	}
	if len(rec.Lines("not fully synced yet", "newdir")) == 0 {
		t.Errorf("no log line for the directory")
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "fine.txt")); err != nil || string(b) != "fine" {
		t.Errorf("other file: %q, %v", b, err)
	}
	if _, err := os.ReadDir(filepath.Join(mnt, "emptyiv")); !errors.Is(err, unix.EIO) {
		t.Errorf("listing a directory with an empty diriv: %v, want EIO", err)
	}
	// The long name whose .name file is missing is left out of the
	// listing (and logged), but found by its name.
	if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 5 {
		t.Errorf("root: %v, %v", ents, err)
	}
	if len(rec.Lines("not fully synced yet", "hidden from listing", ".name file is missing")) == 0 {
		t.Errorf("no log line for the missing .name file")
	}
	if b, err := os.ReadFile(filepath.Join(mnt, strings.Repeat("n", 200))); err != nil || string(b) != "long" {
		t.Errorf("long name by its name: %q, %v", b, err)
	}
}
