// Command mount.cofferfs is the mount(8) helper for cofferfs: it lets
// "mount -t fuse.cofferfs CIPHERDIR MNT -o passfile=FILE,ro" and
// /etc/fstab lines mount a vault. Installed as /sbin/mount.fuse.cofferfs
// (and /sbin/mount.cofferfs), it turns mount(8)'s arguments into a
// "cofferfs mount" command line and runs the cofferfs binary that sits
// next to it (or the one on PATH).
//
// Options: passfile=FILE, extpass=CMD, masterkey-file=FILE, ro, rw,
// allow_other, noxattr, idle=DURATION, cache-timeout=DURATION, and the VFS flags noexec/exec,
// noatime/atime/relatime, nodiratime/diratime (the last wins; user,
// users, owner and group imply noexec unless exec follows, as mount(8)
// documents). A mount is always nosuid,nodev: nosuid and nodev are
// accepted, suid, dev, strictatime and lazytime refused. Options that
// only mean something to mount(8) or systemd (noauto, auto, nofail,
// defaults, nouser, _netdev, x-*, comment=) are passed over. Any other
// option is an error, unless -s (sloppy) is given.
package main
