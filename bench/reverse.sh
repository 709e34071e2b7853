#!/usr/bin/env bash
# bench/reverse.sh: reverse mode, cofferfs beside gocryptfs -reverse on
# the same plain tree and the same .gocryptfs.reverse.conf:
#   tar of the whole view (cold caches), written to a pipe: GNU tar
#   skips reading the files when the archive is /dev/null itself,
#   so "tar cf - . | cat >/dev/null" is what reads the whole view,
#   rsync -a of the view into a directory, first pass and second pass
#   (nothing changed: nothing is copied).
# With --runs N each workload runs N times per file system, interleaved
# (cofferfs, gocryptfs, then gocryptfs, cofferfs, ...: the order rotates
# every run, so neither always goes first on a noisy machine); the table
# shows the medians and the ratio of the medians, and every run's pair.
# Usage: sudo bench/reverse.sh [--quick] [--runs N]
# Environment: BENCH_REVERSE_MB (total MiB of the plain tree, default 512;
# --quick: 64), BENCH_OUT (bench/out), BENCH_COFFERFS (a cofferfs binary
# to measure instead of building this checkout: for A/B pairs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
mb=${BENCH_REVERSE_MB:-512}
runs=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mb=${BENCH_REVERSE_MB:-64} ;;
	--runs) [ $# -ge 2 ] || { echo "bench-reverse: --runs needs a number" >&2; exit 2; }; runs=$2; shift ;;
	--runs=*) runs=${1#--runs=} ;;
	*) echo "usage: sudo bench/reverse.sh [--quick] [--runs N]" >&2; exit 2 ;;
	esac
	shift
done
case $runs in '' | *[!0-9]* | 0) echo "bench-reverse: --runs takes a positive number, not '$runs'" >&2; exit 2 ;; esac
out=${BENCH_OUT:-$here/out}
log() { printf '[bench-reverse] %s\n' "$*" >&2; }
die() { printf 'bench-reverse: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (drop_caches, FUSE)"
command -v gocryptfs >/dev/null || die "gocryptfs is not installed (scripts/install-deps.sh)"
command -v rsync >/dev/null || die "rsync is not installed"
mkdir -p "$out/bin" "$out/logs"
if [ -n "${BENCH_COFFERFS:-}" ]; then
	cp "$BENCH_COFFERFS" "$out/bin/cofferfs" || die "cannot copy $BENCH_COFFERFS"
else
	(cd "$repo" && go build -o "$out/bin/cofferfs" ./cmd/cofferfs) || die "build failed"
fi

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
chmod 600 "$work/pass"
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
# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A tar_s rsync1_s rsync2_s rsync2_files
# one_run FS: the three workloads on FS, appending the times to the lists.
one_run() {
	local fs=$1 t0 dst=$work/copy-$1 t r1 r2
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	tar -cf - -C "${mnt[$fs]}" . | cat >/dev/null
	t=$(secs "$t0" "$EPOCHREALTIME")
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	rsync -a "${mnt[$fs]}/" "$dst/"
	r1=$(secs "$t0" "$EPOCHREALTIME")
	sync; echo 3 >/proc/sys/vm/drop_caches
	t0=$EPOCHREALTIME
	rsync2_files[$fs]=$(( ${rsync2_files[$fs]:-0} + $(rsync -a --itemize-changes "${mnt[$fs]}/" "$dst/" | wc -l) ))
	r2=$(secs "$t0" "$EPOCHREALTIME")
	rm -rf "$dst"
	tar_s[$fs]+="$t " rsync1_s[$fs]+="$r1 " rsync2_s[$fs]+="$r2 "
	log "run $run, $fs: tar $t s, rsync $r1 s, second rsync $r2 s"
}
for run in $(seq 1 "$runs"); do
	if [ $((run % 2)) = 1 ]; then order="cofferfs gocryptfs"; else order="gocryptfs cofferfs"; fi
	for fs in $order; do one_run "$fs"; done
done

view_mib=$(du -sm --apparent-size "${mnt[cofferfs]}" | cut -f1)
echo "cofferfs reverse-mode benchmark — $(date -u '+%F %T UTC'), $runs run(s), $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores, kernel $(uname -r); plain tree $mb MiB ($big x 1 MiB, $small x 16 KiB), view $view_mib MiB"
printf '%-28s %10s %10s %10s\n' workload cofferfs gocryptfs ratio
row() { # LABEL COFFERFS-TIMES GOCRYPTFS-TIMES: medians; ratio = gocryptfs / cofferfs (higher is better)
	local a b
	a=$(median $2) b=$(median $3)
	printf '%-28s %9ss %9ss %9sx\n' "$1" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
}
row "tar cf - | cat (cold)" "${tar_s[cofferfs]}" "${tar_s[gocryptfs]}"
row "rsync -a, first pass" "${rsync1_s[cofferfs]}" "${rsync1_s[gocryptfs]}"
row "rsync -a, second pass" "${rsync2_s[cofferfs]}" "${rsync2_s[gocryptfs]}"
echo "runs: $runs, interleaved, order rotated each run; medians above, every run's times (cofferfs | gocryptfs):"
echo "  tar:          ${tar_s[cofferfs]}| ${tar_s[gocryptfs]}"
echo "  rsync first:  ${rsync1_s[cofferfs]}| ${rsync1_s[gocryptfs]}"
echo "  rsync second: ${rsync2_s[cofferfs]}| ${rsync2_s[gocryptfs]}"
echo "second pass changes: cofferfs ${rsync2_files[cofferfs]}, gocryptfs ${rsync2_files[gocryptfs]} (want 0)"
echo "targets (issue 14): tar throughput >= 1.5x gocryptfs (ratio >= 1.5), rsync times <= gocryptfs (ratio >= 1.0)"
