package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/switchboard-care/switchboard/workflows"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
)

type step struct {
	kind  casestate.ActionKind
	agent string
	a     casestate.Action
}

// TestEveryValidatorRule drives each rule once refused and once allowed,
// through Workflow Updates on a running case.
func TestEveryValidatorRule(t *testing.T) {
	claim := func(agent string) step { return step{casestate.ActionClaim, agent, casestate.Action{}} }
	cases := []struct {
		rule    string
		intent  string // support complaint unless set
		setup   []step
		refused step
		allowed step
	}{
		{rule: "department-member", refused: claim("maya"), allowed: claim("cora")},
		{rule: "already-claimed", setup: []step{claim("sam")}, refused: claim("sam"), allowed: step{casestate.ActionNote, "sam", casestate.Action{Text: "looking"}}},
		{rule: "collision", setup: []step{claim("sam")}, refused: claim("sofia"), allowed: claim("sue")},
		{rule: "not-claimed", refused: step{casestate.ActionRelease, "sam", casestate.Action{}}, allowed: claim("sam")},
		{rule: "claim-first", refused: step{casestate.ActionReply, "sam", casestate.Action{Text: "hi"}}, allowed: claim("sam")},
		{rule: "text-required", setup: []step{claim("sam")}, refused: step{casestate.ActionReply, "sam", casestate.Action{Text: " "}}, allowed: step{casestate.ActionReply, "sam", casestate.Action{Text: "hi"}}},
		{rule: "handoff-target", refused: step{casestate.ActionHandoff, "sam", casestate.Action{To: "support", Text: "x"}}, allowed: step{casestate.ActionHandoff, "sam", casestate.Action{To: "legal", Text: "a threat"}}},
		{rule: "escalation-top", setup: []step{
			{casestate.ActionEscalate, "sam", casestate.Action{Text: "1"}}, {casestate.ActionEscalate, "sam", casestate.Action{Text: "2"}}, {casestate.ActionEscalate, "sam", casestate.Action{Text: "3"}},
		}, refused: step{casestate.ActionEscalate, "sam", casestate.Action{Text: "4"}}, allowed: step{casestate.ActionNote, "sam", casestate.Action{Text: "at the top"}}},
		{rule: "case-resolved", refused: step{casestate.ActionReopen, "sam", casestate.Action{Text: "again"}}, allowed: step{casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded}}},
		{rule: "no-draft", intent: "press", refused: step{casestate.ActionApprove, "paul", casestate.Action{}}, allowed: claim("priya")},
		{rule: "approver", intent: "press", setup: []step{claim("priya"), {casestate.ActionReply, "priya", casestate.Action{Text: "statement"}}},
			refused: step{casestate.ActionApprove, "maya", casestate.Action{}}, allowed: step{casestate.ActionApprove, "paul", casestate.Action{}}},
		{rule: "four-eyes", intent: "press", setup: []step{claim("priya"), {casestate.ActionReply, "priya", casestate.Action{Text: "statement"}}},
			refused: step{casestate.ActionApprove, "priya", casestate.Action{}}, allowed: step{casestate.ActionReject, "petra", casestate.Action{Text: "too long"}}},
		{rule: "approval-pending", intent: "press", setup: []step{claim("priya"), {casestate.ActionReply, "priya", casestate.Action{Text: "statement"}}},
			refused: step{casestate.ActionReply, "priya", casestate.Action{Text: "another"}}, allowed: step{casestate.ActionNote, "priya", casestate.Action{Text: "chasing paul"}}},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			ct := newCaseTest(t, "complaint", friday1000)
			if tc.intent == "press" { // a pr-owned property: replies need a pr approver
				ct.post.Property = "@acme_news"
			}
			for i, s := range tc.setup {
				ct.at(time.Duration(i+1)*time.Minute, func() { ct.act(fmt.Sprintf("setup %d", i), s.kind, s.agent, s.a) })
			}
			n := time.Duration(len(tc.setup)+1) * time.Minute
			ct.at(n, func() { ct.act("refused", tc.refused.kind, tc.refused.agent, tc.refused.a) })
			ct.at(n+time.Minute, func() { ct.act("allowed", tc.allowed.kind, tc.allowed.agent, tc.allowed.a) })
			ct.at(n+2*time.Minute, func() { ct.env.CancelWorkflow() })
			ct.env.ExecuteWorkflow(CaseWorkflowName, ct.input())
			for i := range tc.setup {
				if err := ct.errs[fmt.Sprintf("setup %d", i)]; err != nil {
					t.Fatalf("setup %d: %v", i, err)
				}
			}
			if err := ct.errs["refused"]; err == nil || !strings.Contains(err.Error(), "rule "+tc.rule+":") {
				t.Fatalf("refused: %v, want rule %s", err, tc.rule)
			}
			if err := ct.errs["allowed"]; err != nil {
				t.Fatalf("allowed: %v", err)
			}
		})
	}
}

