#!/usr/bin/env bash
# bench/run.sh — compare cofferfs with the bare backing directory, a
# go-fuse loopback (no kernel passthrough), gocryptfs and securefs, all on
# the same backing file system in one run. See bench/README.md.
#
# Usage: bench/run.sh [--quick] [--disk DIR] [--fs "bare loopback ..."]
# Needs root (mounts, drop_caches), /dev/fuse, Go, fio and tar.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh [--quick] [--disk DIR] [--fs "LIST"] [--runs N]

  --quick      small sizes, one run each (same as BENCH_QUICK=1)
  --disk DIR   put the backing directories in DIR (a disk) instead of a
               private tmpfs
  --fs LIST    columns to run, default "bare loopback loopback-uring cofferfs
               cofferfs-uring gocryptfs securefs"; "noxattr" and
               "noxattr-uring" add cofferfs mounted with --noxattr.
               cofferfs and loopback are served over /dev/fuse
               (--transport dev), the -uring columns over io_uring
               (--transport uring): their mounts switch the fuse module's
               enable_uring on and restore it
  --runs N     runs per workload (default 3; the median is reported)

Environment (sizes): BENCH_SEQ_MB (1024), BENCH_UNTAR_FILES (0 = the whole
tree), BENCH_SMALL_FILES (20000), BENCH_SMALL_SIZE (1024), BENCH_FIO_MB (256),
BENCH_FIO_RUNTIME (20 s cap per fio run), BENCH_IDLE (10 s idle before the
warm re-scan), BENCH_SRC (Go's src directory),
BENCH_OUT (bench/out), BENCH_COFFERFS (auto|cli|helper),
BENCH_CPUPROFILE (file: profile the cofferfs daemon; implies helper).
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

quick=${BENCH_QUICK:-0}
disk=${BENCH_DISK:-}
fslist=${BENCH_FS:-"bare loopback loopback-uring cofferfs cofferfs-uring gocryptfs securefs"}
runs=${BENCH_RUNS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--disk) disk=${2:?--disk needs a directory}; shift ;;
	--fs) fslist=${2:?--fs needs a list}; shift ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

if [ "$quick" = 1 ]; then
	: "${runs:=1}" "${BENCH_SEQ_MB:=64}" "${BENCH_UNTAR_FILES:=3000}"
	: "${BENCH_SMALL_FILES:=2000}" "${BENCH_FIO_MB:=32}" "${BENCH_FIO_RUNTIME:=10}" "${BENCH_IDLE:=2}"
fi
runs=${runs:-3}
seq_mb=${BENCH_SEQ_MB:-1024}
untar_files=${BENCH_UNTAR_FILES:-0}
small_files=${BENCH_SMALL_FILES:-20000}
small_size=${BENCH_SMALL_SIZE:-1024}
fio_mb=${BENCH_FIO_MB:-256}
fio_runtime=${BENCH_FIO_RUNTIME:-20}
idle=${BENCH_IDLE:-10}
out=${BENCH_OUT:-$here/out}
coffer_mode=${BENCH_COFFERFS:-auto}
cpuprofile=${BENCH_CPUPROFILE:-}
[ -n "$cpuprofile" ] && coffer_mode=helper

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (mounts and drop_caches need it)"
[ -e /dev/fuse ] || die "/dev/fuse is missing"
for t in go fio tar dd find mountpoint rsync; do
	command -v "$t" >/dev/null || die "$t is not installed"
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"

src=${BENCH_SRC:-$(go env GOROOT)/src}
[ -d "$src" ] || src=/usr/local/go/src
[ -d "$src" ] || die "no Go source tree (set BENCH_SRC)"

# ---------------------------------------------------------------- state

work=""          # private directory of this run (a tmpfs mount)
mounts=()        # mountpoints to unmount on exit
pids=()          # daemons started by us
declare -A daemon # fs -> daemon pid
declare -A notes  # free-form notes for the report
uring_param=/sys/module/fuse/parameters/enable_uring
uring_saved=""   # enable_uring's value while a -uring column mounts

