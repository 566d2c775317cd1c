// Command switchboard is the one binary for people: dev, worker, ingest and
// the agent commands. See `switchboard --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard-care/switchboard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
