package cli

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// takeTerminal puts this process in a process group of its own and makes
// that group the terminal's foreground one, when stdin is a terminal and
// this process is in its foreground (never from the background: `make
// dev &` must not take the shell's terminal). A Ctrl-C then reaches
// switchboard alone, which stops cleanly and exits 0, and whatever started
// it (`make dev`) sees that exit instead of being interrupted itself.
// Ctrl-Z is ignored meanwhile: it would stop switchboard alone while its
// parent waits, and the terminal would hang. The returned func gives the
// terminal back.
func takeTerminal() (giveBack func()) {
	fd := int(os.Stdin.Fd())
	keep := func() {}
	if !term.IsTerminal(fd) {
		return keep
	}
	before, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || before != unix.Getpgrp() {
		return keep
	}
	// A process outside the foreground group may set it only while it
	// ignores SIGTTOU (the terminal would stop it otherwise).
	signal.Ignore(syscall.SIGTTOU, syscall.SIGTSTP)
	if unix.Setpgid(0, 0) != nil {
		return keep
	}
	if unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp()) != nil {
		return keep
	}
	return func() { _ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, before) }
}
