package workflows_test

import (
	. "github.com/switchboard-care/switchboard/workflows"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
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
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
