// Package stacktest starts the whole of switchboard for a test (package
// stack) and stops it when the test ends. It is apart from package stack so
// that the tools built on stack, linked into the binaries, do not link
// package testing.
package stacktest

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack"
)

// ForTest starts a headless dev server (skipping the test without a
// temporal binary unless SWITCHBOARD_REQUIRE_TEMPORAL is set), connects a
// client and runs an in-process worker; all of it
// stops when the test ends. cfg may be nil for the embedded defaults; its
// address and data folder are replaced.
func ForTest(t testing.TB, cfg *config.Config) *stack.Stack {
	t.Helper()
	return ForTestOnServer(t, cfg, devservertest.ForTest(t))
}

// ForTestOnServer is ForTest on a dev server the test started itself (with
// its own dynamic configuration, say).
func ForTestOnServer(t testing.TB, cfg *config.Config, srv *devserver.Server) *stack.Stack {
	t.Helper()
	s := onServer(t, cfg, srv)
	w, err := s.StartWorker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return s
}

// ForTestNoWorker is ForTest without the in-process worker, for tests that
// run workers as processes (Stack.StartWorkerProcess).
func ForTestNoWorker(t testing.TB, cfg *config.Config) *stack.Stack {
	t.Helper()
	return onServer(t, cfg, devservertest.ForTest(t))
}

func onServer(t testing.TB, cfg *config.Config, srv *devserver.Server) *stack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := stack.Attach(ctx, srv, stack.Options{Dir: t.TempDir(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Detach)
	return s
}

// Eventually retries check until it passes, failing t after 90s (a loaded
// 2-core machine is slow, a passing check returns at once): triage,
// visibility and signals are asynchronous.
func Eventually(t testing.TB, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// QuickIncidents is the default configuration with crisis-watch
// thresholds a handful of posts meet on a property with no history (3
// posts in the window where 0.5 are expected), and statements sent fast:
// for the tests of incidents on a real server, which cannot wait days.
func QuickIncidents(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Incidents.MinDays, cfg.Incidents.MinPosts, cfg.Incidents.Surprise, cfg.Incidents.SendsPerMinute = 0, 3, 0.05, 600
	return cfg
}
