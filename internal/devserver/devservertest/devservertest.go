// Package devservertest starts a Temporal server for a test and stops it
// when the test ends. It is apart from package devserver so that the
// binaries, which start servers too, do not link package testing.
package devservertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver"
)

// EnvRequire makes tests fail, rather than skip, when no temporal binary is
// available; `make test` (and so CI) sets it.
const EnvRequire = "SWITCHBOARD_REQUIRE_TEMPORAL"

// EnvBackend chooses the server tests run on: unset, the dev server;
// "postgres", a Temporal cluster on PostgreSQL, each service its own
// process (`make test-cluster`).
const EnvBackend = "SWITCHBOARD_TEST_BACKEND"

// ForTest starts a headless server for the test — the dev server with a
// file database in the test's temporary folder, or the cluster EnvBackend
// asks for — and stops it when the test ends. dynamicConfig are server
// settings, each "key=value".
func ForTest(t testing.TB, dynamicConfig ...string) *devserver.Server {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv(EnvBackend) == "postgres" {
		return clusterForTest(t, dir, cluster.Options{DynamicConfig: dynamicConfig})
	}
	return devForTest(t, dir, -1, dynamicConfig)
}

// WithWebUI starts the dev server with its Web UI on a free port (its
// UIAddress), whatever EnvBackend says: only the dev server embeds it.
func WithWebUI(t testing.TB) *devserver.Server {
	t.Helper()
	return devForTest(t, t.TempDir(), 0, nil)
}

func devForTest(t testing.TB, dir string, uiPort int, dynamicConfig []string) *devserver.Server {
	t.Helper()
	bin, err := devserver.Find()
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := devserver.Start(context.Background(), devserver.Options{
		Binary: bin, UIPort: uiPort,
		DBFile:        filepath.Join(dir, "temporal.db"),
		LogFile:       filepath.Join(dir, "temporal.log"),
		DynamicConfig: dynamicConfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "temporal.log")); err == nil {
				t.Logf("temporal server log:\n%s", log)
			}
		}
	})
	return s
}

// ClusterForTest starts a Temporal cluster on PostgreSQL configured by opts
// (each service its own process, in the test's temporary folder) and stops
// it when the test ends. Only `make test-cluster` (EnvBackend "postgres")
// runs such tests; others are skipped.
func ClusterForTest(t testing.TB, opts cluster.Options) *devserver.Server {
	t.Helper()
	if os.Getenv(EnvBackend) != "postgres" {
		t.Skip("needs the Temporal cluster: make test-cluster")
	}
	return clusterForTest(t, t.TempDir(), opts)
}

func clusterForTest(t testing.TB, dir string, opts cluster.Options) *devserver.Server {
	tools, err := devserver.PinnedServerTools()
	if err != nil {
		t.Fatal(err)
	}
	opts.Dir, opts.Tools, opts.Split = dir, tools, true
	c, err := cluster.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Stop()
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
			logs = append(logs, filepath.Join(dir, "postgres", "postgres.log"))
			for _, f := range logs {
				if log, err := os.ReadFile(f); err == nil && len(log) > 0 {
					t.Logf("%s:\n%s", filepath.Base(f), tail(log, 8<<10))
				}
			}
		}
	})
	return &devserver.Server{Address: c.Address, Cluster: c}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