cleanup() {
	local rc=$? m p
	trap - EXIT INT TERM
	set +e
	[ -n "$uring_saved" ] && echo "$uring_saved" >"$uring_param"
	for m in "${mounts[@]}"; do
		for _ in 1 2 3 4 5; do
			mountpoint -q "$m" || break
			umount "$m" 2>/dev/null || fusermount3 -u "$m" 2>/dev/null || sleep 0.3
		done
		mountpoint -q "$m" && umount -l "$m" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$work" ]; then
		[ -n "$disk" ] && rm -rf "$disk/cofferfs-bench.$$"
		mountpoint -q "$work" && umount "$work"
		rmdir "$work" 2>/dev/null
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

mkdir -p "$out/bin" "$out/cache" "$out/logs"
rm -f "$out"/logs/*.log
work=$(mktemp -d /tmp/cofferfs-bench.XXXXXX)
mount -t tmpfs -o mode=0755 cofferfs-bench "$work"
mkdir -p "$work/mnt" "$work/input"
if [ -n "$disk" ]; then
	mkdir -p "$disk"
	backroot=$(cd "$disk" && pwd)/cofferfs-bench.$$
	mkdir "$backroot"
	backing_desc="disk directory $backroot ($(findmnt -no FSTYPE -T "$backroot"))"
else
	backroot=$work/backing
	mkdir "$backroot"
	backing_desc="tmpfs"
fi

# ---------------------------------------------------------------- build

log "building the loopback baseline and helpers"
(cd "$repo" && go build -o "$out/bin/loopback" ./bench/loopback &&
	go build -o "$out/bin/cofferfs-bench-mount" ./bench/cofferfs-bench-mount &&
	go build -o "$out/bin/mkfiles" ./bench/mkfiles &&
	go build -o "$out/bin/chart" ./bench/chart) || die "build failed"

coffer_cli=0
if [ "$coffer_mode" != helper ] &&
	(cd "$repo" && go build -o "$out/bin/cofferfs" ./cmd/cofferfs) 2>/dev/null &&
	"$out/bin/cofferfs" help mount >/dev/null 2>&1; then
	coffer_cli=1
elif [ "$coffer_mode" = cli ]; then
	die "BENCH_COFFERFS=cli but ./cmd/cofferfs does not build or has no mount subcommand"
fi

# ---------------------------------------------------------------- input

tarball=$work/input/src.tar
cache_tar=$out/cache/gosrc-$untar_files.tar
if [ ! -s "$cache_tar" ]; then
	log "making the untar input from $src (${untar_files/#0/all} files)"
	parent=$(dirname "$src") base=$(basename "$src")
	if [ "$untar_files" = 0 ]; then
		tar -cf "$cache_tar.tmp" -C "$parent" "$base"
	else
		(cd "$parent" && find "$base" \( -type f -o -type l \) | LC_ALL=C sort | sed -n "1,${untar_files}p") >"$work/input/list"
		tar -cf "$cache_tar.tmp" -C "$parent" -T "$work/input/list"
	fi
	mv "$cache_tar.tmp" "$cache_tar"
fi
cp "$cache_tar" "$tarball"
tar_top=$(tar -tf "$tarball" | awk -F/ 'NR == 1 { print $1 }')
tar_nfiles=$(tar -tvf "$tarball" | grep -c '^[-l]')
tar_mib=$(du -m "$tarball" | cut -f1)
# The warm re-scan's rsync compares each tree with this copy of the same
# tarball (same sizes and times: nothing to transfer, as in a nightly
# backup's second pass over an unchanged tree).
mkdir -p "$work/ref"
tar -xf "$tarball" -C "$work/ref"
echo "benchmark-password" >"$work/input/pass"
head -c 64 /dev/urandom >"$work/input/securefs.key"

# ---------------------------------------------------------------- helpers

# drop_caches writes back this run's file systems (the mounts and the
# backing) and empties the kernel's page, dentry and inode caches.
drop_caches() {
	local m
	sync -f "$backroot"
	for m in "${mnt[@]}"; do
		sync -f "$m"
	done
	echo 3 >/proc/sys/vm/drop_caches
}

# timed CMD...: runs CMD and sets $elapsed (seconds).
elapsed=0
timed() {
	local t0=$EPOCHREALTIME
	"$@"
	elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
}

median() { # numbers as arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# record FS WORKLOAD UNIT BETTER VALUES...: appends one CSV row.
csv=$out/results.csv
record() {
	local fs=$1 wl=$2 unit=$3 better=$4
	shift 4
	local med
	med=$(median "$@")
	echo "$wl,$unit,$better,$fs,$med,$*" >>"$csv"
	log "$fs $wl: median $med $unit (runs: $*)"
}

wait_mounted() { # MNT PID LOG
	for _ in $(seq 300); do
		mountpoint -q "$1" && return 0
		if [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; then
			tail -n 20 "$3" >&2
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# daemon_pid MNT: the process that holds /dev/fuse and names MNT in its
# command line (for daemons that put themselves in the background).
daemon_pid() {
	local p f
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$1" || continue
		for f in "$p"/fd/*; do
			if [ "$(readlink "$f" 2>/dev/null)" = /dev/fuse ]; then
				echo "${p#/proc/}"
				return 0
			fi
		done
	done
	return 1
}

rss_reset() { # PID: restart the peak-RSS counter (VmHWM)
	if [ -n "${1:-}" ]; then
		{ echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null || true
	fi
}
rss_peak() { # PID: VmHWM in MiB
	[ -n "${1:-}" ] || return 0
	awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true
}

loopback_read_bytes() { # PID: bytes of reads the loopback daemon served
	local logf=$1 pid=$2 n
	n=$(grep -c loopback-stats "$logf" || true)
	kill -USR1 "$pid"
	for _ in $(seq 50); do
		[ "$(grep -c loopback-stats "$logf" || true)" -gt "$n" ] && break
		sleep 0.05
	done
	grep loopback-stats "$logf" | tail -n 1 | sed 's/.*read_bytes=\([0-9]*\).*/\1/'
}

