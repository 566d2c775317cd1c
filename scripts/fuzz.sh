#!/bin/sh
# Runs every Go fuzz target in the module for a bounded time each
# (FUZZTIME, default 5s). New failing inputs land in testdata/fuzz/ of their
# package: commit them, and they become regression tests of `go test`.
set -eu
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "fuzz $pkg $target for $FUZZTIME"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=5s "$pkg"
	done
done
