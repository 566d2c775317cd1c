// Command starter is switchboard's intake: `starter serve` runs the webhook
// server (`switchboard intake`), `starter FILE` imports a file of posts
// (`switchboard import FILE`).
package main

import (
	"os"

	"github.com/switchboard-care/switchboard/internal/cli"
)

func main() {
	args := append([]string{"import"}, os.Args[1:]...)
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		args = append([]string{"intake"}, os.Args[2:]...)
	}
	cli.Main(args)
}
