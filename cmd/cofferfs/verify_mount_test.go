package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of sealing by mounts and run, with the real binary
// (its daemon), gocryptfs and kill -9.

// newSealLifecycle is newLifecycle on a machine of its own (state dir).
func newSealLifecycle(t *testing.T) (c cli, cipher, mnt, pw string) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	return newLifecycle(t)
}

// fillMount writes a small tree through a mount.
func fillMount(t *testing.T, mnt string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(mnt, "docs", "deep"), 0o755))
	must(t, os.WriteFile(filepath.Join(mnt, "docs", "a.txt"), []byte(strings.Repeat("a", 3*4096)), 0o644))
	must(t, os.WriteFile(filepath.Join(mnt, "docs", "deep", "b.txt"), []byte("b"), 0o644))
	must(t, os.WriteFile(filepath.Join(mnt, strings.Repeat("long", 60)), []byte("long name"), 0o644))
	must(t, os.Symlink("docs/a.txt", filepath.Join(mnt, "link")))
}

// tree lists every path below root, sorted.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil && p != root {
			out = append(out, strings.TrimPrefix(p, root+"/"))
		}
		return err
	})
	must(t, err)
	slices.Sort(out)
	return out
}

func TestVerifyMountSealsAndGocryptfsSeesTree(t *testing.T) {
	needGocryptfs(t)
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	fillMount(t, mnt)
	want := tree(t, mnt)
	c.must("unmount", mnt)
	_, errs, code := c.run("verify", "--passfile", pw, cipher)
	if code != 0 || !strings.Contains(errs, "matches its sealed manifest") {
		t.Fatalf("verify after unmount: exit %d\n%s", code, errs)
	}
	if ms, _ := filepath.Glob(filepath.Join(cipher, "gocryptfs.longname.cofferfs-seal-*.name")); len(ms) != 1 {
		t.Fatalf("manifest files: %v", ms)
	}
	gocryptfs(t, "-fsck", "-q", "-passfile", pw, cipher)
	gmnt := gocryptfsMount(t, cipher, pw)
	if got := tree(t, gmnt); !slices.Equal(got, want) {
		t.Errorf("gocryptfs mount shows %q, want %q", got, want)
	}
	unmountFuse(t, gmnt)
}

func TestVerifyMountRefusesMismatch(t *testing.T) {
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	fillMount(t, mnt)
	c.must("unmount", mnt)
	target := strings.TrimSpace(c.must("path", "--passfile", pw, cipher, "docs/deep/b.txt"))
	must(t, os.Remove(target))
	out, errs, code := c.run("mount", "--verify", "--passfile", pw, cipher, mnt)
	if code != exitCorrupt || isMounted(t, mnt) || !strings.Contains(errs, "missing: docs/deep/b.txt") {
		t.Fatalf("mount --verify on a mismatch: exit %d, mounted %v\n%s%s", code, isMounted(t, mnt), out, errs)
	}
	c.must("mount", "--verify", "--ro", "--passfile", pw, cipher, mnt)
	c.must("unmount", mnt)
	c.must("mount", "--verify", "--accept", "--passfile", pw, cipher, mnt)
	c.must("unmount", mnt)
	c.must("verify", "--passfile", pw, cipher)
}

func TestVerifyRunRecipe(t *testing.T) {
	c, cipher, _, pw := newSealLifecycle(t)
	src := t.TempDir()
	must(t, os.WriteFile(filepath.Join(src, "doc.txt"), []byte(strings.Repeat("d", 3*4096)), 0o644))
	job := []string{"--", "sh", "-c", `cp -r "$0"/. "$COFFERFS_MOUNTPOINT"/ && echo ran`, src}
	c.must(append([]string{"run", "--verify", "--passfile", pw, cipher}, job...)...)
	c.must("verify", "--passfile", pw, cipher) // run sealed its change
	target := strings.TrimSpace(c.must("path", "--passfile", pw, cipher, "doc.txt"))
	must(t, exec.Command("truncate", "-s", "4146", target).Run())
	out, errs, code := c.run(append([]string{"run", "--verify", "--passfile", pw, cipher}, job...)...)
	if code != exitCorrupt || strings.Contains(out, "ran") || !strings.Contains(errs, "truncated: doc.txt") {
		t.Fatalf("run --verify after truncation: exit %d\n%s%s", code, out, errs)
	}
	if out := c.must(append([]string{"run", "--verify", "--accept", "--passfile", pw, cipher}, job...)...); !strings.Contains(out, "ran") {
		t.Fatalf("run --verify --accept did not run the job: %q", out)
	}
	c.must("verify", "--passfile", pw, cipher)
}