# setup FS: makes the backing directory and mounts; sets mnt[FS] and
# daemon[FS].
declare -A mnt
setup() {
	local fs=$1 back=$backroot/$1 logf=$out/logs/$1.log pid="" m=$work/mnt/$1
	mkdir -p "$back" "$m"
	: >"$logf"
	case $fs in
	bare)
		mnt[$fs]=$back
		daemon[$fs]=""
		return 0
		;;
	loopback | loopback-uring)
		local tr=dev
		if [ "$fs" = loopback-uring ]; then
			tr=uring
			uring_on "$fs"
		fi
		"$out/bin/loopback" -transport "$tr" "$back" "$m" 2>>"$logf" &
		pid=$!
		notes[$fs]="bench/loopback (go-fuse loopback, kernel passthrough off) with -transport $tr"
		;;
	cofferfs | noxattr | cofferfs-uring | noxattr-uring)
		local pass=$work/input/pass xa=() tr=dev
		[[ $fs == noxattr* ]] && xa=(--noxattr)
		if [[ $fs == *-uring ]]; then
			tr=uring
			uring_on "$fs"
		fi
		xa+=(--transport "$tr")
		if [ "$coffer_cli" = 1 ]; then
			if "$out/bin/cofferfs" init --scryptn 10 --passfile "$pass" "$back" >>"$logf" 2>&1 &&
				"$out/bin/cofferfs" mount "${xa[@]}" --passfile "$pass" "$back" "$m" >>"$logf" 2>&1; then
				mounts+=("$m")
				pid=$(daemon_pid "$m" || true)
				notes[$fs]="mounted with the cofferfs command (go build ./cmd/cofferfs) with ${xa[*]}"
			else
				log "the cofferfs command failed (see $logf); using the bench helper"
				umount "$m" 2>/dev/null || true
				rm -rf "$back" && mkdir -p "$back"
				coffer_cli=0
			fi
		fi
		if [ "$coffer_cli" = 0 ]; then
			"$out/bin/cofferfs-bench-mount" init -scryptn 10 -passfile "$pass" "$back" 2>>"$logf"
			local prof=()
			[ -n "$cpuprofile" ] && prof=(-cpuprofile "$cpuprofile")
			[[ $fs == noxattr* ]] && prof+=(-noxattr)
			prof+=(-transport "$tr")
			"$out/bin/cofferfs-bench-mount" mount -passfile "$pass" "${prof[@]}" "$back" "$m" 2>>"$logf" &
			pid=$!
			notes[$fs]="mounted with bench/cofferfs-bench-mount (packages fs and mount, no cofferfs command) with ${prof[*]}"
		fi
		;;
	gocryptfs)
		gocryptfs -init -q -scryptn 10 -passfile "$work/input/pass" "$back" >>"$logf" 2>&1
		gocryptfs -fg -q -nosyslog -passfile "$work/input/pass" "$back" "$m" >>"$logf" 2>&1 &
		pid=$!
		notes[gocryptfs]="$(gocryptfs -version 2>/dev/null | sed -n 1p), default options"
		;;
	securefs)
		securefs create --keyfile "$work/input/securefs.key" \
			--pbkdf pkcs5-pbkdf2-hmac-sha256 --rounds 1000 "$back" >>"$logf" 2>&1
		securefs mount --keyfile "$work/input/securefs.key" "$back" "$m" >>"$logf" 2>&1 &
		pid=$!
		notes[securefs]="securefs $(dpkg-query -W -f '${Version}' securefs 2>/dev/null || echo '?'), default format and options, key file"
		;;
	esac
	[ -n "$pid" ] && pids+=("$pid")
	mounts+=("$m")
	wait_mounted "$m" "$pid" "$logf" || die "$fs: mount failed (see $logf)"
	if [ -n "$uring_saved" ]; then
		stat "$m" >/dev/null # returns once INIT is answered and the queues are registered
		echo "$uring_saved" >"$uring_param"
		uring_saved=""
	fi
	mnt[$fs]=$m
	daemon[$fs]=$pid
	if [ -z "$pid" ]; then
		notes[$fs]="${notes[$fs]:-}; daemon pid not found, no RSS"
	fi
	log "$fs: mounted at $m${pid:+ (daemon pid $pid)}"
}

