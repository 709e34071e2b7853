#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, go.mod tidiness, vet,
# staticcheck (pinned), and every test with the race detector. Mount and
# interop tests need root, /dev/fuse and gocryptfs; with CI=true they
# fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l . | grep -v '^vendor/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go mod tidy -diff
go vet ./...
# staticcheck runs at a pinned version without becoming a module
# dependency; bump the version here on purpose, never implicitly.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 -timeout 20m ./...
