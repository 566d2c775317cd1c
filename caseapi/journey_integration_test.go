package caseapi_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/bench"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/workflows"
)

// TestJourneyFloodLosesNothingAcrossContinueAsNew sends a journey far more
// case reports than one run takes, from many senders at once; every case
// must be in the index, in order, after several runs.
func TestJourneyFloodLosesNothingAcrossContinueAsNew(t *testing.T) {
	h := newHarness(t)
	const n, perRun = 600, 100
	id := workflows.JourneyID("x:flood")
	memo, in := workflows.NewJourney("x:flood")
	in.EventsPerRun = perRun
	if _, err := h.tc.ExecuteWorkflow(h.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: h.cfg.Temporal.TaskQueue, Memo: memo},
		workflows.JourneyWorkflowName, in); err != nil {
		t.Fatal(err)
	}
	// Two waves of eight concurrent senders; a run drains every buffered
	// signal before it continues, so a wave may exceed one run's share.
	for wave := range 2 {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := wave*n/2 + w; i < (wave+1)*n/2; i += 8 {
					u := journey.CaseUpdate{Case: journey.Case{CaseID: fmt.Sprintf("case/x/flood-%04d", i), Status: "closed",
						Since: t0.Add(time.Duration(i) * time.Second)}, Closed: true}
					r := workflows.CaseReport{CaseUpdate: u}
					proof, err := h.cases.Signer.SignSignal(workflows.SenderCase, assertion.For{Target: id, Action: workflows.SignalCaseUpdate, Digest: assertion.Digest(r)}, time.Now())
					if err != nil {
						errs <- err
						continue
					}
					r.Proof = proof
					errs <- h.tc.SignalWorkflow(h.ctx, id, "", workflows.SignalCaseUpdate, r)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		h.eventually("wave recorded", func() error {
			c, err := h.cases.Customer(h.ctx, "x:flood")
			if err == nil && len(c.Cases) != (wave+1)*n/2 {
				err = fmt.Errorf("%d of %d", len(c.Cases), (wave+1)*n/2)
			}
			return err
		})
	}
	c, err := h.cases.Customer(h.ctx, "x:flood")
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range c.Cases {
		if k.CaseID != fmt.Sprintf("case/x/flood-%04d", i) || !k.Closed {
			t.Fatalf("case %d out of order or open: %+v", i, k)
		}
	}
	runs := 0
	var token []byte
	for {
		resp, err := h.tc.ListWorkflow(h.ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'ContinuedAsNew'", id), NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		runs += len(resp.Executions)
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	if runs < 2 {
		t.Fatalf("only %d runs continued as new for %d signals at %d per run", runs, n, perRun)
	}
	if who := h.journeyMemo("x:flood"); who.CustomerID != "x:flood" { // carried across runs
		t.Fatalf("memo after %d runs: %+v", runs, who)
	}
	t.Logf("%d cases over %d continued runs", n, runs)
}

// TestOneCustomerAcrossChannels: a customer posts on X and on Facebook; an
// agent links the two; a second Facebook post goes to the open X case's
// department and assignee; the journey and its export hold all of it in order.
func TestOneCustomerAcrossChannels(t *testing.T) {
	h := newHarness(t)
	onX := xPost("j-1", "jane", "My order 4471 never arrived and nobody answers, I want a refund")
	if _, err := h.cases.Submit(h.ctx, onX); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(onX.CaseID(), casestate.StatusOpen)
	h.act(onX.CaseID(), casestate.ActionClaim, "sam", casestate.Action{})

	onFB := xPost("fb-1", "fb-5521", "Hi, it's Jane again, where is my parcel?")
	onFB.Platform, onFB.Property = "facebook", "acme"
	onFB.CreatedAt = t0.Add(time.Minute)
	if _, err := h.cases.Submit(h.ctx, onFB); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(onFB.CaseID(), casestate.StatusOpen)

	linked, err := h.cases.Link(h.ctx, "x:jane", "facebook:fb-5521", "sam")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(linked.Aliases, "facebook:fb-5521") {
		t.Fatalf("aliases %v", linked.Aliases)
	}
	if _, err := h.cases.Link(h.ctx, "x:jane", "x:jane", "sam"); err == nil || !strings.Contains(err.Error(), "rule identity") {
		t.Fatalf("self link: %v", err)
	}
	h.eventually("facebook journey merged", func() error {
		j, err := h.cases.Journey(h.ctx, "facebook:fb-5521")
		if err != nil {
			return err
		}
		if j.CustomerID != "x:jane" {
			return errors.New("facebook identity still has its own journey: " + j.CustomerID)
		}
		return nil
	})

	// Who the customer is lives in the journeys' memos, so finding a new
	// post's journey and open case asks no worker: no billable query.
	again := onFB
	again.ID, again.Text, again.CreatedAt = "fb-2", "Any news on my delivery?? It has been a week", t0.Add(2*time.Minute)
	if who := h.journeyMemo("facebook:fb-5521"); who.MergedInto != "x:jane" {
		t.Fatalf("facebook journey's memo %+v, want merged into x:jane", who)
	}
	if who := h.journeyMemo("x:jane"); !slices.Contains(who.Aliases, "facebook:fb-5521") {
		t.Fatalf("x:jane journey's memo %+v, want the facebook alias", who)
	}
	queries := &bench.QueryCounter{}
	counted, err := client.NewClientFromExisting(h.tc, client.Options{Interceptors: []interceptor.ClientInterceptor{queries}})
	if err != nil {
		t.Fatal(err)
	}
	lookup := *h.cases
	lookup.Temporal = counted
	journeyID, cont, err := lookup.CustomerContext(h.ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if journeyID != workflows.JourneyID("x:jane") || cont == nil || cont.CaseID != onX.CaseID() || cont.Assignee != "sam" {
		t.Fatalf("customer context: journey %s, continuity %+v", journeyID, cont)
	}
	if n := queries.Count(); n != 0 {
		t.Fatalf("finding the customer took %d queries, want none", n)
	}

	// A later Facebook post is routed by continuity to the open X case's owner.
	if _, err := h.cases.Submit(h.ctx, again); err != nil {
		t.Fatal(err)
	}
	v := h.waitStatus(again.CaseID(), casestate.StatusOpen)
	if v.Department != "support" || v.Assignee != "sam" {
		t.Fatalf("continuity: department %s assignee %q, want support/sam", v.Department, v.Assignee)
	}

	var j journey.Journey
	h.eventually("journey holds all three cases", func() (err error) {
		j, err = h.cases.Journey(h.ctx, "facebook:fb-5521")
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, m := range j.Timeline {
			seen[m.CaseID] = true
		}
		if !seen[onX.CaseID()] || !seen[onFB.CaseID()] || !seen[again.CaseID()] {
			return fmt.Errorf("cases in the journey: %v", seen)
		}
		return nil
	})
	for i := 1; i < len(j.Timeline); i++ {
		if j.Timeline[i].At.Before(j.Timeline[i-1].At) {
			t.Fatalf("timeline out of order at %d", i)
		}
	}
	// The export is built from the same durable record and agrees with each
	// case's own history: every accepted update appears as its step.
	exported, err := h.cases.Journey(h.ctx, "x:jane")
	if err != nil {
		t.Fatal(err)
	}
	rows := exported.Timeline
	for _, id := range []string{onX.CaseID(), onFB.CaseID(), again.CaseID()} {
		var updates []string
		for _, e := range h.history(id).Events {
			if e.EventType == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
				updates = append(updates, e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName())
			}
		}
		var exported []string
		for _, r := range rows {
			if r.CaseID == id && r.Actor != "switchboard" && (r.Kind == "claimed" || r.Kind == "replied" || r.Kind == "resolved" || r.Kind == "handed_off") {
				exported = append(exported, r.Kind)
			}
		}
		if len(updates) != len(exported) {
			t.Fatalf("%s: history has updates %v, export has %v", id, updates, exported)
		}
		events, err := h.cases.Events(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows {
			if r.CaseID == id {
				n++
			}
		}
		if n != len(events) {
			t.Fatalf("%s: %d steps exported, case trail has %d", id, n, len(events))
		}
	}
	if name := os.Getenv(EnvRecordJourneys); name != "" {
		h.saveHistory(h.history(workflows.JourneyID("x:jane")), name+"-primary")
		h.saveHistory(h.history(workflows.JourneyID("facebook:fb-5521")), name+"-merged")
	}
}

// A private message has no thread; the customer's second one joins their
// open case on that channel instead of opening another.
func TestPrivateMessagesJoinTheOpenCase(t *testing.T) {
	h := newHarness(t)
	dm := xPost("dm-1", "lee", "Hi, I can't log in to my account since yesterday")
	dm.Private = true
	if out, err := h.cases.Submit(h.ctx, dm); err != nil || !out.Started {
		t.Fatalf("first DM: %+v %v", out, err)
	}
	h.waitStatus(dm.CaseID(), casestate.StatusOpen)
	h.eventually("the journey knows the open case", func() error {
		j, err := h.cases.Journey(h.ctx, "x:lee")
		if err == nil && len(j.Open()) != 1 {
			err = fmt.Errorf("open cases %v", j.Open())
		}
		return err
	})
	second := dm
	second.ID, second.Text = "dm-2", "Any update? Still locked out"
	out, err := h.cases.Submit(h.ctx, second)
	if err != nil || !out.Joined || out.CaseID != dm.CaseID() {
		t.Fatalf("second DM: %+v %v", out, err)
	}
	public := xPost("pub-1", "lee", "Is the app down for everyone??")
	if out, err := h.cases.Submit(h.ctx, public); err != nil || !out.Started {
		t.Fatalf("a public post opens its own case: %+v %v", out, err)
	}
}

// journeyMemo is the identity a customer's journey shows in its memo.
func (h *harness) journeyMemo(customerID string) journey.Identity {
	h.t.Helper()
	var who journey.Identity
	h.eventually("memo of "+customerID+"'s journey", func() error {
		d, err := h.tc.DescribeWorkflowExecution(h.ctx, workflows.JourneyID(customerID), "")
		if err != nil {
			return err
		}
		p, ok := d.GetWorkflowExecutionInfo().GetMemo().GetFields()[workflows.MemoIdentity]
		if !ok {
			return errors.New("no identity in the memo")
		}
		return converter.GetDefaultDataConverter().FromPayload(p, &who)
	})
	return who
}

// A one-post customer has no journey workflow (it would cost a start and a
// report for nothing): their journey is read from visibility and the case.
// Their second case starts it, holding the first.
func TestAJourneyStartsAtTheSecondCase(t *testing.T) {
	h := newHarness(t)
	first := xPost("lazy-1", "lena", "My parcel 7781 is a week late")
	if _, err := h.cases.Submit(h.ctx, first); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(first.CaseID(), casestate.StatusOpen)
	if _, err := h.tc.DescribeWorkflowExecution(h.ctx, workflows.JourneyID("x:lena"), ""); err == nil {
		t.Fatal("a journey started for the customer's first case")
	}
	j, err := h.cases.Journey(h.ctx, "x:lena")
	if err != nil || len(j.Cases) != 1 || j.Cases[0].CaseID != first.CaseID() || len(j.Timeline) == 0 {
		t.Fatalf("a one-post customer's journey: %+v %v", j, err)
	}
	second := xPost("lazy-2", "lena", "Also, can I change my delivery address?")
	if _, err := h.cases.Submit(h.ctx, second); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(second.CaseID(), casestate.StatusOpen)
	res, err := h.tc.QueryWorkflow(h.ctx, workflows.JourneyID("x:lena"), "", workflows.QueryJourney)
	if err != nil {
		t.Fatalf("no journey at the second case: %v", err)
	}
	var index journey.Index
	if err := res.Get(&index); err != nil {
		t.Fatal(err)
	}
	if len(index.Cases) != 1 || index.Cases[0].CaseID != first.CaseID() {
		t.Fatalf("the journey began with %+v, want the first case", index.Cases)
	}
}
