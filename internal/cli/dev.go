package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/bulkimport"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/demo"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/metrics"
)

// devRetention is how long `switchboard dev` keeps a completed case's
// history: the dev server has no archival, so its resolved cases stay
// readable (case show, journeys, the SLA report) for as long as its
// database lives. The cluster backend archives them instead.
const devRetention = 10 * 365 * 24 * time.Hour

func newDevCmd(a *App) *cobra.Command {
	var port, uiPort int
	var noDemo bool
	var backend string
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything locally: Temporal dev server with Web UI, worker, demo cases",
		Long: "Starts the Temporal dev server from the pinned CLI (building it on first use)\n" +
			"with a file database in the data folder, registers switchboard's search\n" +
			"attributes, runs a worker, loads the demo posts and waits for Ctrl-C.\n" +
			"Run it again and the open cases are still there with their timers.\n" +
			"With --backend postgres it runs the real Temporal server (built on first use)\n" +
			"on a private PostgreSQL in the data folder instead, as a deployment does.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer takeTerminal()()
			ctx := cmd.Context()
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			log := a.Logger()
			out := cmd.OutOrStdout()
			progress := func(msg string) { fmt.Fprintln(out, msg) }
			srv, err := startTemporal(ctx, cfg, backend, port, uiPort, progress)
			if err != nil {
				return err
			}
			defer func() {
				fmt.Fprintln(out, "stopping Temporal…")
				srv.shutdown()
			}()
			cfg.Temporal.Address = srv.Address
			m, err := metrics.New()
			if err != nil {
				return err
			}
			tc, err := app.Dial(ctx, cfg, log, m)
			if err != nil {
				return unavailable(err)
			}
			defer tc.Close()
			go serveMetrics(ctx, m, cfg.Metrics.Listen, log)
			workerDone := make(chan error, 1)
			go func() { workerDone <- app.RunWorker(ctx, cfg, tc, log) }()

			store, err := app.OpenStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer store.Close()
			cases, err := app.SubmittingCases(ctx, cfg, tc, store, log)
			if err != nil {
				return err
			}
			web, err := console.New(console.Options{Config: cfg, Cases: cases, Store: store, Log: log.Named("console"), OutboxPath: app.OutboxPath(cfg)})
			if err != nil {
				return err
			}
			consoleDone := make(chan error, 1)
			go func() { consoleDone <- console.Serve(ctx, cfg.Console.Listen, web, log.Named("console")) }()
			webhooks, err := newIntake(cfg, cases, store, m, log)
			if err != nil {
				return err
			}
			intakeDone := make(chan error, 1)
			go func() { intakeDone <- webhooks.ListenAndServe(ctx) }()
			if !noDemo {
				posts, err := demo.Recent(time.Now())
				if err != nil {
					return err
				}
				sum, err := bulkimport.Run(ctx, bytes.NewReader(posts), bulkimport.JSONL, cases, bulkimport.Options{Name: "demo posts", Rate: -1})
				if err != nil {
					return unavailable(err)
				}
				fmt.Fprintf(out, "demo posts: started %d, joined %d, already there %d\n", sum.Started, sum.Joined, sum.Duplicates)
			}
			printRunning(out, srv.Server, cfg)
			return waitForStop(ctx, out, log, workerDone, consoleDone, intakeDone)
		},
	}
	cmd.Flags().IntVar(&port, "port", 7233, "Temporal frontend port")
	cmd.Flags().IntVar(&uiPort, "ui-port", 8233, "Temporal Web UI port")
	cmd.Flags().BoolVar(&noDemo, "no-demo", false, "do not load the demo posts")
	cmd.Flags().StringVar(&backend, "backend", "dev", "dev (the dev server, SQLite, with its Web UI) or postgres (the Temporal server on a private PostgreSQL in the data folder)")
	return cmd
}

// devTemporal is the Temporal that `switchboard dev` runs, and how to stop it.
type devTemporal struct {
	*devserver.Server
	shutdown func()
}

