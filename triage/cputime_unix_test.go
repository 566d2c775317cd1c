//go:build unix

package triage_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used. Divided into the posts
// triaged, it gives posts per CPU-second: what one core sustains, whatever
// else the machine is running meanwhile.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
