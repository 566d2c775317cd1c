// Package cli is the switchboard command line: one binary for operators
// (dev, worker, import) and agents (cases, case …, agent …).
package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/logging"
)

// App carries what every command shares: the loaded configuration and the
// logger, built once on first use.
type App struct {
	configFile string

	once   sync.Once
	cfg    *config.Config
	log    *zap.Logger
	errApp error

	// cases is the case API the reading commands use (reader.go).
	cases      caseReader
	closeCases func()
}

// Config returns the configuration, loading it on first call.
func (a *App) Config() (*config.Config, error) {
	a.load()
	return a.cfg, a.errApp
}

// Logger returns the process logger (a no-op logger if config failed).
func (a *App) Logger() *zap.Logger {
	a.load()
	if a.log == nil {
		return zap.NewNop()
	}
	return a.log
}

func (a *App) load() {
	a.once.Do(func() {
		a.cfg, a.errApp = config.Load(a.configFile)
		if a.errApp != nil {
			return
		}
		a.log, a.errApp = logging.New(a.cfg.Log.Level, a.cfg.Log.Format)
	})
}

// NewRoot builds the whole command tree.
func NewRoot() *cobra.Command { return newRoot(&App{}) }

func newRoot(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "Social-media customer care on Temporal: every post a durable case",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&app.configFile, "config", "", "configuration file (default: $"+config.EnvConfigFile+", else the embedded demo configuration)")
	root.AddCommand(
		newWorkerCmd(app),
		newImportCmd(app),
		newIntakeCmd(app),
		newDevCmd(app),
		newCasesCmd(app),
		newCaseCmd(app),
		newAgentCmd(app),
		newJourneyCmd(app),
		newCustomerCmd(app),
		newConsoleCmd(app),
		newLoginCmd(app),
		newLogoutCmd(),
		newTriageCmd(app),
		newSLACmd(app),
		newPolicyCmd(app),
		newIncidentCmd(),
		newBenchCmd(app),
	)
	markUsageErrors(root)
	return root
}

// markUsageErrors makes a wrong number of arguments a usage error (exit 2)
// on every command, like a bad flag.
func markUsageErrors(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markUsageErrors(sub)
	}
}

// Main is every binary's main: it runs the command line args name, stopping
// it when the process is interrupted or terminated, and exits with its code.
func Main(args []string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Execute(ctx, args)
	stop()
	os.Exit(code)
}

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string) int {
	app := &App{}
	defer app.close()
	root := newRoot(app)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(root.ErrOrStderr(), "error:", err)
		return exitCode(err)
	}
	return 0
}

// Store opens the shared store the configuration names.
func (a *App) Store(ctx context.Context) (*kv.Store, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, unavailable(err)
	}
	return store, nil
}

// CaseClient connects to Temporal and returns the case API with the
// configured policy and directory. It reads and submits; the CLI acts
// through the console's API (login.go), never with a signing key.
func (a *App) CaseClient(ctx context.Context) (*caseapi.Client, error) {
	return a.caseClient(ctx, func(cfg *config.Config, tc client.Client) (*caseapi.Client, error) { return app.Cases(cfg, tc), nil })
}

// signingCaseClient is CaseClient with the signing key: for the console,
// which turns signed-in people into actors.
func (a *App) signingCaseClient(ctx context.Context) (*caseapi.Client, error) {
	return a.caseClient(ctx, app.SigningCases)
}

// submittingCaseClient is signingCaseClient with triage, for what submits
// posts (intake, imports, dead-letter replays): cases are triaged before
// they start, and follow-ups and edits are signals only a signed sender
// may send. Triage reads the promoted model from store.
func (a *App) submittingCaseClient(ctx context.Context, store *kv.Store) (*caseapi.Client, error) {
	return a.caseClient(ctx, func(cfg *config.Config, tc client.Client) (*caseapi.Client, error) {
		return app.SubmittingCases(ctx, cfg, tc, store, a.Logger())
	})
}

func (a *App) caseClient(ctx context.Context, cases func(*config.Config, client.Client) (*caseapi.Client, error)) (*caseapi.Client, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	tc, err := app.Dial(ctx, cfg, a.Logger(), nil)
	if err != nil {
		return nil, unavailable(err)
	}
	c, err := cases(cfg, tc)
	if err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}
