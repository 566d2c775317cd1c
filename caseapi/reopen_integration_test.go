package caseapi_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/workflows"
)

// EnvRecordReopen makes TestAResolvedCaseReopensAsItsNextRun save the
// reopened run's history for the replay test, as workflows/testdata/<its
// value>.json.
const EnvRecordReopen = "SWITCHBOARD_RECORD_REOPEN"

// A resolved case's run completes. Inside the reopen window a follow-up,
// and then an agent, reopen it: each a new run of the same case, carrying
// the whole trail, with a fresh next-response clock. Outside the window a
// follow-up opens a case of its own, and an agent's reopen is refused.
func TestAResolvedCaseReopensAsItsNextRun(t *testing.T) {
	h := newHarness(t)
	first := xPost("re-1", "kim", "My headphones stopped charging after a week")
	id := first.CaseID()
	if _, err := h.cases.Submit(h.ctx, first); err != nil {
		t.Fatal(err)
	}
	h.act(id, casestate.ActionClaim, "sam", casestate.Action{})
	h.act(id, casestate.ActionReply, "sam", casestate.Action{Text: "Sorry Kim! Try the other cable, please."})
	h.act(id, casestate.ActionResolve, "sam", casestate.Action{Text: "cable swap"})
	h.waitCompleted(id)
	resolvedRun := h.runs(id)
	h.eventually("listed as resolved, while it may reopen", func() error {
		return h.listedAs("resolved", id, true)
	})

	follow := xPost("re-2", "kim", "Nope, still won't charge")
	follow.InReplyTo = first.ID
	if out, err := h.cases.Submit(h.ctx, follow); err != nil || !out.Joined || out.CaseID != id {
		t.Fatalf("follow-up inside the window: %+v %v", out, err)
	}
	v := h.waitStatus(id, casestate.StatusOpen)
	if v.Response == nil || v.Response.Kind != casestate.ClockNextResponse || v.Assignee != "sam" {
		t.Fatalf("reopened: %+v", v)
	}
	if runs := h.runs(id); len(runs) != 2 || runs[1] != resolvedRun[0] {
		t.Fatalf("runs %v after the follow-up, want a second after %v", runs, resolvedRun)
	}
	h.act(id, casestate.ActionReply, "sam", casestate.Action{Text: "We'll send a replacement."})
	h.act(id, casestate.ActionResolve, "sam", casestate.Action{Text: "replacement sent"})
	h.waitCompleted(id)

	// An agent's reopen: the update comes with the third run's start.
	if out := h.act(id, casestate.ActionReopen, "sam", casestate.Action{Text: "the replacement is faulty too"}); out.Status != casestate.StatusOpen {
		t.Fatalf("agent reopen: %+v", out)
	}
	h.act(id, casestate.ActionResolve, "sam", casestate.Action{Text: "refunded"})
	h.waitCompleted(id)
	if runs := h.runs(id); len(runs) != 3 {
		t.Fatalf("runs %v, want 3", runs)
	}
	events, err := h.cases.Events(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, string(e.Kind))
	}
	want := "opened triaged queued claimed replied resolved customer_wrote reopened replied resolved reopened resolved"
	if strings.Join(got, " ") != want {
		t.Fatalf("the whole trail from the newest run\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if name := os.Getenv(EnvRecordReopen); name != "" {
		h.saveHistory(h.runHistory(id, h.runs(id)[1]), name) // the run a follow-up reopened
	}

	// Outside the window: a case resolved with a window of a second.
	h.cases.Policy.SLA.ReopenWindow = time.Second
	short := xPost("re-3", "lee", "Where can I buy a spare charger?")
	if _, err := h.cases.Submit(h.ctx, short); err != nil {
		t.Fatal(err)
	}
	h.act(short.CaseID(), casestate.ActionResolve, "sam", casestate.Action{Text: "answered"})
	h.waitCompleted(short.CaseID())
	time.Sleep(1500 * time.Millisecond)
	_, err = h.cases.Act(h.ctx, short.CaseID(), casestate.ActionReopen, "sam", casestate.Action{Text: "one more question"})
	var refused *caseapi.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "rule reopen-window") {
		t.Fatalf("reopen after the window: %v", err)
	}
	late := xPost("re-4", "lee", "And does it fit the older model?")
	late.InReplyTo = short.ID
	if out, err := h.cases.Submit(h.ctx, late); err != nil || !out.Started || out.CaseID != late.CaseID() {
		t.Fatalf("follow-up after the window: %+v %v, want a case of its own", out, err)
	}
	if runs := h.runs(short.CaseID()); len(runs) != 1 {
		t.Fatalf("the closed case has runs %v", runs)
	}
	if err := h.listedAs("resolved", short.CaseID(), false); err != nil {
		t.Fatal(err)
	}
}

// listedAs checks whether cases list --status status lists id.
func (h *harness) listedAs(status, id string, want bool) error {
	list, err := h.cases.List(h.ctx, caseapi.Filter{Status: status})
	if err != nil {
		return err
	}
	listed := slices.ContainsFunc(list, func(s caseapi.Summary) bool { return s.CaseID == id })
	if listed != want {
		return fmt.Errorf("%s listed as %s: %t, want %t", id, status, listed, want)
	}
	return nil
}

// waitCompleted waits for the case's latest run to complete.
func (h *harness) waitCompleted(id string) {
	h.t.Helper()
	var res workflows.CaseResult
	if err := h.tc.GetWorkflow(h.ctx, id, "").Get(h.ctx, &res); err != nil {
		h.t.Fatalf("case %s: %v", id, err)
	}
}
