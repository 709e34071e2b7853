#!/usr/bin/env bash
# bench/reverse.sh: reverse mode, cofferfs beside gocryptfs -reverse, one
# run each on the same plain tree and the same .gocryptfs.reverse.conf:
#   tar cf /dev/null of the whole view (cold caches),
#   rsync -a of the view into a directory, first pass and second pass
#   (nothing changed: nothing is copied).
# Usage: sudo bench/reverse.sh [--quick]
# Environment: BENCH_REVERSE_MB (total MiB of the plain tree, default 512;
# --quick: 64), BENCH_OUT (bench/out).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
mb=${BENCH_REVERSE_MB:-512}
[ "${1:-}" = --quick ] && mb=${BENCH_REVERSE_MB:-64}
out=${BENCH_OUT:-$here/out}
log() { printf '[bench-reverse] %s\n' "$*" >&2; }
die() { printf 'bench-reverse: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (drop_caches, FUSE)"
command -v gocryptfs >/dev/null || die "gocryptfs is not installed (scripts/install-deps.sh)"
command -v rsync >/dev/null || die "rsync is not installed"
mkdir -p "$out/bin" "$out/logs"
(cd "$repo" && go build -o "$out/bin/cofferfs" ./cmd/cofferfs) || die "build failed"

work=$(mktemp -d /var/tmp/cofferfs-bench-reverse.XXXXXX)
plain=$work/plain
declare -A mnt=([cofferfs]=$work/view-cofferfs [gocryptfs]=$work/view-gocryptfs)
cleanup() {
	for m in "${mnt[@]}"; do
		mountpoint -q "$m" 2>/dev/null && fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The plain tree: half the bytes in 1 MiB files, half in 16 KiB files,
# spread over directories of 100 entries.
log "making a $mb MiB plain tree in $plain"
mkdir -p "$plain"
big=$((mb / 2)) small=$((mb * 64 / 2))
for i in $(seq 1 "$big"); do
	d=$plain/big$((i / 100)); mkdir -p "$d"
	head -c 1048576 /dev/urandom >"$d/file$i.bin"
done
for i in $(seq 1 "$small"); do
	d=$plain/small$((i / 100)); mkdir -p "$d"
	head -c 16384 /dev/urandom >"$d/file$i.dat"
done
echo "benchmark-password" >"$work/pass"
gocryptfs -init -reverse -q -scryptn 10 -passfile "$work/pass" "$plain" >/dev/null

for fs in cofferfs gocryptfs; do
	mkdir -p "${mnt[$fs]}"
done
"$out/bin/cofferfs" mount --reverse --passfile "$work/pass" "$plain" "${mnt[cofferfs]}"
gocryptfs -q -nosyslog -reverse -passfile "$work/pass" "$plain" "${mnt[gocryptfs]}" \
	>"$out/logs/gocryptfs-reverse.log" 2>&1

if ! diff -r --no-dereference -q "${mnt[cofferfs]}" "${mnt[gocryptfs]}" >/dev/null; then
	die "the two views differ"
fi

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
declare -A tar_s rsync1_s rsync2_s rsync2_files
for fs in cofferfs gocryptfs; do
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	tar -cf /dev/null -C "${mnt[$fs]}" .
	tar_s[$fs]=$(secs "$t0" "$EPOCHREALTIME")
	dst=$work/copy-$fs
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	rsync -a "${mnt[$fs]}/" "$dst/"
	rsync1_s[$fs]=$(secs "$t0" "$EPOCHREALTIME")
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	rsync2_files[$fs]=$(rsync -a --itemize-changes "${mnt[$fs]}/" "$dst/" | wc -l)
	rsync2_s[$fs]=$(secs "$t0" "$EPOCHREALTIME")
	rm -rf "$dst"
	log "$fs: tar ${tar_s[$fs]} s, rsync ${rsync1_s[$fs]} s, second rsync ${rsync2_s[$fs]} s (${rsync2_files[$fs]} changes)"
done

view_mib=$(du -sm --apparent-size "${mnt[cofferfs]}" | cut -f1)
echo "cofferfs reverse-mode benchmark — $(date -u '+%F %T UTC'), $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores, kernel $(uname -r); plain tree $mb MiB ($big x 1 MiB, $small x 16 KiB), view $view_mib MiB"
printf '%-28s %10s %10s %10s\n' workload cofferfs gocryptfs ratio
row() { # LABEL COFFERFS GOCRYPTFS: ratio = gocryptfs time / cofferfs time (higher is better)
	printf '%-28s %9ss %9ss %9sx\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
}
row "tar cf /dev/null (cold)" "${tar_s[cofferfs]}" "${tar_s[gocryptfs]}"
row "rsync -a, first pass" "${rsync1_s[cofferfs]}" "${rsync1_s[gocryptfs]}"
row "rsync -a, second pass" "${rsync2_s[cofferfs]}" "${rsync2_s[gocryptfs]}"
echo "second pass changes: cofferfs ${rsync2_files[cofferfs]}, gocryptfs ${rsync2_files[gocryptfs]} (want 0)"
echo "targets: tar throughput >= 1.5x gocryptfs (ratio >= 1.5), rsync times <= gocryptfs (ratio >= 1.0)"
