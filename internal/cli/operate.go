package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/bulkimport"
	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/metrics"
	"github.com/switchboard-care/switchboard/internal/metrics/metricname"
)

func newWorkerCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run a worker: executes cases and their activities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			m, err := metrics.New()
			if err != nil {
				return err
			}
			tc, err := app.Dial(cmd.Context(), cfg, a.Logger(), m)
			if err != nil {
				return unavailable(err)
			}
			defer tc.Close()
			go serveMetrics(cmd.Context(), m, cfg.Metrics.Listen, a.Logger())
			return app.RunWorker(cmd.Context(), cfg, tc, a.Logger())
		},
	}
}

func newImportCmd(a *App) *cobra.Command {
	var format, property string
	var rate float64
	var restart bool
	cmd := &cobra.Command{
		Use:     "import FILE",
		Aliases: []string{"ingest"},
		Short:   "Start cases from a file of posts: canonical JSON lines, or the Twitter support CSV",
		Long: "Submits every customer post in FILE (- for stdin): a new post opens a case, a\n" +
			"follow-up joins its thread's open case, a post seen before starts nothing.\n" +
			"Progress is checkpointed in the data folder, so an interrupted import resumes\n" +
			"where it stopped; bad lines are reported with their numbers and reasons.",
		Example: "  switchboard import posts.jsonl\n  switchboard import twcs.csv --property @acme_help --rate 20",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			var f bulkimport.Format
			if format != "" {
				if f, err = bulkimport.ParseFormat(format); err != nil {
					return usageError{err}
				}
			}
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			cases, err := a.submittingCaseClient(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer cases.Temporal.Close()
			opts := bulkimport.Options{Rate: rate, Restart: restart, Progress: cmd.ErrOrStderr(), Map: bulkimport.MapOptions{Property: property}}
			var sum bulkimport.Summary
			if args[0] == "-" {
				sum, err = bulkimport.Run(cmd.Context(), cmd.InOrStdin(), f, cases, opts)
			} else {
				opts.Checkpoint = bulkimport.CheckpointPath(cfg.DataDir, args[0])
				sum, err = bulkimport.RunFile(cmd.Context(), args[0], f, cases, opts)
			}
			sum.Write(cmd.OutOrStdout())
			if err != nil {
				return unavailable(err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl or twcs (default: detected from the file)")
	cmd.Flags().Float64Var(&rate, "rate", 0, "posts per second (default: the importer's; negative: no limit)")
	cmd.Flags().BoolVar(&restart, "restart", false, "ignore the checkpoint and import from the top")
	cmd.Flags().StringVar(&property, "property", "", "the company account the CSV's posts were made to (twcs)")
	return cmd
}

func newIntakeCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "intake",
		Short: "Serve the webhook intake: Meta, X and canonical posts over HTTP",
		Long: "Answers the platforms' verification handshakes, verifies every signature, and\n" +
			"acknowledges a webhook only once Temporal has accepted the case (503 otherwise,\n" +
			"so the platform retries). See docs/intake.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			cases, err := a.submittingCaseClient(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer cases.Temporal.Close()
			m, err := metrics.New()
			if err != nil {
				return err
			}
			srv, err := newIntake(cfg, cases, store, m, a.Logger())
			if err != nil {
				return err
			}
			go serveMetrics(cmd.Context(), m, cfg.Metrics.Listen, a.Logger())
			fmt.Fprintf(cmd.OutOrStdout(), "intake listening on http://%s\n", cfg.Intake.Listen)
			return srv.ListenAndServe(cmd.Context())
		},
	}
	cmd.AddCommand(newDeadLettersCmd(a))
	return cmd
}

// serveMetrics runs the /metrics endpoint beside the worker; failing to
// serve it is logged, not fatal: cases matter more than their metrics.
func serveMetrics(ctx context.Context, m *metrics.Metrics, addr string, log *zap.Logger) {
	if err := m.Serve(ctx, addr); err != nil {
		log.Error("metrics endpoint stopped", zap.Error(err))
	}
}

// newIntake builds the webhook intake over the case API, with its thread
// index and dead letters in the shared store, edits recorded on their
// cases and, with m, its outcomes counted in the metrics.
func newIntake(cfg *config.Config, cases *caseapi.Client, store *kv.Store, m *metrics.Metrics, log *zap.Logger) (*intake.Server, error) {
	opts := []intake.Option{intake.WithLogger(log.Named("intake")), intake.WithStore(store),
		intake.WithEditRecorder(intake.CaseEdits{Cases: cases})}
	if m != nil {
		opts = append(opts, intake.WithCounter(func(route, outcome string, n int) {
			m.Temporal().WithTags(map[string]string{"route": route, "outcome": outcome}).Counter(metricname.WebhookResults).Inc(int64(n))
		}))
	}
	return intake.NewServer(cases, cfg.Intake, opts...)
}
