// Command mount.cofferfs is the mount(8) helper for cofferfs: it lets
// "mount -t fuse.cofferfs CIPHERDIR MNT -o passfile=FILE,ro" and
// /etc/fstab lines mount a vault. Installed as /sbin/mount.fuse.cofferfs
// (and /sbin/mount.cofferfs), it turns mount(8)'s arguments into a
// "cofferfs mount" command line and runs the cofferfs binary that sits
// next to it (or the one on PATH).
//
// Options: passfile=FILE, extpass=CMD, masterkey-file=FILE, ro, rw,
// allow_other, noxattr, idle=DURATION, cache-timeout=DURATION. Options that only mean something to
// mount(8) or systemd (noauto, auto, nofail, defaults, user, users,
// _netdev, nosuid, nodev, noexec, suid, dev, exec, atime variants, x-*,
// comment=) are ignored, as mount(8) does. Any other option is an error,
// unless -s (sloppy) is given.
package main
