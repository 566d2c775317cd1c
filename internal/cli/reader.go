package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/slareport"
)

// caseReader is what the reading commands (cases list, case show,
// journey, sla report) ask of the case API. The App dials Temporal for
// one; a test gives the App one of its own, as the GitHub CLI's commands
// take their HTTP client, so every command's flags, scope, output and
// exit codes are tested without a server.
type caseReader interface {
	List(ctx context.Context, f caseapi.Filter) ([]caseapi.Summary, error)
	State(ctx context.Context, caseID string) (casestate.View, error)
	Events(ctx context.Context, caseID string) ([]casestate.Event, error)
	Customer(ctx context.Context, customerID string) (journey.Journey, error)
	Journey(ctx context.Context, customerID string) (journey.Journey, error)
	PastCases(ctx context.Context, since time.Time, parallel int) ([]slareport.Case, int, error)
}

// reader is the case API the reading commands use: the one a test set,
// else a connection to Temporal, made on first use and closed by close.
func (a *App) reader(ctx context.Context) (caseReader, error) {
	if a.cases != nil {
		return a.cases, nil
	}
	c, err := a.CaseClient(ctx)
	if err != nil {
		return nil, err
	}
	a.cases, a.closeCases = c, c.Temporal.Close
	return c, nil
}

// close ends what the commands opened.
func (a *App) close() {
	if a.closeCases != nil {
		a.closeCases()
	}
}

// viewer is the agent a read is for: --as, else $SWITCHBOARD_AGENT, else
// the agent last signed in as. None (nil) is an operator's read, which
// sees every department: reads go to Temporal directly, whose own access
// control (mutual TLS, docs/security.md) decides who reads at all; the
// agent's scope keeps their view to what their console shows them.
func (a *App) viewer(as string) (*policy.Agent, error) {
	if as == "" {
		as = os.Getenv(EnvAgent)
	}
	if as == "" {
		creds, err := loadCredentials()
		if err != nil {
			return nil, err
		}
		as = creds.Last
	}
	if as == "" {
		return nil, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	agent, err := cfg.Directory().Lookup(as)
	if err != nil {
		return nil, usageError{fmt.Errorf("--as %s: %w", as, err)}
	}
	return &agent, nil
}

// mayOpen says which departments' cases the viewer may open: all of them
// for an operator.
func (a *App) mayOpen(agent *policy.Agent) (func(dept string) bool, error) {
	if agent == nil {
		return func(string) bool { return true }, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	return func(dept string) bool { return cfg.Policy.MaySee(agent.Actor(), dept) }, nil
}

// readFor is what a read for --as needs: the agent (nil for an operator),
// which departments' cases they may open, and the case API.
func (a *App) readFor(ctx context.Context, as string) (*policy.Agent, func(dept string) bool, caseReader, error) {
	agent, err := a.viewer(as)
	if err != nil {
		return nil, nil, nil, err
	}
	mayOpen, err := a.mayOpen(agent)
	if err != nil {
		return nil, nil, nil, err
	}
	cases, err := a.reader(ctx)
	return agent, mayOpen, cases, err
}