func TestVerifyWholeVaultRollbackWarnsAtMount(t *testing.T) {
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	fillMount(t, mnt)
	c.must("unmount", mnt)
	snapshot := filepath.Join(t.TempDir(), "snap")
	must(t, exec.Command("cp", "-a", cipher, snapshot).Run())
	c.must("mount", "--passfile", pw, cipher, mnt)
	must(t, os.WriteFile(filepath.Join(mnt, "later"), []byte("later"), 0o644))
	c.must("unmount", mnt)
	must(t, os.RemoveAll(cipher))
	must(t, exec.Command("cp", "-a", snapshot, cipher).Run())
	_, errs, code := c.run("mount", "--passfile", pw, cipher, mnt)
	if code != 0 || !strings.Contains(errs, "vault rolled back") {
		t.Fatalf("mount of a rolled-back vault: exit %d, no warning:\n%s", code, errs)
	}
	c.must("unmount", mnt)
}

func TestVerifyKilledDaemonIsUnsealed(t *testing.T) {
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	fillMount(t, mnt)
	c.must("unmount", mnt)
	c.must("mount", "--passfile", pw, cipher, mnt)
	must(t, os.WriteFile(filepath.Join(mnt, "docs", "a.txt"), []byte("rewritten"), 0o644))
	pid := daemonPID(t, c, mnt)
	must(t, syscall.Kill(pid, syscall.SIGKILL))
	waitGone(t, mnt)
	c.must("unmount", mnt)
	out, errs, code := c.run("verify", "--passfile", pw, cipher)
	if code != exitCorrupt || !strings.Contains(out, "docs/a.txt") || !strings.Contains(out, "[unsealed") ||
		!strings.Contains(errs, "unsealed changes by cofferfs on") {
		t.Fatalf("verify after kill -9: exit %d\n%s%s", code, out, errs)
	}
	c.must("mount", "--passfile", pw, cipher, mnt) // the next clean unmount seals
	c.must("unmount", mnt)
	c.must("verify", "--passfile", pw, cipher)
}

// waitGone waits until a killed daemon's mount stops answering.
func waitGone(t *testing.T, mnt string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.ReadDir(mnt); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("mount still answers after kill -9")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Manifests, their conflict copies (Dropbox, Syncthing) and a temporary
// name a killed seal left behind are invisible to gocryptfs (mount and
// -fsck) and to cofferfs's own fsck.
func TestVerifyManifestNamesInvisible(t *testing.T) {
	needGocryptfs(t)
	dir, pf := sealedVault(t)
	ms, err := filepath.Glob(filepath.Join(dir, "gocryptfs.longname.cofferfs-seal-*.name"))
	if err != nil || len(ms) != 1 {
		t.Fatalf("manifests: %v %v", ms, err)
	}
	base := strings.TrimSuffix(ms[0], ".name")
	for _, name := range []string{base + " (conflicted copy 2026-12-01).name",
		base + ".sync-conflict-20261201-101010-ABCDEFG.name", base + ".tmp0123456789abcdef.name"} {
		must(t, exec.Command("cp", "-a", ms[0], name).Run())
	}
	gocryptfs(t, "-fsck", "-q", "-passfile", pf, dir)
	gmnt := gocryptfsMount(t, dir, pf)
	if got, want := tree(t, gmnt), []string{"docs", "docs/a.txt", "docs/b.txt", "top"}; !slices.Equal(got, want) {
		t.Errorf("gocryptfs mount shows %q, want %q", got, want)
	}
	unmountFuse(t, gmnt)
	r := expectCode(t, exitOK, "", "fsck", "--passfile", pf, dir)
	if r.stdout != "" {
		t.Errorf("fsck reports the manifests:\n%s", r.stdout)
	}
	expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
}

// Changes made with gocryptfs are reported as outside changes, and
// --accept takes them in.
func TestVerifyGocryptfsChangesAccepted(t *testing.T) {
	needGocryptfs(t)
	dir, pf := sealedVault(t)
	gmnt := gocryptfsMount(t, dir, pf)
	must(t, os.WriteFile(filepath.Join(gmnt, "top"), []byte("by gocryptfs"), 0o644))
	must(t, os.WriteFile(filepath.Join(gmnt, "docs", "new"), []byte("new"), 0o644))
	unmountFuse(t, gmnt)
	verifyFinds(t, dir, pf, "added outside cofferfs: docs/new", "changed outside cofferfs: top")
	expectCode(t, exitOK, "", "verify", "--accept", "-q", "--passfile", pf, dir)
	expectCode(t, exitOK, "", "verify", "--passfile", pf, dir)
}

// A mount logs how many entries differ from the last seal (here, a
// foreground mount logging to stderr).
func TestVerifyMountLogsDifferences(t *testing.T) {
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	fillMount(t, mnt)
	c.must("unmount", mnt)
	must(t, os.Remove(strings.TrimSpace(c.must("path", "--passfile", pw, cipher, "docs/deep/b.txt"))))
	logFile, wait := mountForeground(t, c, pw, cipher, mnt)
	defer wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), "entries differ since the last seal") && strings.Contains(string(b), "differences 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log of the difference:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// cofferfs status shows the count (CHANGED).
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if statusField(c, mnt, "CHANGED") == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status does not show 1 changed entry:\n%s", c.must("status"))
		}
	}
	c.must("unmount", mnt)
}