// startTemporal starts the backend's Temporal with its data in the data
// folder, building the pinned CLI or server on first use.
func startTemporal(ctx context.Context, cfg *config.Config, backend string, port, uiPort int, progress func(string)) (devTemporal, error) {
	switch backend {
	case "dev":
		bin, err := devserver.Ensure(ctx, progress)
		if err != nil {
			return devTemporal{}, err
		}
		srv, err := devserver.Start(ctx, devserver.Options{
			Binary: bin, Port: port, UIPort: uiPort, Namespace: cfg.Temporal.Namespace,
			DBFile:    filepath.Join(cfg.DataDir, "temporal.db"),
			LogFile:   filepath.Join(cfg.DataDir, "temporal.log"),
			PIDFile:   filepath.Join(cfg.DataDir, "temporal.pid"),
			Retention: devRetention,
		})
		if err != nil {
			return devTemporal{}, err
		}
		return devTemporal{Server: srv, shutdown: func() { _ = srv.Stop() }}, nil
	case "postgres":
		tools, err := devserver.EnsureServerTools(ctx, progress)
		if err != nil {
			return devTemporal{}, err
		}
		progress("starting PostgreSQL and the Temporal server in " + filepath.Join(cfg.DataDir, "cluster"))
		c, err := cluster.Start(ctx, cluster.Options{Dir: filepath.Join(cfg.DataDir, "cluster"), Tools: tools, Port: port,
			Namespace: cfg.Temporal.Namespace, Retention: 30 * 24 * time.Hour})
		if err != nil {
			return devTemporal{}, err
		}
		return devTemporal{Server: &devserver.Server{Address: c.Address, Cluster: c}, shutdown: func() { _ = c.Stop() }}, nil
	}
	return devTemporal{}, usageError{fmt.Errorf("--backend %q: use dev or postgres", backend)}
}

// printRunning tells the person at the terminal where everything is.
func printRunning(out io.Writer, srv *devserver.Server, cfg *config.Config) {
	ui := srv.UIAddress + "/namespaces/" + cfg.Temporal.Namespace + "/workflows"
	if srv.Cluster != nil {
		ui = "none with --backend postgres (the dev server embeds it); `temporal workflow list` works"
	}
	fmt.Fprintf(out, "\nswitchboard is running.\n  Temporal:  %s (namespace %s)\n  Web UI:    %s\n  Console:   http://%s (demo agents: sam, priya, paul, cora… password \"demo\")\n  Intake:    http://%s (webhooks: /webhooks/meta, /webhooks/x, /v1/posts)\n  Metrics:   http://%s/metrics\n  Data:      %s\n",
		srv.Address, cfg.Temporal.Namespace, ui, cfg.Console.Listen, cfg.Intake.Listen, cfg.Metrics.Listen, cfg.DataDir)
	if srv.Cluster == nil {
		fmt.Fprintf(out, "\nSLA monitor in the Web UI (times as of now; `switchboard sla links` prints fresh ones):\n")
		printMonitors(out, srv.UIAddress, cfg, "sam")
	}
	fmt.Fprintf(out, "\nPress Ctrl-C to stop.\n")
}

// waitForStop runs until Ctrl-C or until the worker, the console or intake
// stops by itself, then gives the worker a moment to finish what it holds.
func waitForStop(ctx context.Context, out io.Writer, log *zap.Logger, workerDone, consoleDone, intakeDone <-chan error) error {
	select {
	case <-ctx.Done():
	case err := <-workerDone:
		return err
	case err := <-consoleDone:
		if err != nil {
			return fmt.Errorf("console: %w", err)
		}
	case err := <-intakeDone:
		if err != nil {
			return fmt.Errorf("intake: %w", err)
		}
	}
	fmt.Fprintln(out, "\nstopping the worker…")
	select {
	case err := <-workerDone:
		if err != nil {
			log.Warn("worker stopped with an error", zap.Error(err))
		}
	case <-time.After(15 * time.Second):
	}
	return nil
}
