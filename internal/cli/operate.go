package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/metrics"
	"github.com/switchboard-care/switchboard/post"
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

func newIngestCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "ingest FILE",
		Short: "Start cases from canonical posts in a JSON-lines file (- for stdin)",
		Long: "Reads one canonical post per line and submits each: a new post opens a case, a\n" +
			"follow-up joins its thread's open case, and a post seen before starts nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cases, err := a.CaseClient(cmd.Context())
			if err != nil {
				return err
			}
			defer cases.Temporal.Close()
			in := io.Reader(os.Stdin)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			sum, err := IngestJSONL(cmd.Context(), cases, in)
			fmt.Fprintf(cmd.OutOrStdout(), "started %d, joined %d, duplicates %d, rejected %d\n", sum.Started, sum.Joined, sum.Duplicates, len(sum.Rejected))
			for _, r := range sum.Rejected {
				fmt.Fprintf(cmd.ErrOrStderr(), "line %d: %s\n", r.Line, r.Reason)
			}
			return err
		},
	}
}

// serveMetrics runs the /metrics endpoint beside the worker; failing to
// serve it is logged, not fatal: cases matter more than their metrics.
func serveMetrics(ctx context.Context, m *metrics.Metrics, addr string, log *zap.Logger) {
	if err := m.Serve(ctx, addr); err != nil {
		log.Error("metrics endpoint stopped", zap.Error(err))
	}
}

// IngestSummary counts what an ingest did.
type IngestSummary struct {
	Started, Joined, Duplicates int
	Rejected                    []Rejection
}

// Rejection is a line that was not submitted, and why.
type Rejection struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// IngestJSONL submits canonical posts, one per line. Bad lines are
// rejected with their line numbers; an unreachable Temporal stops the run.
func IngestJSONL(ctx context.Context, cases *caseapi.Client, r io.Reader) (IngestSummary, error) {
	var sum IngestSummary
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*post.MaxTextLength)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var p post.Post
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			sum.Rejected = append(sum.Rejected, Rejection{line, "malformed JSON: " + err.Error()})
			continue
		}
		out, err := cases.Submit(ctx, p)
		switch {
		case errors.Is(err, caseapi.ErrInvalidPost):
			sum.Rejected = append(sum.Rejected, Rejection{line, err.Error()})
		case err != nil:
			return sum, unavailable(fmt.Errorf("line %d: %w", line, err))
		case out.Started:
			sum.Started++
		case out.Joined:
			sum.Joined++
		default:
			sum.Duplicates++
		}
	}
	return sum, sc.Err()
}
