package stack

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/devserver"
)

// ForTest starts a headless dev server (skipping the test without a
// temporal binary unless SWITCHBOARD_REQUIRE_TEMPORAL is set), connects a
// client and runs an in-process worker; all of it
// stops when the test ends. cfg may be nil for the embedded defaults; its
// address and data folder are replaced.
func ForTest(t testing.TB, cfg *config.Config) *Stack {
	t.Helper()
	return ForTestOnServer(t, cfg, devserver.ForTest(t))
}

// ForTestOnServer is ForTest on a dev server the test started itself (with
// its own dynamic configuration, say).
func ForTestOnServer(t testing.TB, cfg *config.Config, srv *devserver.Server) *Stack {
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
// run workers as processes (StartWorkerProcess).
func ForTestNoWorker(t testing.TB, cfg *config.Config) *Stack {
	t.Helper()
	return onServer(t, cfg, devserver.ForTest(t))
}

func onServer(t testing.TB, cfg *config.Config, srv *devserver.Server) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := attach(ctx, srv, Options{Dir: t.TempDir(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.detach)
	return s
}
