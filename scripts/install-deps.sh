#!/usr/bin/env bash
# Installs the Debian packages cofferfs needs to build, run and test:
# FUSE, the real gocryptfs (the interoperability oracle), the tools the
# workload tests drive through a mount, man-db, zsh and fish for the tests
# of the man page and the completion scripts, and securefs and fio for the
# benchmark. Needs root (or sudo).
set -euo pipefail
pkgs=(fuse3 gocryptfs securefs sqlite3 restic rsync attr git tar fio util-linux procps systemd man-db zsh fish)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "install-deps: Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }
go mod download
