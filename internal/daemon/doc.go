// Package daemon is the process plumbing of a cofferfs mount that does not
// touch FUSE: starting the background daemon and its readiness handshake
// (daemon.go), the state records of running daemons (registry.go), the
// kernel's list of cofferfs mounts (status.go), unmounting by path and
// naming the processes that keep a mount busy (unmount.go, procs.go), and
// systemd readiness notification (notify.go). Package mount serves the
// file system; the CLI uses this package around it.
//
// Liveness has one rule, Alive: a process that has exited but was not
// reaped yet (a zombie) counts as gone, both for the state records and
// for waiting on a daemon to exit.
//
// Unmount (by path, any process) is the way for a command to end a mount;
// mount.Server.Unmount is the serving daemon's own way out of its mount.
//
// Security: the master key reaches the daemon through a pipe (fd 3),
// never through argv or the environment. State records hold no secrets.
package daemon
