package devserver

import "syscall"

// childAttrs puts the server in its own process group (Ctrl-C in a
// terminal is ours to pass on) and has the kernel kill it if this process
// dies without stopping it (kill -9, a crash), so no orphan keeps the ports.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
