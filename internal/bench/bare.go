package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The bare workflow is the yardstick: the least a post could cost on
// Temporal — start, one activity, done — run by its own worker process on
// the same server, so the case's figures are read as ratios to it.
const (
	BareWorkflowName = "BenchBare"
	BareActivityName = "BenchBareActivity"
	BareTaskQueue    = "switchboard-bench-bare"
)

// BareWorkflow runs one activity and completes.
func BareWorkflow(ctx workflow.Context, text string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, BareActivityName, text).Get(ctx, &out)
	return out, err
}

// BareActivity does no work: the yardstick measures Temporal, not code.
func BareActivity(_ context.Context, text string) (string, error) { return text, nil }

// RunBareWorker serves the bare workflow until ctx is done.
func RunBareWorker(ctx context.Context, tc client.Client) error {
	w := worker.New(tc, BareTaskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(BareWorkflow, workflow.RegisterOptions{Name: BareWorkflowName})
	w.RegisterActivityWithOptions(BareActivity, activity.RegisterOptions{Name: BareActivityName})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start bare worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
