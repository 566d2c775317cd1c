// Package faults holds switchboard's fault tests: a worker killed with
// SIGKILL in the middle of a run of posts, the Temporal server stopped and
// restarted on its file database, every webhook delivered ten times. Each
// runs a real dev server and real worker processes, prints what it checked
// with the counts, and is bounded in time. They are behind the `faults`
// build tag (about two minutes together): `make faults`, or
//
//	go test -tags faults -count=1 -v ./faults/
package faults
