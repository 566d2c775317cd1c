// Command starter is switchboard's intake: `starter serve` runs the webhook
// server (`switchboard intake`), `starter FILE` imports a file of posts
// (`switchboard ingest FILE`).
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
	args := append([]string{"ingest"}, os.Args[1:]...)
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		args = append([]string{"intake"}, os.Args[2:]...)
	}
	code := cli.Execute(ctx, args)
	stop()
	os.Exit(code)
}