func TestApprovalOfPublicReplies(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.post.Property = "@acme_news" // owned by pr: every public reply needs a pr approver
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "priya", casestate.Action{}) })
	ct.at(2*time.Minute, func() {
		ct.act("draft", casestate.ActionReply, "priya", casestate.Action{Text: "We are sorry, a fix ships today."})
	})
	ct.at(3*time.Minute, func() {
		v := ct.state()
		if v.Status != casestate.StatusAwaitingApproval || v.Draft == nil || v.Response == nil {
			t.Errorf("after draft: status %s draft %+v", v.Status, v.Draft)
		}
		if sent, _ := publish.ReadOutbox(ct.outbox); len(sent) != 0 {
			t.Error("a draft was published before approval")
		}
		ct.act("reject", casestate.ActionReject, "paul", casestate.Action{Text: "don't promise dates"})
	})
	ct.at(4*time.Minute, func() {
		v := ct.state()
		if v.Status != casestate.StatusOpen || v.Draft != nil {
			t.Errorf("after reject: %s %+v", v.Status, v.Draft)
		}
		ct.act("draft2", casestate.ActionReply, "priya", casestate.Action{Text: "We are sorry, a fix is on the way."})
	})
	// Nobody approves: the approval clock (pr P3: 1h) warns, then breaches and escalates.
	ct.at(64*time.Minute+30*time.Second, func() {
		v := ct.state()
		if !v.Draft.Clock.Breached || !v.SLABreached || v.Escalation.Level != 1 {
			t.Errorf("approval not breached: %+v escalation %+v", v.Draft.Clock, v.Escalation)
		}
		ct.act("approve", casestate.ActionApprove, "paul", casestate.Action{})
	})
	ct.at(70*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "priya", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	sent, err := publish.ReadOutbox(ct.outbox)
	if err != nil || len(sent) != 1 || sent[0].Text != "We are sorry, a fix is on the way." {
		t.Fatalf("outbox %+v %v", sent, err)
	}
	got := strings.Join(kinds(ct.events()), " ")
	if !strings.Contains(got, "drafted rejected drafted sla_warning sla_breach escalated approved replied") {
		t.Fatalf("timeline %s", got)
	}
	approved, _ := findEvent(ct.events(), casestate.EventApproved)
	if approved.Actor != "paul" || !strings.Contains(approved.SLA, "approval breached") {
		t.Fatalf("approved event %+v", approved)
	}
	replied, _ := findEvent(ct.events(), casestate.EventReplied)
	if replied.Actor != "priya" || replied.Ref == "" {
		t.Fatalf("the reply is priya's, published: %+v", replied)
	}
}

