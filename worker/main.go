// Command worker runs a switchboard worker; it is `switchboard worker`,
// for deployments that want one process per role.
package main

import (
	"os"

	"github.com/switchboard-care/switchboard/internal/cli"
)

func main() { cli.Main(append([]string{"worker"}, os.Args[1:]...)) }
