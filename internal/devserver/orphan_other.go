//go:build !linux

package devserver

import "syscall"

// childAttrs puts the server in its own process group; without Linux's
// parent-death signal, the pid file (Options.PIDFile) finds an orphan.
func childAttrs() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
