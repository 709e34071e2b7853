#!/usr/bin/env bash
# Builds cofferfs and its mount(8) helper and installs them into PREFIX/bin
# (default /usr/local), the man page into MANDIR/man1 (default
# PREFIX/share/man), with SBINDIR/mount.fuse.cofferfs and
# SBINDIR/mount.cofferfs (default /sbin) pointing at the helper, so that
# "mount -t fuse.cofferfs" and /etc/fstab lines work. Needs root for the
# default PREFIX and the /sbin links.
#
# --enable-uring (opt-in, root) also turns on FUSE over io_uring, which
# cofferfs mounts use when the kernel offers it (--transport auto): it sets
# the fuse module's enable_uring parameter now and makes it permanent in
# /etc/modprobe.d/cofferfs-fuse-uring.conf. The switch is global: other FUSE
# daemons only use io_uring if they ask for it. If fuse is built into the
# kernel rather than a module, add fuse.enable_uring=1 to the kernel
# command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
enable_uring=false
for arg in "$@"; do
	case $arg in
	--enable-uring) enable_uring=true ;;
	*)
		echo "usage: $0 [--enable-uring]" >&2
		exit 2
		;;
	esac
done
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
if $enable_uring; then
	param=/sys/module/fuse/parameters/enable_uring
	if [ ! -e "$param" ]; then
		modprobe fuse 2>/dev/null || true
	fi
	if [ ! -e "$param" ]; then
		echo "this kernel has no FUSE over io_uring ($param missing; needs Linux 6.14+ with CONFIG_FUSE_IO_URING)" >&2
		exit 1
	fi
	echo Y >"$param"
	echo "options fuse enable_uring=1" >/etc/modprobe.d/cofferfs-fuse-uring.conf
	echo "enabled FUSE over io_uring now ($param) and at boot (/etc/modprobe.d/cofferfs-fuse-uring.conf)"
else
	echo "FUSE over io_uring: $(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null || echo unavailable); run with --enable-uring to turn it on for faster metadata"
fi