# uring_on FS: switches enable_uring on until FS's mount is up. The kernel
# offers io_uring at INIT only while the switch is on; the connection
# keeps it after the switch is restored (setup restores it).
uring_on() {
	uring_saved=$(cat "$uring_param") || die "$1: no $uring_param in this kernel"
	echo Y >"$uring_param"
}

# is_cofferfs FS: FS is one of the cofferfs columns.
is_cofferfs() { [[ $1 == cofferfs || $1 == cofferfs-uring || $1 == noxattr || $1 == noxattr-uring ]]; }

teardown() {
	local fs=$1 pid=${daemon[$1]:-} m=${mnt[$1]}
	if [ "$fs" != bare ]; then
		for _ in $(seq 20); do
			mountpoint -q "$m" || break
			if is_cofferfs "$fs" && [ "$coffer_cli" = 1 ]; then
				"$out/bin/cofferfs" unmount "$m" >/dev/null 2>&1 || umount "$m" 2>/dev/null || sleep 0.3
			else
				umount "$m" 2>/dev/null || sleep 0.3
			fi
		done
		mountpoint -q "$m" && die "$fs: cannot unmount $m"
		if [ -n "$pid" ]; then
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	fi
	rm -rf "${backroot:?}/$fs"
}

# ---------------------------------------------------------------- workloads
#
# Every workload runs $runs times; each run visits every file system in
# turn, so that a disturbance of the machine (other processes) spreads
# over all columns instead of hitting one. vals[FS] collects the runs.

declare -A vals rss

mib_per_s() { awk -v m="$1" -v t="$2" 'BEGIN { printf "%.1f", m / t }'; }

# add_rss FS: appends the daemon's peak RSS since the last rss_reset.
add_rss() {
	[ -n "${daemon[$1]}" ] && rss[$1]+="$(rss_peak "${daemon[$1]}") "
	return 0
}

# finish WORKLOAD UNIT BETTER: records vals (and rss, if any) of every FS.
# shellcheck disable=SC2086 # the runs are words
finish() {
	local fs
	for fs in "${selected[@]}"; do
		[ -n "${vals[$fs]:-}" ] && record "$fs" "$1" "$2" "$3" ${vals[$fs]}
		[ -n "${rss[$fs]:-}" ] && record "$fs" "rss_${1#seq}" MiB lower ${rss[$fs]}
		vals[$fs]="" rss[$fs]=""
	done
}

each_run() { # STEP FS...: runs "STEP FS RUN" for every run and FS
	local step=$1 r fs
	for r in $(seq "$runs"); do
		for fs in "${selected[@]}"; do
			log "$step: $fs, run $r of $runs"
			"$step" "$fs" "$r"
		done
	done
}

step_seqwrite() {
	local m=${mnt[$1]}
	rm -f "$m/seq"
	drop_caches
	rss_reset "${daemon[$1]}"
	timed dd if=/dev/zero of="$m/seq" bs=1M count="$seq_mb" conv=fsync status=none
	vals[$1]+="$(mib_per_s "$seq_mb" "$elapsed") "
	add_rss "$1"
}

