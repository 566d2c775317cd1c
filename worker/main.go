// Command worker runs a switchboard worker; it is `switchboard worker`,
// for deployments that want one process per role.
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
	code := cli.Execute(ctx, append([]string{"worker"}, os.Args[1:]...))
	stop()
	os.Exit(code)
}
