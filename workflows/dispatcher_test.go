package workflows_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/internal/logging"
	"github.com/switchboard-care/switchboard/policy"
	. "github.com/switchboard-care/switchboard/workflows"
)

// fairness runs a dispatcher with three agents on shift and 30 queued cases,
// then takes one agent off shift; the fake cases re-queue when unassigned,
// as real ones do. It returns who holds which case at the end.
func fairness(t *testing.T, mode string) (first, final map[string]string) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	registerTrusting(env)
	holder := map[string]string{}
	first = map[string]string{}
	var mu sync.Mutex // the test environment calls the signal mocks from its own goroutines
	t0 := time.Date(2015, 11, 22, 9, 0, 0, 0, time.UTC)
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalAssign, mock.Anything).Return(
		func(_, caseID, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			a := arg.(CaseAssignment)
			holder[caseID] = a.Agent
			if _, ok := first[caseID]; !ok {
				first[caseID] = a.Agent
			}
			return nil
		})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalUnassign, mock.Anything).Return(
		func(_, caseID, _, _ string, arg any) error {
			mu.Lock()
			delete(holder, caseID)
			mu.Unlock()
			env.SignalWorkflow(SignalQueueEvent, signedQueueEvent(env, QueueEvent{Kind: QueueQueued, CaseID: caseID, Priority: policy.P3, At: t0.Add(time.Hour)}))
			return nil
		})
	shift := func(agent string, on bool) {
		id := agent + fmt.Sprint(on)
		env.UpdateWorkflow(UpdateShift, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("shift %s: %v", agent, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, signedShift(env, id, ShiftRequest{Actor: policy.Actor{ID: agent, Departments: []string{"marketing"}}, Agent: agent, Capacity: 20, On: on}))
	}
	env.RegisterDelayedCallback(func() {
		for _, a := range []string{"ana", "ben", "cy"} {
			shift(a, true)
		}
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		for i := range 30 {
			env.SignalWorkflow(SignalQueueEvent, signedQueueEvent(env, QueueEvent{Kind: QueueQueued, CaseID: fmt.Sprintf("case/x/%02d", i), Priority: policy.P3, At: t0.Add(time.Duration(i) * time.Minute)}))
		}
	}, 2*time.Second)
	env.RegisterDelayedCallback(func() { shift("ben", false) }, 3*time.Second)
	env.RegisterDelayedCallback(func() {
		res, err := env.QueryWorkflow(QueryBoard)
		if err != nil {
			t.Fatal(err)
		}
		var b dispatch.Board
		if err := res.Get(&b); err != nil {
			t.Fatal(err)
		}
		if len(b.Queue) != 0 {
			t.Errorf("%d cases left in the queue", len(b.Queue))
		}
		env.CancelWorkflow()
	}, 4*time.Second)
	env.ExecuteWorkflow(DispatcherWorkflowName, DispatcherInput{Board: dispatch.Board{Department: "marketing", Mode: mode}})
	return first, holder
}

func count(m map[string]string) map[string]int {
	out := map[string]int{}
	for _, a := range m {
		out[a]++
	}
	return out
}

func TestDispatcherSpreadsLoadFairly(t *testing.T) {
	for _, mode := range []string{policy.AssignRoundRobin, policy.AssignLeastLoaded} {
		t.Run(mode, func(t *testing.T) {
			first, final := fairness(t, mode)
			if got := count(first); got["ana"] != 10 || got["ben"] != 10 || got["cy"] != 10 {
				t.Fatalf("first deal %v, want 10 each", got)
			}
			got := count(final)
			if len(final) != 30 || got["ben"] != 0 {
				t.Fatalf("after ben went off shift: %d cases held, spread %v", len(final), got)
			}
			if got["ana"] != 15 || got["cy"] != 15 {
				t.Fatalf("ben's cases were not shared evenly: %v", got)
			}
		})
	}
}

