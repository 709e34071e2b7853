#!/usr/bin/env bash
# Set-up and demo on a fresh Debian machine: installs what cofferfs needs
# (scripts/install-deps.sh), builds and installs the binary, then runs the
# main job end to end on a throwaway vault: init, mount, copy files in,
# show that the backing directory holds only ciphertext, unmount (lock).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo $0): it installs packages and mounts" >&2; exit 1; }
scripts/install-deps.sh
scripts/install.sh
echo "== installed $(command -v cofferfs) ($(cofferfs version))"

demo=$(mktemp -d /tmp/cofferfs-demo.XXXXXX)
cleanup() { cofferfs unmount --lazy "$demo/plain" >/dev/null 2>&1 || true; rm -rf "$demo"; }
trap cleanup EXIT
mkdir -p "$demo/plain" "$demo/cloud"
printf 'demo password, not a good one\n' > "$demo/passfile"

echo "== cofferfs init: the encrypted backing dir (put it in your synced folder)"
cofferfs init --passfile "$demo/passfile" --recovery-key-file "$demo/recovery-key.txt" "$demo/cloud/backup.coffer"
echo "   recovery key (store it offline): $(cat "$demo/recovery-key.txt")"

echo "== cofferfs mount: the plaintext view"
cofferfs mount --passfile "$demo/passfile" "$demo/cloud/backup.coffer" "$demo/plain"
cofferfs status

echo "== back up some files into the mount"
mkdir -p "$demo/plain/documents"
cp -r /usr/share/doc/fuse3 "$demo/plain/documents/"
echo "my secret diary: the treasure is under the old oak" > "$demo/plain/documents/diary.txt"
ls -lR "$demo/plain" | head -20

echo "== what the cloud sees: only ciphertext names and contents"
find "$demo/cloud" | head -12
if grep -rq "treasure" "$demo/cloud" || find "$demo/cloud" -name '*diary*' | grep -q .; then
	echo "demo: FAILED: plaintext found in the backing directory" >&2
	exit 1
fi
echo "   grep for the diary's words and name in the backing dir: nothing found"

echo "== cofferfs unmount: locked"
cofferfs unmount "$demo/plain"
ls -A "$demo/plain" | wc -l | xargs echo "   entries visible at the mountpoint now:"
echo "== demo done"
