//go:build !unix

package triage_test

import "time"

// processCPU is unknown here; the benchmark then reports wall-clock rates only.
func processCPU() time.Duration { return 0 }
