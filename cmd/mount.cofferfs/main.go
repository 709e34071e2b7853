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
		fmt.Fprintln(os.Stderr, "mount.cofferfs: hint: usage: mount.cofferfs CIPHERDIR MOUNTPOINT [-o passfile=FILE,ro,allow_other,noxattr,idle=30m]")
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
