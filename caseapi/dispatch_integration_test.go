package caseapi_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/workflows"
	"go.temporal.io/api/enums/v1"
)

// TestDealingOnARealServer: three agents on shift share 30 cases round
// robin, and when one goes off shift the other two take over all of theirs.
func TestDealingOnARealServer(t *testing.T) {
	h := newHarness(t)
	for i := range h.cases.Policy.Routing { // every post to marketing, which deals round robin
		if h.cases.Policy.Routing[i].Department != policy.RouteToNone {
			h.cases.Policy.Routing[i].Department = "marketing"
		}
	}
	dir, err := policy.NewDirectory([]policy.Agent{
		{ID: "ana", Departments: []string{"marketing"}, Roles: []string{"agent"}, Capacity: 20},
		{ID: "ben", Departments: []string{"marketing"}, Roles: []string{"agent"}, Capacity: 20},
		{ID: "cy", Departments: []string{"marketing"}, Roles: []string{"agent"}, Capacity: 20},
	}, &h.cases.Policy)
	if err != nil {
		t.Fatal(err)
	}
	h.cases.Directory = dir
	for _, a := range []string{"ana", "ben", "cy"} {
		if _, err := h.cases.Shift(h.ctx, "marketing", a, true, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.cases.Shift(h.ctx, "marketing", "ben", false, "ana"); err == nil {
		t.Fatal("an agent changed another agent's shift")
	}
	if b, err := h.cases.Board(h.ctx, "marketing"); err != nil || len(b.Agents) != 3 || !b.Agents[1].OnShift {
		t.Fatalf("board %+v %v", b, err)
	}
	if b, err := h.cases.Board(h.ctx, "support"); err != nil || b.Mode != "claim" || len(b.Agents) != 0 {
		t.Fatalf("a claim department's board %+v %v", b, err)
	}
	for i := range 30 {
		p := xPost(fmt.Sprintf("deal-%02d", i), fmt.Sprintf("fan%d", i), "Love the new autumn campaign, brilliant ad!")
		if _, err := h.cases.Submit(h.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	load := func() (map[string]int, int) {
		list, err := h.cases.List(h.ctx, caseapi.Filter{Department: "marketing", Running: true})
		if err != nil {
			t.Fatal(err)
		}
		held := map[string]int{}
		for _, c := range list {
			held[c.Assignee]++
		}
		return held, len(list)
	}
	h.eventually("30 cases dealt 10 each", func() error {
		if held, n := load(); n != 30 || held["ana"] != 10 || held["ben"] != 10 || held["cy"] != 10 {
			return fmt.Errorf("%d cases, held %v", n, held)
		}
		return nil
	})
	if _, err := h.cases.Shift(h.ctx, "marketing", "ben", false, "ben"); err != nil {
		t.Fatal(err)
	}
	h.eventually("ben's cases shared by ana and cy", func() error {
		if held, n := load(); n != 30 || held["ben"] != 0 || held[""] != 0 || held["ana"] != 15 || held["cy"] != 15 {
			return fmt.Errorf("%d cases, held %v", n, held)
		}
		return nil
	})
	// What an assignment costs a case: the dispatcher is told the case is
	// queued (an activity that signals it) and deals it (a signal to the
	// case); the case does not echo the assignment back. A case of ben's
	// goes round again when he leaves: queued once more, dealt once more.
	for i := range 30 {
		id := xPost(fmt.Sprintf("deal-%02d", i), fmt.Sprintf("fan%d", i), "").CaseID()
		dispatches, signals, unassigned := 0, 0, false
		for _, e := range h.history(id).GetEvents() {
			switch e.GetEventType() {
			case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				if e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == workflows.ActivityDispatch {
					dispatches++
				}
			case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signals++
				unassigned = unassigned || e.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == workflows.SignalUnassign
			}
		}
		want := dispatchCost{dispatches: 1, signals: 1} // queued; dealt
		if unassigned {
			want = dispatchCost{dispatches: 2, signals: 3} // and off shift: unassigned, queued, dealt again
		}
		if got := (dispatchCost{dispatches, signals}); got != want {
			t.Errorf("case %s (reassigned %t): %+v, want %+v", id, unassigned, got, want)
		}
	}
	t.Logf("checked: a case dealt once sends its dispatcher one message (queued) and takes one signal (the assignment); a reassigned one two and three")
	if name := os.Getenv(EnvRecordDispatcher); name != "" {
		h.saveHistory(h.history(workflows.DispatcherID("marketing")), name)
		// A dealt case, reassigned when ben went off shift.
		h.saveHistory(h.history(xPost("deal-01", "fan1", "").CaseID()), name+"-case")
	}
}

// dispatchCost is what dealing a case cost it: the messages it sent its
// dispatcher (an activity each, which signals it) and the signals it took.
type dispatchCost struct{ dispatches, signals int }