func TestCaseTellsItsDispatcher(t *testing.T) {
	ct := newCaseTest(t, "praise", friday1000) // marketing deals cases round robin
	ct.cfg.Policy.Departments["marketing"] = withMode(ct.cfg.Policy.Departments["marketing"], policy.AssignRoundRobin)
	ct.at(time.Minute, func() {
		ct.env.SignalWorkflow(SignalAssign, signedAssignment(ct.env, SignalAssign, CaseAssignment{Department: "marketing", Agent: "maya", Mode: policy.AssignRoundRobin}))
	})
	ct.at(2*time.Minute, func() {
		if v := ct.state(); v.Assignee != "maya" {
			t.Errorf("assignee %q", v.Assignee)
		}
		ct.env.SignalWorkflow(SignalUnassign, signedAssignment(ct.env, SignalUnassign, CaseAssignment{Department: "marketing", Agent: "maya", Reason: "went off shift"}))
	})
	ct.at(3*time.Minute, func() { ct.act("handoff", "handoff", "max", casestateAction("pr", "a journalist")) })
	ct.at(4*time.Minute, func() { ct.act("resolve", "resolve", "paul", casestateAction("", "no reply needed")) })
	ct.run()
	// The assignment is not echoed back: the dispatcher dealt it.
	if got, want := ct.dispatcherMessages(), "marketing:queued: marketing:queued: marketing:gone:"; got != want {
		t.Fatalf("dispatcher messages %s, want %s", got, want)
	}
	// Maya hears of it.
	var assigned []casestate.Notice
	for _, n := range ct.notified() {
		if n.Kind == casestate.NoticeAssigned {
			assigned = append(assigned, n)
		}
	}
	if len(assigned) != 1 || assigned[0].To != "marketing/maya" {
		t.Fatalf("assignment notices %+v, want one to marketing/maya", assigned)
	}
}

// Marketing's dispatcher deals the case to maya just as an agent hands it
// to PR: her assignment lands after the handoff and is not taken, so PR's
// board, which has it queued, deals it to one of its own, and marketing's
// board hears it is gone.
func TestADealFromTheOldOwnerAfterAHandoffIsNotTaken(t *testing.T) {
	ct := newCaseTest(t, "praise", friday1000)
	for _, d := range []string{"marketing", "pr"} {
		ct.cfg.Policy.Departments[d] = withMode(ct.cfg.Policy.Departments[d], policy.AssignRoundRobin)
	}
	ct.at(time.Minute, func() { ct.act("handoff", "handoff", "max", casestateAction("pr", "a journalist")) })
	ct.at(2*time.Minute, func() {
		ct.env.SignalWorkflow(SignalAssign, signedAssignment(ct.env, SignalAssign, CaseAssignment{Department: "marketing", Agent: "maya", Mode: policy.AssignRoundRobin}))
	})
	ct.at(3*time.Minute, func() {
		if v := ct.state(); v.Assignee != "" || v.Department != "pr" {
			t.Errorf("after marketing's late deal: %s's, assignee %q", v.Department, v.Assignee)
		}
		ct.env.SignalWorkflow(SignalAssign, signedAssignment(ct.env, SignalAssign, CaseAssignment{Department: "pr", Agent: "paul", Mode: policy.AssignRoundRobin}))
	})
	ct.at(4*time.Minute, func() {
		if v := ct.state(); v.Assignee != "paul" {
			t.Errorf("PR's deal was not taken: assignee %q", v.Assignee)
		}
		ct.act("resolve", "resolve", "paul", casestateAction("", "no reply needed"))
	})
	ct.run()
	if got, want := ct.dispatcherMessages(), "marketing:queued: marketing:gone: pr:queued: pr:gone:"; got != want {
		t.Fatalf("dispatcher messages %s, want %s", got, want)
	}
}

// notified is every notice the case sent, as the notifier wrote them.
func (ct *caseTest) notified() []casestate.Notice {
	ct.t.Helper()
	var out []casestate.Notice
	if _, err := jsonl.Read(ct.notifications, 1<<20, func(line []byte) error {
		var n casestate.Notice
		if err := json.Unmarshal(line, &n); err != nil {
			return err
		}
		out = append(out, n)
		return nil
	}); err != nil {
		ct.t.Fatal(err)
	}
	return out
}

