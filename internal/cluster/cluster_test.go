package cluster_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
)

// serverTools is the pinned server build; without one the test is skipped,
// unless it was asked to run on PostgreSQL (make test-cluster).
func serverTools(t *testing.T) string {
	t.Helper()
	tools, err := devserver.PinnedServerTools()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tools, "server")); err != nil {
		if os.Getenv(devservertest.EnvBackend) == "postgres" {
			t.Fatal(err)
		}
		t.Skipf("no Temporal server build (make temporal-server): %v", err)
	}
	return tools
}

func napping(ctx workflow.Context, d time.Duration) (string, error) {
	if err := workflow.Sleep(ctx, d); err != nil {
		return "", err
	}
	return "woke", nil
}

// A four-process cluster on PostgreSQL comes up with switchboard's search
// attributes usable, and a workflow's timer survives kill -9 of the
// history service and a restart of PostgreSQL itself.
func TestAClusterOnPostgresKeepsTimersThroughCrashes(t *testing.T) {
	tools := serverTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	began := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{Dir: dir, Tools: tools, Split: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() }) // again if the test ends early: stopping twice is safe
	t.Logf("a four-process cluster on a new PostgreSQL in %s", time.Since(began).Round(100*time.Millisecond))

	tc, err := client.DialContext(ctx, client.Options{HostPort: c.Address})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(tc, "naps", worker.Options{})
	w.RegisterWorkflow(napping)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "nap", TaskQueue: "naps"}, napping, 8*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the timer is in history
	if err := c.Kill("history"); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, "history"); err != nil {
		t.Fatal(err)
	}
	if err := c.Postgres.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "woke" {
		t.Fatalf("after kill -9 of history and a PostgreSQL restart: %q, %v", got, err)
	}

	// Stopped and started again on the same folder (as `switchboard dev
	// --backend postgres` is): the same ports, and the workflow is there.
	w.Stop()
	tc.Close()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	again, err := cluster.Start(ctx, cluster.Options{Dir: dir, Tools: tools, Split: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = again.Stop() })
	if again.Address != c.Address {
		t.Fatalf("restarted on %s, was %s", again.Address, c.Address)
	}
	tc2, err := client.DialContext(ctx, client.Options{HostPort: again.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer tc2.Close()
	if d, err := tc2.DescribeWorkflowExecution(ctx, "nap", ""); err != nil || d.GetWorkflowExecutionInfo().GetStatus().String() != "Completed" {
		t.Fatalf("after a restart: %v %v", d.GetWorkflowExecutionInfo().GetStatus(), err)
	}
}
