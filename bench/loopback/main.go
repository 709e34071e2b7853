package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cofferfs/cofferfs/mount"
	fusefs "github.com/hanwen/go-fuse/v2/fs"
)

const usage = "usage: loopback [-debug] [-passthrough] [-transport dev|uring|auto] BACKINGDIR MOUNTPOINT"

func main() {
	flags := flag.NewFlagSet("loopback", flag.ExitOnError)
	flags.Usage = func() { fmt.Fprintln(flags.Output(), usage) }
	debug := flags.Bool("debug", false, "log every FUSE request")
	passthrough := flags.Bool("passthrough", false, "let the kernel read and write backing files itself (comparison only)")
	transport := flags.String("transport", mount.TransportDev, "how requests reach the daemon: dev (/dev/fuse), uring (FUSE over io_uring) or auto, as cofferfs mount --transport")
	flags.Parse(os.Args[1:])
	args := flags.Args()
	if len(args) != 2 {
		fatalf("%s", usage)
	}
	backing, err := filepath.Abs(args[0])
	if err != nil {
		fatalf("%v", err)
	}
	srv, err := serve(backing, args[1], *debug, *passthrough, *transport)
	if err != nil {
		fatalf("%v", err)
	}

	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	go func() {
		for s := range sig {
			if s == syscall.SIGUSR1 {
				fmt.Fprintln(os.Stderr, stats.String())
				continue
			}
			// Retry while the mount is busy; the caller may be
			// closing files.
			for i := 0; i < 50; i++ {
				if srv.Unmount() == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	srv.Wait()
	fmt.Fprintln(os.Stderr, stats.String())
}

// serve mounts the loopback of backing at mountpoint over transport.
func serve(backing, mountpoint string, debug, passthrough bool, transport string) (*mount.Served, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, err
	}
	lr := &fusefs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	root := &node{LoopbackNode: &fusefs.LoopbackNode{RootData: lr}, passthrough: passthrough}
	lr.RootNode = root

	// The same options package mount uses for cofferfs (mount.go).
	timeout := time.Second
	opts := &fusefs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		MountOptions:    mount.FUSEOptions(mount.Options{FsName: backing, Debug: debug}),
	}
	opts.MountOptions.Name = "loopback"
	srv, err := mount.ServeOver(mountpoint, root, opts, transport, nil)
	if err == nil && os.Geteuid() == 0 {
		mount.TuneReadahead(mountpoint, mount.ReadaheadKB) // as cofferfs does
	}
	return srv, err
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "loopback: "+format+"\n", a...)
	os.Exit(2)
}