step_seqread() {
	drop_caches
	timed dd if="${mnt[$1]}/seq" of=/dev/null bs=1M status=none
	vals[$1]+="$(mib_per_s "$seq_mb" "$elapsed") "
}

declare -A t_ls t_readall t_rm t_wls t_wrsync
step_tree() { # untar, warm re-scan, ls -lR, read all, rm -rf
	local m=${mnt[$1]}
	drop_caches
	rss_reset "${daemon[$1]}"
	timed tar -xf "$tarball" -C "$m"
	vals[$1]+="$elapsed "
	add_rss "$1"
	# Warm re-scan: the mount held since the untar, idle for a while (a
	# nightly job walking the tree it just wrote), no cache dropped.
	sleep "$idle"
	timed ls -lR "$m/$tar_top" >/dev/null
	t_wls[$1]+="$elapsed "
	timed rsync -a --dry-run "$m/$tar_top/" "$work/ref/$tar_top/"
	t_wrsync[$1]+="$elapsed "
	drop_caches
	timed ls -lR "$m/$tar_top" >/dev/null
	t_ls[$1]+="$elapsed "
	drop_caches
	timed find "$m/$tar_top" -type f -exec cat {} + >/dev/null
	t_readall[$1]+="$elapsed "
	drop_caches
	timed rm -rf "${m:?}/$tar_top"
	t_rm[$1]+="$elapsed "
}

step_create() {
	local m=${mnt[$1]}
	drop_caches
	timed "$out/bin/mkfiles" -n "$small_files" -size "$small_size" "$m/small"
	vals[$1]+="$elapsed "
	rm -rf "${m:?}/small"
}

fio_args() {
	echo --filename="${mnt[$1]}/fio.dat" --bs=4k --size="${fio_mb}m" --ioengine=psync \
		--runtime="$fio_runtime" --output-format=terse --terse-version=3
}

step_randread() {
	drop_caches
	# shellcheck disable=SC2046 # no spaces in the arguments
	vals[$1]+="$(fio --name=randread --rw=randread --invalidate=1 $(fio_args "$1") |
		awk -F';' '{ printf "%.0f", $8 }') "
}

step_randwrite() {
	drop_caches
	# shellcheck disable=SC2046
	vals[$1]+="$(fio --name=randwrite --rw=randwrite --end_fsync=1 $(fio_args "$1") |
		awk -F';' '{ printf "%.0f", $49 }') "
}

# ---------------------------------------------------------------- main

selected=()
for fs in $fslist; do
	case $fs in
	bare | loopback | loopback-uring | cofferfs | noxattr | cofferfs-uring | noxattr-uring) selected+=("$fs") ;;
	gocryptfs | securefs)
		if command -v "$fs" >/dev/null; then
			selected+=("$fs")
		else
			notes[$fs]="not installed: column skipped"
			log "$fs is not installed: skipping its column"
		fi
		;;
	*) die "unknown file system $fs" ;;
	esac
