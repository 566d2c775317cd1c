package workflows_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/publish"
	. "github.com/switchboard-care/switchboard/workflows"
)

// When Temporal suggests it, a case continues as new, though not while a
// reply is going out. The next run carries the case: its steps stay in the
// run that recorded them, what the rules read of them comes along (a
// reply's request token still refuses a resubmission, a follow-up's id a
// redelivery), and the trail goes on where it stopped.
func TestACaseContinuesAsNewCarryingItself(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.publishTakes = time.Minute
	reply := casestate.Action{Text: "Sorry! A fix ships today.", Request: "form-1"}
	follow := ct.post
	follow.ID, follow.InReplyTo, follow.ThreadID, follow.Text = "x-101", ct.post.ID, ct.post.ID, "still crashing on 4.1"
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() { ct.act(reply.Request, casestate.ActionReply, "sam", reply) })
	ct.at(2*time.Minute+10*time.Second, func() { ct.env.SetContinueAsNewSuggested(true) }) // while the reply is going out
	ct.at(2*time.Minute+30*time.Second, func() {
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, follow))
	})
	ct.env.ExecuteWorkflow(CaseWorkflowName, ct.input())
	var can *workflow.ContinueAsNewError
	if !errors.As(ct.env.GetWorkflowError(), &can) {
		t.Fatalf("the case ended with %v, not continue-as-new", ct.env.GetWorkflowError())
	}
	if err := ct.errs[reply.Request]; err != nil {
		t.Fatalf("reply: %v", err)
	}
	var next CaseInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	carried := next.Carried
	if carried == nil {
		t.Fatal("nothing carried")
	}
	if len(carried.Case.Events) != 0 || carried.Case.Steps() != 6 || len(carried.Case.Earlier) != 1 || carried.Case.Earlier[0].Last != 6 {
		t.Fatalf("carried %d steps in %+v: the run continued with the reply or the follow-up in flight, or took its steps along",
			carried.Case.Steps(), carried.Case.Earlier)
	}
	if fmt.Sprint(carried.Case.SeenPosts) != "[x-100 x-101]" || fmt.Sprint(carried.Case.SeenRequests) != "[form-1]" {
		t.Fatalf("carried posts %v, requests %v", carried.Case.SeenPosts, carried.Case.SeenRequests)
	}
	if carried.Queue.Kind != QueueClaimed || carried.Queue.Agent != "sam" || carried.Shown.Assignee != "sam" {
		t.Fatalf("carried queue %+v, shown %+v", carried.Queue, carried.Shown)
	}
	first := ct.events()
	if got := strings.Join(kinds(first), " "); got != "opened triaged queued claimed customer_wrote replied" {
		t.Fatalf("the first run's trail %s", got)
	}

	// The next run, from the carried input.
	second := newCaseTest(t, "complaint", friday1000.Add(3*time.Minute))
	second.at(time.Minute, func() {
		second.act("again", casestate.ActionReply, "sam", reply)
		second.env.SignalWorkflow(SignalCustomerPost, signedPost(second.env, follow)) // redelivered
	})
	second.at(2*time.Minute, func() {
		second.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "4.2 is out now", Request: "form-2"})
	})
	second.at(4*time.Minute, func() {
		second.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	second.env.ExecuteWorkflow(CaseWorkflowName, next)
	if err := second.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if err := second.errs["again"]; err == nil || !strings.Contains(err.Error(), "rule duplicate-request") {
		t.Fatalf("the first run's reply resubmitted: %v, want rule duplicate-request", err)
	}
	res, err := second.env.QueryWorkflow(QueryEventsPage, EventsPageRequest{From: 0})
	if err != nil {
		t.Fatal(err)
	}
	var early EventsPage
	if err := res.Get(&early); err != nil || early.Run != carried.Case.Earlier[0].Run || early.RunLast != 6 || early.Total != 8 {
		t.Fatalf("a page of the first run's steps from the second: %+v %v", early, err)
	}
	ev := second.events()
	if got := strings.Join(kinds(ev), " "); got != "replied resolved" {
		t.Fatalf("the second run's trail %s", got)
	}
	for i, e := range ev {
		if e.Seq != 7+i {
			t.Fatalf("step %d has seq %d", i, e.Seq)
		}
	}
	if ev[0].Text != "4.2 is out now" {
		t.Fatalf("second run's reply %+v", ev[0])
	}
	for _, outbox := range []string{ct.outbox, second.outbox} {
		if sent, err := publish.ReadOutbox(outbox); err != nil || len(sent) != 1 {
			t.Fatalf("outbox %s: %+v, %v", outbox, sent, err)
		}
	}
	if len(second.dispatched) != 0 {
		t.Fatalf("the next run told the dispatcher again: %+v", second.dispatched)
	}
}
