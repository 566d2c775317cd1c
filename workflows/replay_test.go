package workflows_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/switchboard-care/switchboard/workflows"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplaySavedHistories replays cases, journeys and dispatchers recorded
// from a real server (caseapi's integration tests, with
// SWITCHBOARD_RECORD_HISTORY, SWITCHBOARD_RECORD_JOURNEYS or
// SWITCHBOARD_RECORD_DISPATCHER set): a change to the Case,
// Journey or Dispatcher workflow that would break running
// ones fails here.
func TestReplaySavedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no saved histories in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			(&Workflows{}).Register(r) // validators, the only users of the keys, never run on replay
			history, options := readHistory(t, f)
			if err := r.ReplayWorkflowHistoryWithOptions(nil, history, options); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// readHistory reads a saved history to replay under its own workflow ID:
// a signal names the workflow it is for, and the replayer's default ID
// would make every signed one look misdirected.
func readHistory(t *testing.T, file string) (*historypb.History, worker.ReplayWorkflowHistoryOptions) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	history, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := history.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	return history, worker.ReplayWorkflowHistoryOptions{OriginalExecution: workflow.Execution{
		ID:    started.GetWorkflowId(),
		RunID: started.GetOriginalExecutionRunId(),
	}}
}