done
[ ${#selected[@]} -gt 0 ] || die "no file system selected"
[[ " ${selected[*]} " == *" cofferfs "* ]] || log "cofferfs is not selected: no ratios or targets"

echo "workload,unit,better,fs,median,runs" >"$csv"
load_start=$(cut -d' ' -f1 /proc/loadavg)
start=$EPOCHREALTIME
for fs in "${selected[@]}"; do
	setup "$fs"
done

each_run step_seqwrite
finish seqwrite MiB/s higher
if [ -n "${daemon[loopback]:-}" ]; then
	before=$(loopback_read_bytes "$out/logs/loopback.log" "${daemon[loopback]}")
fi
each_run step_seqread
finish seqread MiB/s higher
if [ -n "${daemon[loopback]:-}" ]; then
	after=$(loopback_read_bytes "$out/logs/loopback.log" "${daemon[loopback]}")
	v=$(((after - before) >> 20)) want=$((runs * seq_mb))
	if [ "$v" -ge $((want * 9 / 10)) ]; then
		notes[passthrough]="off: the loopback daemon itself served $v MiB of reads while dd read $want MiB"
	else
		notes[passthrough]="ON?: the loopback daemon served only $v MiB of reads while dd read $want MiB"
		log "warning: ${notes[passthrough]}"
	fi
fi
for fs in "${selected[@]}"; do rm -f "${mnt[$fs]}/seq"; done

each_run step_tree
finish untar s lower
for fs in "${selected[@]}"; do
	vals[$fs]=${t_wls[$fs]}
done
finish warm_ls s lower
for fs in "${selected[@]}"; do
	vals[$fs]=${t_wrsync[$fs]}
done
finish warm_rsync s lower
for fs in "${selected[@]}"; do
	vals[$fs]=${t_ls[$fs]}
done
finish ls_lR s lower
for fs in "${selected[@]}"; do
	vals[$fs]=${t_readall[$fs]}
done
finish readall s lower
for fs in "${selected[@]}"; do
	vals[$fs]=${t_rm[$fs]}
done
finish rm_rf s lower

each_run step_create
finish create s lower

for fs in "${selected[@]}"; do
	dd if=/dev/urandom of="${mnt[$fs]}/fio.dat" bs=1M count="$fio_mb" conv=fsync status=none
done
each_run step_randread
finish randread IOPS higher
each_run step_randwrite
finish randwrite IOPS higher

for fs in "${selected[@]}"; do
	teardown "$fs"
done
total=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
load_end=$(cut -d' ' -f1 /proc/loadavg)

# ---------------------------------------------------------------- report

"$out/bin/chart" -in "$csv" -out "$out/chart.svg" -title "cofferfs benchmark ($backing_desc, $(date -u +%F))" ||
	log "chart failed"

echo "cofferfs benchmark — $(date -u '+%F %T UTC'), $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"
echo "backing: $backing_desc; runs per workload: $runs (median shown); total $total s"
echo "load average (1 min) at start $load_start, at end $load_end$(awk -v a="$load_start" -v b="$load_end" -v n="$(nproc)" \
	'BEGIN { if (a > n / 2 || b > n / 2) print " — the machine was busy: expect noise" }')"
echo "sizes: seq ${seq_mb} MiB; untar $tar_nfiles files, $tar_mib MiB; create $small_files x $small_size B; fio ${fio_mb} MiB, 4k psync"
for k in passthrough loopback loopback-uring cofferfs cofferfs-uring noxattr noxattr-uring gocryptfs securefs; do
	[ -n "${notes[$k]:-}" ] && echo "$k: ${notes[$k]#; }"
done
echo

awk -F, -v cols="${selected[*]}" -v ref=cofferfs '
function fmt(v, unit) {
	if (v == "") return "-"
	if (unit == "s") return sprintf("%.2f", v)
	if (unit == "MiB") return sprintf("%.1f", v)
	return sprintf("%.0f", v)
}
NR == 1 { next }
{
	key = $1
	if (!(key in seen)) { seen[key] = 1; order[++nw] = key; unit[key] = $2; better[key] = $3 }
	val[key, $4] = $5
}
END {
	nc = split(cols, col, " ")
	label["seqwrite"] = "seq write 1M+fsync"; label["seqread"] = "seq read (cold)"
	label["untar"] = "untar"; label["ls_lR"] = "ls -lR"; label["readall"] = "read all files"
	label["rm_rf"] = "rm -rf"; label["create"] = "create small files"
	label["warm_ls"] = "warm re-scan ls -lR"; label["warm_rsync"] = "warm rsync --dry-run"
	label["randread"] = "fio 4k randread"; label["randwrite"] = "fio 4k randwrite"
	label["rss_write"] = "daemon peak RSS, write"; label["rss_untar"] = "daemon peak RSS, untar"

	printf "%-24s %-6s", "workload", "unit"
	for (c = 1; c <= nc; c++) printf " %10s", col[c]
	printf "\n"
	# Speed first, memory (MiB) last.
	n = 0
	for (w = 1; w <= nw; w++) if (unit[order[w]] != "MiB") sorted[++n] = order[w]
	for (w = 1; w <= nw; w++) if (unit[order[w]] == "MiB") sorted[++n] = order[w]
	for (w = 1; w <= nw; w++) order[w] = sorted[w]
	for (w = 1; w <= nw; w++) {
		k = order[w]
		printf "%-24s %-6s", (k in label ? label[k] : k), unit[k]
		for (c = 1; c <= nc; c++) printf " %10s", fmt(val[k, col[c]], unit[k])
		printf "\n"
	}

	printf "\nratios: cofferfs / column (MiB/s, IOPS: higher is better for cofferfs; s, MiB: lower is better)\n"
	printf "%-24s", "workload"
	for (c = 1; c <= nc; c++) if (col[c] != ref) printf " %10s", col[c]
	printf "\n"
	for (w = 1; w <= nw; w++) {
		k = order[w]
		printf "%-24s", (k in label ? label[k] : k)
		for (c = 1; c <= nc; c++) {
			if (col[c] == ref) continue
			a = val[k, ref]; b = val[k, col[c]]
			if (a == "" || b == "" || b + 0 == 0) printf " %10s", "-"
			else printf " %9.2fx", a / b
		}
		printf "\n"
	}

	# Each cofferfs column against the loopback over the same transport.
	if ((" " cols " ") ~ / cofferfs /) targets("cofferfs", "loopback", 0.8)
	if ((" " cols " ") ~ / cofferfs-uring /) targets("cofferfs-uring", "loopback-uring", 0.5)
	if ((" " cols " ") ~ / noxattr /) targets("noxattr", "loopback", 0.8)
	if ((" " cols " ") ~ / noxattr-uring /) targets("noxattr-uring", "loopback-uring", 0.5)
}
# targets prints the targets of column r (cofferfs over /dev/fuse, or
# over io_uring), whose sequential I/O is compared with lb, the loopback
# served over the same transport, and whose metadata workloads must take
# at most meta_goal times the time of gocryptfs (0.5 over io_uring, 0.8 over
# /dev/fuse; over io_uring also no more than the time of securefs).
function targets(r, lb, meta_goal,   i, meta, rss) {
	ref = r; met = 0; missed = 0
	print "\ntargets for " r " (ratios from this run):"
	target("seqwrite", lb, ">=", 0.8); target("seqwrite", "gocryptfs", ">=", 2.0)
	target("seqread", lb, ">=", 0.8); target("seqread", "gocryptfs", ">=", 1.5)
	split("untar ls_lR readall rm_rf create", meta, " ")
	for (i = 1; i <= 5; i++) {
		target(meta[i], "gocryptfs", "<=", meta_goal)
		if (meta_goal == 0.5) target(meta[i], "securefs", "<=", 1.0)
	}
	target("randread", "gocryptfs", ">=", 2.0); target("randread", "securefs", ">=", 1.0)
	target("randwrite", "gocryptfs", ">=", 2.0); target("randwrite", "securefs", ">=", 1.0)
	target("warm_ls", "bare", "<=", 3.0); target("warm_rsync", "bare", "<=", 3.0)
	rss = ""
	if (val["rss_write", ref] != "") rss = val["rss_write", ref] + 0
	if (val["rss_untar", ref] != "" && (rss == "" || val["rss_untar", ref] + 0 > rss)) rss = val["rss_untar", ref] + 0
	if (rss == "") printf "  %-46s %s\n", "daemon peak RSS <= 100 MiB", "n/a (no daemon pid)"
	else {
		if (rss <= 100) met++; else missed++
		printf "  %-46s %-10s %s\n", "daemon peak RSS <= 100 MiB", sprintf("%.1f MiB", rss),
			(rss <= 100 ? "met" : sprintf("NOT MET (%.2fx over)", rss / 100))
	}
	printf "\n%d of %d targets met (%s)\n", met, met + missed, r
	ref = "cofferfs"
}
function target(k, other, op, goal,   a, b, r, desc, verdict) {
	desc = sprintf("%s %s %.1fx %s", (k in label ? label[k] : k), op, goal, other)
	a = val[k, ref]; b = val[k, other]
	if (a == "" || b == "" || b + 0 == 0) { printf "  %-46s %-10s %s\n", desc, "-", "n/a"; return }
	r = a / b
	if ((op == ">=" && r >= goal) || (op == "<=" && r <= goal)) { verdict = "met"; met++ }
	else {
		missed++
		verdict = sprintf("NOT MET (needs %.2fx more)", op == ">=" ? goal / r : r / goal)
	}
	printf "  %-46s %-10s %s\n", desc, sprintf("%.2fx", r), verdict
}' "$csv"
if [ "$quick" = 1 ]; then
	echo "(quick mode: sizes are too small for the targets to mean much)"
fi
echo
echo "csv: $csv"
echo "chart: $out/chart.svg"
echo "logs: $out/logs/"
