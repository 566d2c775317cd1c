#!/bin/sh
# Runs every Go fuzz target in the module for a bounded number of executions
# each (FUZZTIME, default 20000x). New failing inputs land in testdata/fuzz/ of
# their package: commit them, and they become regression tests of `go test`.
#
# Budgets are counts, not durations: with a duration, Go 1.26's fuzzing
# coordinator can race its own deadline on a loaded machine and fail a target
# with a bare "context deadline exceeded" although nothing was found
# (go.dev/issue/75804, fixed in Go 1.27). A count has no deadline to race.
set -eu
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20000x}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "fuzz $pkg $target for $FUZZTIME"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=2000x "$pkg"
	done
done
