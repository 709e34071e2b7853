#!/usr/bin/env bash
# Builds cofferfs and its mount(8) helper and installs them into PREFIX/bin
# (default /usr/local), the man page into MANDIR/man1 (default
# PREFIX/share/man), with SBINDIR/mount.fuse.cofferfs and
# SBINDIR/mount.cofferfs (default /sbin) pointing at the helper, so that
# "mount -t fuse.cofferfs" and /etc/fstab lines work. Needs root for the
# default PREFIX and the /sbin links.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
mandir=${MANDIR:-$prefix/share/man}
sbindir=${SBINDIR:-/sbin}
mkdir -p "$prefix/bin" "$mandir/man1"
# "cofferfs version" names the revision: go build records it itself in a
# plain git clone; the -X flags also cover git worktrees and GOFLAGS that
# turn -buildvcs off.
ldflags=""
if rev=$(git rev-parse HEAD 2>/dev/null); then
	modified=false
	[ -z "$(git status --porcelain 2>/dev/null)" ] || modified=true
	ldflags="-X main.revision=$rev -X main.modified=$modified"
fi
go build -trimpath -buildvcs=auto -ldflags "$ldflags" -o "$prefix/bin/cofferfs" ./cmd/cofferfs
go build -trimpath -buildvcs=auto -o "$prefix/bin/mount.cofferfs" ./cmd/mount.cofferfs
install -m 0644 dist/cofferfs.1 "$mandir/man1/cofferfs.1"
if [ -w "$sbindir" ]; then
	ln -sf "$prefix/bin/mount.cofferfs" "$sbindir/mount.fuse.cofferfs"
	ln -sf "$prefix/bin/mount.cofferfs" "$sbindir/mount.cofferfs"
fi
echo "installed $prefix/bin/cofferfs, $prefix/bin/mount.cofferfs and $mandir/man1/cofferfs.1"
