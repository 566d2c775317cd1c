package caseapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/workflows"
)

func newSigner(t *testing.T) *assertion.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return assertion.NewSigner(key)
}

// An attacker who can reach Temporal but holds no trusted signing key
// sends Updates with the Temporal client directly: a forged actor, a real
// agent's id, a signature by another key, an expired or replayed or
// misdirected assertion, an oversized id, a forged approver. Each is
// refused by the case's validator: the history holds no accepted Update
// and the case still runs. The same claim through caseapi, which signs it,
// is taken.
func TestForgedUpdatesAreRefusedOnARealServer(t *testing.T) {
	h := newHarness(t)
	p := xPost("forged-1", "jane", "my order never arrived and nobody answers")
	p.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	id := p.CaseID()
	h.waitStatus(id, casestate.StatusOpen)
	samAgent, err := h.cfg.Directory().Lookup("sam")
	if err != nil {
		t.Fatal(err)
	}
	sam := samAgent.Actor()
	claim := workflows.UpdateName(casestate.ActionClaim)
	signed := func(s *assertion.Signer, a casestate.Action, target, update, request string, at time.Time) casestate.Action {
		tok, err := s.Sign(a.Actor, assertion.For{Target: target, Action: update, Request: request, Digest: assertion.Digest(a)}, at)
		if err != nil {
			t.Fatal(err)
		}
		a.Proof = tok
		return a
	}
	now := time.Now()
	attempts := []struct {
		name, update, updateID string
		action                 casestate.Action
	}{
		{"a forged actor without proof", claim, "f1", casestate.Action{Actor: policy.Actor{ID: "ghost", Departments: []string{"support", "pr"}, Roles: []string{"lead"}}}},
		{"a real agent without proof", claim, "f2", casestate.Action{Actor: sam}},
		{"signed by another key", claim, "f3", signed(newSigner(t), casestate.Action{Actor: sam}, id, claim, "f3", now)},
		{"expired", claim, "f4", signed(h.cases.Signer, casestate.Action{Actor: sam}, id, claim, "f4", now.Add(-time.Hour))},
		{"replayed under another update id", claim, "f5", signed(h.cases.Signer, casestate.Action{Actor: sam}, id, claim, "f5-original", now)},
		{"signed for another case", claim, "f6", signed(h.cases.Signer, casestate.Action{Actor: sam}, "case/x/other", claim, "f6", now)},
		{"signed for another action", claim, "f7", signed(h.cases.Signer, casestate.Action{Actor: sam}, id, "resolve", "f7", now)},
		{"an actor id of 5,000 characters", claim, "f8", casestate.Action{Actor: policy.Actor{ID: strings.Repeat("g", 5000), Departments: []string{"support"}}}},
		{"a forged approver", workflows.UpdateName(casestate.ActionApprove), "f9", casestate.Action{Actor: policy.Actor{ID: "ghost-approver", Departments: []string{"support"}, Roles: []string{"approver"}}}},
	}
	for _, a := range attempts {
		handle, err := h.tc.UpdateWorkflow(h.ctx, client.UpdateWorkflowOptions{UpdateID: a.updateID, WorkflowID: id, UpdateName: a.update,
			Args: []any{a.action}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = handle.Get(h.ctx, nil)
		}
		if err == nil || !strings.Contains(err.Error(), "signed-actor") {
			t.Errorf("%s: %v, want refused by rule signed-actor", a.name, err)
		} else {
			t.Logf("%s: refused: %v", a.name, err)
		}
	}
	iter := h.tc.GetWorkflowHistory(h.ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			t.Errorf("a forged update was accepted: %v", e)
		}
	}
	desc, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("the case after the attempts: %v %v", desc.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	if out := h.act(id, casestate.ActionClaim, "sam", casestate.Action{}); out.Assignee != "sam" {
		t.Errorf("the signed claim: %+v", out)
	}
}

// The same attacker sends the case's signals with the Temporal client
// directly, as a reading of the Temporal docs suggests: a follow-up posted
// as an impostor, a forged edit, an assignment to a ghost, and a follow-up
// copied from the case's own history. Signals always land in the history,
// so what is checked is the case: its trail holds none of them, it still
// runs, and a signed follow-up through caseapi is taken.
func TestForgedSignalsAreRefusedOnARealServer(t *testing.T) {
	h := newHarness(t)
	p := xPost("forged-sig-1", "jane", "my order never arrived and nobody answers")
	p.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	id := p.CaseID()
	h.waitStatus(id, casestate.StatusOpen)
	honest := xPost("forged-sig-2", "jane", "still nothing, order 4471")
	honest.InReplyTo = p.ID
	if out, err := h.cases.Submit(h.ctx, honest); err != nil || !out.Joined {
		t.Fatalf("the honest follow-up: %+v %v", out, err)
	}
	h.eventually("the honest follow-up in the trail", func() error { return trailHas(h, id, "still nothing") })
	copied := signalFromHistory(h, id, workflows.SignalCustomerPost)

	impostor := xPost("forged-sig-3", "impostor", "planted: DM me your card number")
	impostor.InReplyTo = p.ID
	impostor.Author.Handle = "@impostor"
	stranger := newSigner(t)
	strangersProof, err := stranger.SignSignal(workflows.SenderIntake, assertion.For{Target: id, Action: workflows.SignalCustomerPost,
		Digest: assertion.Digest(workflows.CustomerPost{Post: impostor})}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	forged := []struct {
		name, signal string
		arg          any
	}{
		{"an impostor's follow-up", workflows.SignalCustomerPost, workflows.CustomerPost{Post: impostor}},
		{"an impostor's follow-up signed by another key", workflows.SignalCustomerPost, workflows.CustomerPost{Post: impostor, Proof: strangersProof}},
		{"a forged edit", workflows.SignalPostEdit, workflows.PostEdit{PostID: p.ID, Text: "planted: I take it all back"}},
		{"an assignment to a ghost", workflows.SignalAssign, workflows.CaseAssignment{Agent: "ghost", Mode: policy.AssignRoundRobin}},
		{"a follow-up copied from the history", workflows.SignalCustomerPost, copied},
	}
	for _, f := range forged {
		if err := h.tc.SignalWorkflow(h.ctx, id, "", f.signal, f.arg); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	// A signed signal after them: once it is in the trail, the case has
	// taken (or refused) everything before it.
	last := xPost("forged-sig-4", "jane", "hello? anyone?")
	last.InReplyTo = p.ID
	if _, err := h.cases.Submit(h.ctx, last); err != nil {
		t.Fatal(err)
	}
	h.eventually("the last follow-up in the trail", func() error { return trailHas(h, id, "hello? anyone?") })
	v, err := h.cases.State(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	events, err := h.cases.Events(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	follows := 0
	for _, e := range events {
		if strings.Contains(e.Text, "planted") || strings.Contains(e.Detail, "ghost") {
			t.Errorf("a forged signal reached the trail: %+v", e)
		}
		if e.Kind == casestate.EventCustomer {
			follows++
		}
	}
	if follows != 2 || v.Assignee != "" {
		t.Errorf("%d follow-ups (want 2), assignee %q", follows, v.Assignee)
	}
	desc, err := h.tc.DescribeWorkflowExecution(h.ctx, id, "")
	if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("the case after the attempts: %v %v", desc.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	// Her second case starts her journey.
	second := xPost("forged-sig-5", "jane", "and the refund for order 4402?")
	if _, err := h.cases.Submit(h.ctx, second); err != nil {
		t.Fatal(err)
	}
	refusesForgedJourneySignals(h, p.CustomerKey())
}

// refusesForgedJourneySignals plants a case in a customer's journey and
// merges it into an attacker's, with no key: the journey takes neither and
// keeps running. A signed report follows them, so once the journey shows
// it, the forged ones were already refused.
func refusesForgedJourneySignals(h *harness, customerID string) {
	h.t.Helper()
	jid := workflows.JourneyID(customerID)
	report := func(caseID string) workflows.CaseReport {
		return workflows.CaseReport{CaseUpdate: journey.CaseUpdate{Case: journey.Case{CaseID: caseID, Channel: "x", Department: "legal", Status: "open", Since: time.Now()}}}
	}
	signed := report("case/x/signed-after-the-forged")
	var err error
	if signed.Proof, err = h.cases.Signer.SignSignal(workflows.SenderCase, assertion.For{Target: jid, Action: workflows.SignalCaseUpdate, Digest: assertion.Digest(signed)}, time.Now()); err != nil {
		h.t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		arg  any
	}{
		{workflows.SignalCaseUpdate, report("case/x/planted")},
		{workflows.SignalMergeInto, workflows.MergeInto{Primary: "x:attacker"}},
		{workflows.SignalCaseUpdate, signed},
	} {
		if err := h.tc.SignalWorkflow(h.ctx, jid, "", s.name, s.arg); err != nil {
			h.t.Fatalf("%s: %v", s.name, err)
		}
	}
	var index journey.Index
	h.eventually("the signed report in the journey", func() error {
		res, err := h.tc.QueryWorkflow(h.ctx, jid, "", workflows.QueryJourney)
		if err == nil {
			err = res.Get(&index)
		}
		if err == nil && !slices.ContainsFunc(index.Cases, func(c journey.Case) bool { return c.CaseID == signed.Case.CaseID }) {
			err = errors.New("not yet")
		}
		return err
	})
	if slices.ContainsFunc(index.Cases, func(c journey.Case) bool { return c.CaseID == "case/x/planted" }) || index.MergedInto != "" {
		h.t.Errorf("journey %+v: a forged signal was taken", index)
	}
}
func trailHas(h *harness, id, text string) error {
	events, err := h.cases.Events(h.ctx, id)
	if err != nil {
		return err
	}
	for _, e := range events {
		if strings.Contains(e.Text, text) {
			return nil
		}
	}
	return errors.New("not yet")
}

// signalFromHistory is the payload of the first signal name in the case's
// history, as anyone who can read it could copy it.
func signalFromHistory(h *harness, id, name string) workflows.CustomerPost {
	h.t.Helper()
	for _, e := range h.history(id).Events {
		if a := e.GetWorkflowExecutionSignaledEventAttributes(); a != nil && a.GetSignalName() == name {
			var sig workflows.CustomerPost
			if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &sig); err != nil {
				h.t.Fatal(err)
			}
			return sig
		}
	}
	h.t.Fatalf("no %s signal in %s's history", name, id)
	return workflows.CustomerPost{}
}
