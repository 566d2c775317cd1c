package caseapi_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
)

// EnvRecordContinued makes TestACaseContinuesAsNewOnARealServer save the
// histories of its first run (ending in continue-as-new) and its last, as
// workflows/testdata/<its value>-{first,last}.json.
const EnvRecordContinued = "SWITCHBOARD_RECORD_CONTINUED"

// A case whose history grows past what the server suggests continues as
// new, as often as it must, and stays one case: listed once with the time
// it opened, every follow-up's text readable (from the run that recorded
// it), its SLA clock and its owner carried, and actions work on it.
func TestACaseContinuesAsNewOnARealServer(t *testing.T) {
	// A server that suggests continue-as-new early, so a few dozen
	// follow-ups take a case through several runs.
	srv := devservertest.ForTest(t, "limit.historyCount.suggestContinueAsNew=120")
	s := stacktest.ForTestOnServer(t, nil, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	h := &harness{t: t, ctx: ctx, cfg: s.Config, tc: s.Temporal, cases: s.Cases}
	h.cases.Policy.SLA.ReopenWindow = 0

	root := xPost("long-run-0", "keeper", "my router drops every evening")
	root.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(ctx, root); err != nil {
		t.Fatal(err)
	}
	id := root.CaseID()
	opened := h.waitStatus(id, casestate.StatusOpen)
	h.act(id, casestate.ActionClaim, "sam", casestate.Action{})
	const followUps = 60
	for i := 1; i <= followUps; i++ {
		p := xPost(fmt.Sprintf("long-run-%d", i), "keeper", fmt.Sprintf("follow-up %d: it dropped again at %d:00", i, 18+i%5))
		p.InReplyTo, p.ThreadID, p.CreatedAt = root.ID, root.ID, root.CreatedAt.Add(time.Duration(i)*time.Second)
		if out, err := h.cases.Submit(ctx, p); err != nil || out.CaseID != id {
			t.Fatalf("follow-up %d: %+v %v", i, out, err)
		}
	}
	var events []casestate.Event
	h.eventually("every follow-up on the trail", func() (err error) {
		events, err = h.cases.Events(ctx, id)
		if err == nil && countKind(events, casestate.EventCustomer) != followUps {
			err = fmt.Errorf("%d follow-ups on the trail", countKind(events, casestate.EventCustomer))
		}
		return err
	})
	n := 0
	for i, e := range events {
		if e.Seq != i+1 {
			t.Fatalf("step %d: seq %d", i, e.Seq)
		}
		if e.Kind == casestate.EventCustomer {
			n++
			if want := fmt.Sprintf("follow-up %d: it dropped again at %d:00", n, 18+n%5); e.Text != want {
				t.Fatalf("follow-up %d reads %q, want %q", n, e.Text, want)
			}
		}
	}
	runs := h.runs(id)
	if len(runs) < 2 {
		t.Fatalf("%d runs for %d follow-ups: the case did not continue as new", len(runs), followUps)
	}
	list, err := h.cases.List(ctx, caseapi.Filter{CustomerID: "x:keeper"})
	if err != nil || len(list) != 1 || list[0].OpenedAt.Sub(opened.OpenedAt).Abs() > 2*time.Second {
		t.Fatalf("listed %+v (%v), want the case once, opened at %s", list, err, opened.OpenedAt)
	}
	v, err := h.cases.State(ctx, id)
	if err != nil || v.Assignee != "sam" || v.Response == nil || !v.OpenedAt.Equal(opened.OpenedAt) {
		t.Fatalf("state after %d runs: %+v %v", len(runs), v, err)
	}
	latest, total, err := h.cases.LatestEvents(ctx, id, 10)
	if err != nil || total != len(events) || len(latest) != 10 || latest[9].Seq != total {
		t.Fatalf("the newest 10 of %d: %d ending at %v, %v", len(events), len(latest), latest[len(latest)-1:], err)
	}
	h.act(id, casestate.ActionReply, "sam", casestate.Action{Text: "A technician is booked for Monday.", Request: "cli-1"})
	h.act(id, casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	h.waitStatus(id, casestate.StatusClosed)
	runs = h.runs(id)
	t.Logf("%d follow-ups: %d trail steps over %d runs", followUps, len(events)+3, len(runs))
	if name := os.Getenv(EnvRecordContinued); name != "" {
		h.saveHistory(h.runHistory(id, runs[len(runs)-1]), name+"-first") // the list is newest first
		h.saveHistory(h.runHistory(id, runs[0]), name+"-last")
	}

	// Retention deletes the first run (closed when the case continued)
	// while the case goes on: what it recorded is gone, the rest reads.
	first := runs[len(runs)-1]
	if _, err := h.tc.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: h.cfg.Temporal.Namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: first}}); err != nil {
		t.Fatal(err)
	}
	h.eventually("the first run deleted", func() error {
		_, err := h.tc.DescribeWorkflowExecution(ctx, id, first)
		if err == nil {
			return fmt.Errorf("run %s still there", first)
		}
		return nil
	})
	rest, err := h.cases.Events(ctx, id)
	if err != nil || len(rest) == 0 || rest[len(rest)-1].Kind != casestate.EventClosed || rest[0].Seq == 1 {
		t.Fatalf("after the first run's retention: %d steps from %v, %v", len(rest), rest[:min(len(rest), 1)], err)
	}
	if _, _, err := h.cases.LatestEvents(ctx, id, 200); err != nil {
		t.Fatalf("the newest steps after the first run's retention: %v", err)
	}
	t.Logf("after the first run's retention: %d of its %d steps read", len(rest), len(events)+3)
}

// runs lists a workflow's runs, newest first.
func (h *harness) runs(id string) []string {
	h.t.Helper()
	resp, err := h.tc.ListWorkflow(h.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	if err != nil {
		h.t.Fatal(err)
	}
	var runs []string
	for _, e := range resp.Executions {
		runs = append(runs, e.GetExecution().GetRunId())
	}
	return runs
}

func (h *harness) runHistory(id, run string) *historypb.History {
	h.t.Helper()
	it := h.tc.GetWorkflowHistory(h.ctx, id, run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			h.t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	return hist
}
