// Command switchboard is the one binary for people: dev, worker, import and
// the agent commands. See `switchboard --help`.
package main

import (
	"os"

	"github.com/switchboard-care/switchboard/internal/cli"
)

func main() { cli.Main(os.Args[1:]) }
