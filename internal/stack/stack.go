// Package stack starts the whole of switchboard for a test or a tool: a
// real Temporal dev server from the pinned CLI, a client with the search
// attributes registered, the case API, and workers — in process, or as real
// processes configured only through SWITCHBOARD_* variables.
package stack

import (
	"context"
	"fmt"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/logging"
)

// Options configures a stack.
type Options struct {
	Dir    string         // the data folder: Temporal's database, outbox, logs
	Config *config.Config // nil: the embedded defaults; address and data folder are replaced
	Log    *zap.Logger    // nil: silent
	// Interceptors wrap the stack's client, e.g. to count the queries a
	// benchmark makes.
	Interceptors []interceptor.ClientInterceptor
	// Progress hears about slow steps, such as building the pinned CLI.
	Progress func(string)
	// Backend is "dev" (or empty) for the dev server, "postgres" for the
	// Temporal server on a private PostgreSQL, as four processes, in Dir
	// (whose PostgreSQL also holds the shared store).
	Backend string
}

// Stack is a running switchboard on its own dev server.
type Stack struct {
	Config   *config.Config
	Dir      string
	Server   *devserver.Server
	Temporal client.Client
	Cases    *caseapi.Client // submits (with triage) and acts (with the signing key)
	log      *zap.Logger
	store    *kv.Store          // what Cases' triage reads its model from
	stop     context.CancelFunc // stops Cases' triage following the model
}

// Start launches a server of opts.Backend with its data in opts.Dir and
// attaches to it; Close stops it. For tools such as the benchmark; tests
// use stacktest.ForTest.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	srv, err := startServer(ctx, opts, progress)
	if err != nil {
		return nil, err
	}
	if srv.Cluster != nil { // the shared store on the cluster's PostgreSQL, as deployed
		if opts.Config == nil {
			if opts.Config, err = config.Default(); err != nil {
				_ = stopServer(srv)
				return nil, err
			}
		}
		pg := srv.Cluster.Postgres
		if err := pg.CreateDatabase(ctx, "switchboard"); err != nil {
			_ = stopServer(srv)
			return nil, err
		}
		opts.Config.Store.URL = pg.URL("switchboard")
	}
	s, err := Attach(ctx, srv, opts)
	if err != nil {
		_ = stopServer(srv)
		return nil, err
	}
	return s, nil
}

func startServer(ctx context.Context, opts Options, progress func(string)) (*devserver.Server, error) {
	switch opts.Backend {
	case "", "dev":
		bin, err := devserver.Ensure(ctx, progress)
		if err != nil {
			return nil, err
		}
		return devserver.Start(ctx, devserver.Options{Binary: bin, UIPort: -1,
			DBFile: filepath.Join(opts.Dir, "temporal.db"), LogFile: filepath.Join(opts.Dir, "temporal.log")})
	case "postgres":
		tools, err := devserver.EnsureServerTools(ctx, progress)
		if err != nil {
			return nil, err
		}
		c, err := cluster.Start(ctx, cluster.Options{Dir: filepath.Join(opts.Dir, "cluster"), Tools: tools, Split: true})
		if err != nil {
			return nil, err
		}
		return &devserver.Server{Address: c.Address, Cluster: c}, nil
	}
	return nil, fmt.Errorf("backend %q: use dev or postgres", opts.Backend)
}

// stopServer stops a server Start launched, a cluster with its PostgreSQL.
func stopServer(srv *devserver.Server) error {
	if srv.Cluster != nil {
		return srv.Cluster.Stop()
	}
	return srv.Stop()
}

// Attach connects to a running server with the configuration opts gives;
// Detach disconnects, leaving the server running.
func Attach(ctx context.Context, srv *devserver.Server, opts Options) (*Stack, error) {
	cfg := opts.Config
	if cfg == nil {
		var err error
		if cfg, err = config.Default(); err != nil {
			return nil, err
		}
	}
	cfg.Temporal.Address = srv.Address
	cfg.DataDir = opts.Dir
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	tc, err := client.Dial(client.Options{HostPort: srv.Address, Namespace: cfg.Temporal.Namespace, Logger: logging.Temporal(log),
		Interceptors: opts.Interceptors})
	if err != nil {
		return nil, fmt.Errorf("connect to the dev server: %w", err)
	}
	if err := app.EnsureSearchAttributes(ctx, tc, cfg.Temporal.Namespace); err != nil {
		tc.Close()
		return nil, err
	}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		tc.Close()
		return nil, err
	}
	watch, stop := context.WithCancel(context.Background())
	cases, err := app.SubmittingCases(watch, cfg, tc, store, log)
	if err != nil {
		stop()
		_ = store.Close()
		tc.Close()
		return nil, err
	}
	return &Stack{Config: cfg, Dir: opts.Dir, Server: srv, Temporal: tc, log: log, Cases: cases, store: store, stop: stop}, nil
}

// Detach closes what Attach opened.
func (s *Stack) Detach() {
	s.stop()
	_ = s.store.Close()
	s.Temporal.Close()
}

// StartWorker runs a worker in this process with every workflow and
// activity; the caller stops it.
func (s *Stack) StartWorker() (worker.Worker, error) {
	w, err := app.NewWorker(context.Background(), s.Config, s.Temporal, s.log)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// Close disconnects and stops the server Start launched.
func (s *Stack) Close() error {
	s.Detach()
	return stopServer(s.Server)
}
