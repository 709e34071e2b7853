#!/usr/bin/env bash
# Builds cofferfs and its mount(8) helper and installs them into PREFIX/bin
# (default /usr/local), with /sbin/mount.fuse.cofferfs and /sbin/mount.cofferfs
# pointing at the helper, so that "mount -t fuse.cofferfs" and /etc/fstab
# lines work. Needs root for the default PREFIX and the /sbin links.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
mkdir -p "$prefix/bin"
go build -trimpath -o "$prefix/bin/cofferfs" ./cmd/cofferfs
go build -trimpath -o "$prefix/bin/mount.cofferfs" ./cmd/mount.cofferfs
if [ -w /sbin ]; then
	ln -sf "$prefix/bin/mount.cofferfs" /sbin/mount.fuse.cofferfs
	ln -sf "$prefix/bin/mount.cofferfs" /sbin/mount.cofferfs
fi
echo "installed $prefix/bin/cofferfs and $prefix/bin/mount.cofferfs"