// dispatcherMessages are the messages the case sent its dispatchers, as
// department:kind:agent.
func (ct *caseTest) dispatcherMessages() string {
	var got []string
	for _, r := range ct.dispatched {
		got = append(got, r.Department+":"+r.Event.Kind+":"+r.Event.Agent)
	}
	return strings.Join(got, " ")
}

// dispatcherRace runs a dispatcher whose assignment signal to a case takes
// a minute to land; 30 seconds into it, the agent it went to goes off shift.
// With continueAsNew, the server suggests continuing as new in between. It
// returns the dispatcher's environment, run up to the end, and the cases
// it unassigned.
func dispatcherRace(t *testing.T, in DispatcherInput, continueAsNew bool) (*testsuite.TestWorkflowEnvironment, []string) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(logging.Temporal(zap.NewNop()))
	env := suite.NewTestWorkflowEnvironment()
	registerTrusting(env)
	var mu sync.Mutex
	var unassigned []string
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalAssign, mock.Anything).After(time.Minute).Return(nil)
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalUnassign, mock.Anything).Return(
		func(_, caseID, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			unassigned = append(unassigned, caseID+" from "+arg.(CaseAssignment).Agent)
			return nil
		})
	shift := func(on bool) {
		id := fmt.Sprint("ana ", on)
		env.UpdateWorkflow(UpdateShift, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("shift: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, signedShift(env, id, ShiftRequest{Actor: policy.Actor{ID: "ana", Departments: []string{"marketing"}}, Agent: "ana", Capacity: 5, On: on}))
	}
	t0 := time.Date(2015, 11, 22, 9, 0, 0, 0, time.UTC)
	env.RegisterDelayedCallback(func() { shift(true) }, time.Second)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalQueueEvent, signedQueueEvent(env, QueueEvent{Kind: QueueQueued, CaseID: "case/x/1", Priority: policy.P3, At: t0}))
	}, 2*time.Second)
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(continueAsNew) }, 10*time.Second)
	env.RegisterDelayedCallback(func() { shift(false) }, 32*time.Second)
	if !continueAsNew {
		env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	}
	env.ExecuteWorkflow(DispatcherWorkflowName, in)
	mu.Lock()
	defer mu.Unlock()
	return env, unassigned
}

// An agent who goes off shift while the dispatcher is still telling a case
// it is theirs gets the case taken back at once, not at the next queue event.
func TestDispatcherWakesForAShiftDuringAnAssignment(t *testing.T) {
	env, unassigned := dispatcherRace(t, DispatcherInput{Board: dispatch.Board{Department: "marketing", Mode: policy.AssignRoundRobin}}, false)
	if fmt.Sprint(unassigned) != "[case/x/1 from ana]" {
		t.Fatalf("unassigned %v, want case/x/1 taken back from ana", unassigned)
	}
	res, err := env.QueryWorkflow(QueryBoard)
	if err != nil {
		t.Fatal(err)
	}
	var b dispatch.Board
	if err := res.Get(&b); err != nil {
		t.Fatal(err)
	}
	if len(b.Agents) != 1 || b.Agents[0].OnShift || len(b.Agents[0].Cases) != 0 {
		t.Fatalf("board %+v", b.Agents)
	}
}

// A dispatcher that continues as new with cases still to release hands them
// to its next run, which releases them first.
func TestDispatcherCarriesReleasedCasesThroughContinueAsNew(t *testing.T) {
	env, unassigned := dispatcherRace(t, DispatcherInput{Board: dispatch.Board{Department: "marketing", Mode: policy.AssignRoundRobin}}, true)
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("did not continue as new: %v", err)
	}
	var next DispatcherInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if len(unassigned) != 0 || fmt.Sprint(next.Released) != "[{case/x/1 ana}]" {
		t.Fatalf("released now %v, carried %+v; want case/x/1 carried to the next run", unassigned, next.Released)
	}

	_, unassigned = dispatcherRace(t, next, false)
	if len(unassigned) == 0 || unassigned[0] != "case/x/1 from ana" {
		t.Fatalf("the next run unassigned %v, want case/x/1 from ana first", unassigned)
	}
}
