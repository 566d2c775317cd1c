package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/bench"
)

func newBenchCmd(a *App) *cobra.Command {
	o := bench.DefaultOptions()
	var out string
	var keep bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput, latency, actions per post, SLA timer lateness and worker memory",
		Long: "Starts its own Temporal dev server and runs workers from this binary as separate\n" +
			"processes, then measures cases side by side with a bare one-activity workflow on\n" +
			"the same server. Writes bench-report.md and bench-report.json to --out. The\n" +
			"method is in docs/performance.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary = bin
			if o.Dir, err = bench.ScratchDir(); err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(cmd.ErrOrStderr(), "servers, logs and data stay in %s\n", o.Dir)
			} else {
				defer os.RemoveAll(o.Dir)
			}
			o.Progress = cmd.ErrOrStderr()
			rep, err := bench.Run(cmd.Context(), o)
			if err != nil {
				return fmt.Errorf("%w (logs in %s; --keep keeps them)", err, o.Dir)
			}
			command := "switchboard " + strings.Join(os.Args[1:], " ")
			if err := rep.Write(out, command); err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), rep.Markdown(command))
			fmt.Fprintf(cmd.ErrOrStderr(), "\nwritten: %s, %s\n", filepath.Join(out, "bench-report.md"), filepath.Join(out, "bench-report.json"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", filepath.Join("test-artifacts", "bench"), "folder for bench-report.md and bench-report.json")
	f.IntVar(&o.Rounds, "rounds", o.Rounds, "rounds of throughput and latency (medians are reported)")
	f.IntVar(&o.Posts, "posts", o.Posts, "posts per throughput burst")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "submitters in a burst")
	f.DurationVar(&o.SteadyFor, "steady-for", o.SteadyFor, "length of each steady-rate latency phase")
	f.DurationVar(&o.TimerTarget, "timer-target", o.TimerTarget, "first-response target of the SLA timer cases")
	f.IntVar(&o.OpenCases, "open-cases", o.OpenCases, "open cases for the worker memory step (0 skips it)")
	f.DurationVar(&o.ScaleTarget, "scale-target", 0, "first-response target of the open cases, whose timers are then measured (0: not measured)")
	f.DurationVar(&o.ScaleOpensAfter, "scale-opens-after", 0, "with --scale-target: support opens this long after the memory step starts (at most 12h), so every case opened by then falls due at once (0: open around the clock)")
	f.StringVar(&o.Backend, "backend", "dev", "dev (the dev server) or postgres (the Temporal server v1.32.1 on PostgreSQL, four processes; built on first use)")
	f.BoolVar(&keep, "keep", false, "keep the scratch folder (server databases and logs)")
	cmd.AddCommand(newBareWorkerCmd(a))
	return cmd
}

// newBareWorkerCmd is the benchmark's yardstick worker, run by `bench` as
// a process of its own like the case worker.
func newBareWorkerCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:    "bare-worker",
		Short:  "Serve the benchmark's bare one-activity workflow (run by `bench`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			tc, err := app.Dial(cmd.Context(), cfg, a.Logger(), nil)
			if err != nil {
				return unavailable(err)
			}
			defer tc.Close()
			return bench.RunBareWorker(cmd.Context(), tc)
		},
	}
}
