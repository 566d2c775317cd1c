// Command starter is switchboard's intake: `starter FILE` starts cases from
// canonical posts in a JSON-lines file; it is `switchboard ingest`.
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
	code := cli.Execute(ctx, append([]string{"ingest"}, os.Args[1:]...))
	stop()
	os.Exit(code)
}
