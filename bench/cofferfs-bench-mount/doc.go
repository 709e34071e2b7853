// Command cofferfs-bench-mount creates and mounts a cofferfs vault for
// bench/run.sh while the cofferfs command has no mount subcommand. It
// uses the library directly, with the options the command will use.
//
// Usage:
//
//	cofferfs-bench-mount init [-scryptn N] -passfile FILE CIPHERDIR
//	cofferfs-bench-mount mount -passfile FILE [-pidfile FILE] [-cpuprofile FILE] CIPHERDIR MOUNTPOINT
//
// init makes an empty vault: gocryptfs.conf (config.Create and
// config.WriteFile) and the root gocryptfs.diriv. mount stays in the
// foreground until the mount is unmounted, or until SIGINT or SIGTERM,
// when it unmounts itself. The password is the first line of the pass
// file.
package main
