// Command mount.cofferfs is the mount(8) helper for cofferfs: it lets
// "mount -t fuse.cofferfs CIPHERDIR MNT -o passfile=FILE,ro" and
// /etc/fstab lines mount a vault. Installed as /sbin/mount.fuse.cofferfs
// (and /sbin/mount.cofferfs), it turns mount(8)'s arguments into a
// "cofferfs mount" command line and runs the cofferfs binary that sits
// next to it (or the one on PATH).
//
// Options: passfile=FILE, extpass=CMD, masterkey-file=FILE, ro, rw,
// allow_other, idle=DURATION. Options that only mean something to
// mount(8) or systemd (noauto, auto, nofail, defaults, user, users,
// _netdev, nosuid, nodev, noexec, suid, dev, exec, atime variants, x-*,
// comment=) are ignored, as mount(8) does. Any other option is an error,
// unless -s (sloppy) is given.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	argv, fake, err := translate(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mount.cofferfs: error: %v\n", err)
		fmt.Fprintln(os.Stderr, "mount.cofferfs: hint: usage: mount.cofferfs CIPHERDIR MOUNTPOINT [-o passfile=FILE,ro,allow_other,idle=30m]")
		return 1
	}
	if fake {
		return 0
	}
	bin, err := cofferfsBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mount.cofferfs: error: %v\n", err)
		return 1
	}
	if err := syscall.Exec(bin, append([]string{bin}, argv...), os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "mount.cofferfs: error: exec %s: %v\n", bin, err)
	}
	return 1
}

// cofferfsBinary finds cofferfs beside this helper (following the
// /sbin symlink), or on PATH.
func cofferfsBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			cand := filepath.Join(filepath.Dir(real), "cofferfs")
			if _, err := os.Stat(cand); err == nil {
				return cand, nil
			}
		}
	}
	p, err := exec.LookPath("cofferfs")
	if err != nil {
		return "", fmt.Errorf("the cofferfs binary is neither beside mount.cofferfs nor on PATH")
	}
	return p, nil
}