func TestIdleClaimGoesBackToTheQueue(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000) // support: claim_idle 2h
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Hour, func() {
		if v := ct.state(); v.Assignee != "sam" {
			t.Errorf("released early: %q", v.Assignee)
		}
	})
	ct.at(2*time.Hour+2*time.Minute, func() {
		if v := ct.state(); v.Assignee != "" {
			t.Errorf("idle claim kept: %q", v.Assignee)
		}
		ct.act("take over", casestate.ActionClaim, "sofia", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "sofia", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	if err := ct.errs["take over"]; err != nil {
		t.Fatal(err)
	}
	rel, ok := findEvent(ct.events(), casestate.EventReleased)
	if !ok || rel.Actor != "switchboard" || !rel.At.Equal(friday1000.Add(2*time.Hour+time.Minute)) {
		t.Fatalf("release %+v", rel)
	}
}

func withMode(d policy.Department, mode string) policy.Department {
	d.Assignment.Mode = mode
	return d
}

func casestateAction(to, text string) casestate.Action { return casestate.Action{To: to, Text: text} }

// On an account matter a public reply may only invite the customer to a
// private message; the validator refuses anything else before it is recorded.
func TestPrivateChannelRuleOnReplies(t *testing.T) {
	ct := newCaseTest(t, "account_issue", friday1000)
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() {
		ct.act("public details", casestate.ActionReply, "sam", casestate.Action{Text: "Your refund of £42.10 for order 4471 went to the card ending 1234."})
		ct.act("invitation", casestate.ActionReply, "sam", casestate.Action{Text: "Sorry about this! Please send us a DM so we can look at your order.", AwaitCustomer: true})
	})
	ct.at(3*time.Minute, func() {
		ct.act("private details", casestate.ActionReply, "sam", casestate.Action{Text: "Your refund for order 4471 is on its way.", Private: true})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	if err := ct.errs["public details"]; err == nil || !strings.Contains(err.Error(), "private") {
		t.Fatalf("public reply with account details: %v", err)
	}
	for _, label := range []string{"invitation", "private details", "resolve"} {
		if err := ct.errs[label]; err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	sent, err := publish.ReadOutbox(ct.outbox)
	if err != nil || len(sent) != 2 || sent[0].Private || !sent[1].Private {
		t.Fatalf("outbox %+v %v", sent, err)
	}
}

func TestEditsAndDeletionsAreRecorded(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.at(time.Minute, func() {
		ct.env.SignalWorkflow(SignalPostEdit, signedEdit(ct.env, PostEdit{PostID: "x-100", Text: "my app keeps crashing on Android"}))
	})
	ct.at(2*time.Minute, func() {
		ct.env.SignalWorkflow(SignalPostEdit, signedEdit(ct.env, PostEdit{PostID: "x-100", Deleted: true}))
	})
	ct.at(3*time.Minute, func() {
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	edited, ok := findEvent(ct.events(), casestate.EventPostEdited)
	if !ok || edited.Text != "my app keeps crashing on Android" || edited.Ref != "x-100" {
		t.Fatalf("edit %+v", edited)
	}
	if _, ok := findEvent(ct.events(), casestate.EventPostDeleted); !ok {
		t.Fatalf("no deletion in %v", kinds(ct.events()))
	}
	if ev := ct.events(); ev[0].Text != "my app keeps crashing" {
		t.Fatalf("the original text was lost: %q", ev[0].Text)
	}
}

// Signals taken in one pass are each decoded on their own: a field missing
// from one payload is not carried over from the one before it.
func TestSignalsInOnePassKeepTheirOwnFields(t *testing.T) {
	ct := newCaseTest(t, "praise", friday1000) // marketing: the case tells its dispatcher
	// While the case tells its dispatcher it is queued, the signals pile up
	// and the next pass takes them together.
	ct.dispatchTakes = time.Minute
	ct.at(30*time.Second, func() {
		follow := ct.post
		follow.ID, follow.InReplyTo, follow.Text = "x-101", "x-100", "still crashing"
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, follow))
		anonymous := post.Post{ID: "x-102", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1"}, InReplyTo: "x-100", Text: "hello?", CreatedAt: friday1000}
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, anonymous))
		ct.env.SignalWorkflow(SignalPostEdit, signedEdit(ct.env, PostEdit{PostID: "x-100", Deleted: true}))
		ct.env.SignalWorkflow(SignalPostEdit, signedEdit(ct.env, PostEdit{PostID: "x-101", Text: "still crashing on Android"}))
	})
	ct.at(2*time.Minute, func() { ct.act("claim", casestate.ActionClaim, "maya", casestate.Action{}) })
	ct.at(5*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "maya", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	var got []string
	for _, e := range ct.events() {
		switch e.Kind {
		case casestate.EventCustomer, casestate.EventPostEdited, casestate.EventPostDeleted:
			got = append(got, fmt.Sprintf("%s %s by %q: %q", e.Kind, e.Ref, e.Actor, e.Text))
		}
	}
	want := []string{
		`customer_wrote x-101 by "@jane": "still crashing"`,
		`customer_wrote x-102 by "": "hello?"`,
		`post_deleted x-100 by "@jane": ""`,
		`post_edited x-101 by "@jane": "still crashing on Android"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trail\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
