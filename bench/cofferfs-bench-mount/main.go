package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/config"
	"github.com/cofferfs/cofferfs/mount"
	"github.com/cofferfs/cofferfs/vault"
)

func main() {
	if len(os.Args) < 2 {
		fatalf("usage: cofferfs-bench-mount init|mount [flags] ARGS")
	}
	var err error
	switch os.Args[1] {
	case "init":
		err = runInit(os.Args[2:])
	case "mount":
		err = runMount(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "cofferfs-bench-mount: "+format+"\n", a...)
	os.Exit(1)
}

// readPassword returns the first line of the file.
func readPassword(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("-passfile is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%s: empty password", path)
	}
	return b, nil
}

func runInit(args []string) error {
	fl := flag.NewFlagSet("init", flag.ExitOnError)
	scryptN := fl.Int("scryptn", 10, "scrypt cost exponent")
	passfile := fl.String("passfile", "", "file whose first line is the password")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return errors.New("usage: init [-scryptn N] -passfile FILE CIPHERDIR")
	}
	dir := fl.Arg(0)
	pw, err := readPassword(*passfile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if ents, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(ents) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	_, key, err := vault.Create(dir, config.CreateOptions{ScryptLogN: *scryptN}, pw)
	clear(key)
	return err
}

func runMount(args []string) error {
	fl := flag.NewFlagSet("mount", flag.ExitOnError)
	passfile := fl.String("passfile", "", "file whose first line is the password")
	pidfile := fl.String("pidfile", "", "write the daemon's pid here once mounted")
	cpuprofile := fl.String("cpuprofile", "", "write a CPU profile of the whole mount here")
	debug := fl.Bool("debug", false, "log every FUSE request to stderr")
	noXattr := fl.Bool("noxattr", false, "turn extended attributes off")
	fl.Parse(args)
	if fl.NArg() != 2 {
		return errors.New("usage: mount -passfile FILE [-pidfile FILE] [-cpuprofile FILE] [-debug] [-noxattr] CIPHERDIR MOUNTPOINT")
	}
	dir, mnt := fl.Arg(0), fl.Arg(1)
	pw, err := readPassword(*passfile)
	if err != nil {
		return err
	}
	c, err := config.Load(vault.ConfigPath(dir))
	if err != nil {
		return err
	}
	key, err := c.MasterKey(pw)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fsys, err := vault.OpenConfig(dir, c, key, vault.Options{Logger: logger})
	clear(key)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	srv, err := mount.Mount(fsys, mnt, mount.Options{FsName: abs, Logger: logger, Debug: *debug, NoXattr: *noXattr})
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			srv.Unmount()
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if *pidfile != "" {
		if err := os.WriteFile(*pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			srv.Unmount()
			return err
		}
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		for i := 0; i < 50 && srv.Unmount() != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}()
	srv.Wait()
	return fsys.Close()
}