// The comparison with the sealed manifest that a mount runs in the
// background leaves out what the mount itself changes meanwhile (before,
// writes made right after mounting were counted as entries that differ
// since the last seal), but still counts a change made behind its back.
func TestVerifyMountLeavesOutOwnChanges(t *testing.T) {
	c, cipher, mnt, pw := newSealLifecycle(t)
	c.must("mount", "--passfile", pw, cipher, mnt)
	const dirs, files = 8, 200
	for d := range dirs {
		dir := filepath.Join(mnt, fmt.Sprintf("d%d", d))
		must(t, os.Mkdir(dir, 0o755))
		for i := range files {
			must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", i)), []byte("sealed"), 0o644))
		}
	}
	must(t, os.WriteFile(filepath.Join(mnt, "outside"), []byte("sealed"), 0o644))
	c.must("unmount", mnt)
	must(t, os.Remove(strings.TrimSpace(c.must("path", "--passfile", pw, cipher, "outside"))))
	logFile, wait := mountForeground(t, c, pw, cipher, mnt)
	defer wait()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(mnt, "d0", "f0")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the mount did not come up")
		}
	}
	// Change entries all over the tree while the comparison runs.
	checked := func() string {
		b, _ := os.ReadFile(logFile)
		return string(b)
	}
	ops := 0
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(checked(), "vault manifest:"); ops++ {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the comparison:\n%s", checked())
		}
		d, i := dirs-1-ops%dirs, files-1-(ops/dirs)%files
		dir := fmt.Sprintf("d%d", d)
		if d == 3 && ops > 5 {
			dir = "d3 moved"
		}
		p := filepath.Join(mnt, dir, fmt.Sprintf("f%d", i))
		switch ops % 3 {
		case 0:
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err == nil {
				_, err = f.WriteString(" and changed")
				f.Close()
			}
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		case 1:
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		case 2:
			must(t, os.WriteFile(p+".new", nil, 0o644))
		}
		if ops == 5 {
			must(t, os.Rename(filepath.Join(mnt, "d3"), filepath.Join(mnt, "d3 moved")))
		}
	}
	log := checked()
	if !strings.Contains(log, "entries differ since the last seal") || !strings.Contains(log, "differences 1,") {
		t.Fatalf("after %d changes through the mount, want exactly the one change behind its back counted:\n%s", ops, log)
	}
	for deadline := time.Now().Add(15 * time.Second); statusField(c, mnt, "CHANGED") != "1"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status does not show 1 changed entry:\n%s", c.must("status"))
		}
	}
	c.must("unmount", mnt)
}

// mountForeground starts "mount -f" logging to a file and returns the
// file and the function that waits for the daemon, unmounting it lazily
// first (a test that failed before unmounting would wait for ever).
func mountForeground(t *testing.T, c cli, pw, cipher, mnt string) (logFile string, wait func()) {
	t.Helper()
	logFile = filepath.Join(t.TempDir(), "log")
	lf, err := os.Create(logFile)
	must(t, err)
	cmd := exec.Command(c.bin, "mount", "-f", "--passfile", pw, cipher, mnt)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		t.Fatal(err)
	}
	return logFile, func() {
		exec.Command(c.bin, "unmount", "--lazy", mnt).Run()
		cmd.Wait()
		lf.Close()
	}
}
