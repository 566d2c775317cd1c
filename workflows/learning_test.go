package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
)

// Spam waits in the property's responder's spam queue with no clocks; any
// action but a rescue (or a note) is refused; unrescued, it closes when the
// queue's time is up.
func TestSpamWaitsInTheQueueThenCloses(t *testing.T) {
	ct := newCaseTest(t, "spam", friday1000)
	ct.at(time.Minute, func() {
		v := ct.state()
		if v.Status != casestate.StatusSpam || v.Department != "support" || v.Response != nil || v.Resolution != nil || v.SpamCloseAt == nil {
			t.Errorf("in the queue: %+v", v)
		}
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("rescue as spam", casestate.ActionRescue, "sam", casestate.Action{Intent: "spam"})
		ct.act("rescue as nonsense", casestate.ActionRescue, "sam", casestate.Action{Intent: "gibberish"})
		ct.act("rescue by marketing", casestate.ActionRescue, "maya", casestate.Action{Intent: "complaint"})
	})
	final := ct.run()
	for label, rule := range map[string]string{"claim": "spam-queue", "rescue as spam": "rescue-intent", "rescue as nonsense": "rule intent", "rescue by marketing": "department-member"} {
		if err := ct.errs[label]; err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("%s: %v, want %s", label, err, rule)
		}
	}
	events := ct.events()
	if got := strings.Join(kinds(events), " "); got != "opened triaged spam_queued closed" {
		t.Fatalf("timeline %s", got)
	}
	if closed := events[len(events)-1]; closed.At.Sub(friday1000) != ct.cfg.Policy.SLA.SpamQueue || final.Status != casestate.StatusClosed {
		t.Fatalf("closed at %s: %+v", closed.At, closed)
	}
}

// A rescued post is a normal case whose clocks run from when it arrived:
// rescued two hours late, its one-hour first response is already breached
// and escalates; the rescue is kept as a correction for triage.
func TestRescueOpensACaseWithTheSLAFromArrival(t *testing.T) {
	ct := newCaseTest(t, "spam", friday1000)
	ct.at(2*time.Hour, func() {
		ct.act("rescue", casestate.ActionRescue, "sam", casestate.Action{Intent: "complaint", Text: "a real customer with a screenshot"})
	})
	ct.at(2*time.Hour+time.Minute, func() {
		v := ct.state()
		if v.Status != casestate.StatusOpen || v.Department != "support" || v.Intent != "complaint" || v.Response == nil {
			t.Fatalf("rescued: %+v", v)
		}
		if !v.Response.StartedAt.Equal(friday1000) || !v.SLABreached {
			t.Errorf("first response started %s, breached %t; want from arrival, breached", v.Response.StartedAt, v.SLABreached)
		}
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	if err := ct.errs["rescue"]; err != nil {
		t.Fatal(err)
	}
	got := strings.Join(kinds(ct.events()), " ")
	if !strings.HasPrefix(got, "opened triaged spam_queued rescued sla_warning sla_breach escalated") {
		t.Fatalf("timeline %s", got)
	}
	cs := corrections(t, ct)
	if len(cs) != 1 || cs[0].Intent != "complaint" || cs[0].Department != "support" || cs[0].Triaged != "spam" || cs[0].By != "sam" || cs[0].Post.ID != "x-100" {
		t.Fatalf("corrections %+v", cs)
	}
}

// A relabel to an intent routed elsewhere moves the case with a fresh
// clock, as a handoff does; a relabel within the department keeps its
// clocks; relabelling to the same intent is refused unless it confirms a
// post that needs review. Each relabel and handoff is a correction.
func TestRelabelMovesTheCaseAndRecordsTheCorrection(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.at(time.Minute, func() {
		ct.act("same", casestate.ActionRelabel, "sam", casestate.Action{Intent: "complaint", Text: "it is"})
		ct.act("no reason", casestate.ActionRelabel, "sam", casestate.Action{Intent: "question"})
		ct.act("question", casestate.ActionRelabel, "sam", casestate.Action{Intent: "question", Text: "asks how to update"})
	})
	ct.at(10*time.Minute, func() {
		ct.act("legal", casestate.ActionRelabel, "sam", casestate.Action{Intent: "legal_threat", Text: "says their solicitor has written to us"})
	})
	ct.at(11*time.Minute, func() {
		v := ct.state()
		if v.Department != "legal" || v.Priority != "P1" || v.Intent != "legal_threat" || !v.Response.StartedAt.Equal(friday1000.Add(10*time.Minute)) {
			t.Errorf("after relabel: %s %s %s, first response from %s", v.Department, v.Priority, v.Intent, v.Response.StartedAt)
		}
		ct.act("handoff", casestate.ActionHandoff, "lena", casestate.Action{To: "support", Text: "not a legal matter after all"})
	})
	ct.at(12*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, rule := range map[string]string{"same": "relabel-same", "no reason": "text-required"} {
		if err := ct.errs[label]; err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("%s: %v, want %s", label, err, rule)
		}
	}
	for _, label := range []string{"question", "legal", "handoff", "resolve"} {
		if err := ct.errs[label]; err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	cs := corrections(t, ct)
	var got []string
	for _, c := range cs {
		got = append(got, c.Intent+"→"+c.Department)
	}
	if strings.Join(got, " ") != "question→support legal_threat→legal →support" {
		t.Fatalf("corrections %v", got)
	}
}

func corrections(t *testing.T, ct *caseTest) []casestate.Correction {
	t.Helper()
	cs, err := ct.acts.Corrections.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// A post triage was unsure of needs review until a person confirms its
// intent (a relabel to the same intent) or corrects it; the confirmation
// is a correction too.
func TestNeedsReviewUntilConfirmed(t *testing.T) {
	ct := newCaseTest(t, "question", friday1000)
	ct.triage = fixedTriage{Intent: "question", Confidence: 0.4, Language: "en", NeedsReview: true, ModelVersion: "m1"}
	ct.at(time.Minute, func() {
		if v := ct.state(); !v.NeedsReview || v.ModelVersion != "m1" {
			t.Errorf("before review: needs review %t, model %q", v.NeedsReview, v.ModelVersion)
		}
		ct.act("confirm", casestate.ActionRelabel, "sam", casestate.Action{Intent: "question", Text: "yes, a question about sizes"})
	})
	ct.at(2*time.Minute, func() {
		if v := ct.state(); v.NeedsReview {
			t.Error("still needs review after confirmation")
		}
		ct.act("again", casestate.ActionRelabel, "sam", casestate.Action{Intent: "question", Text: "still a question"})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	if err := ct.errs["confirm"]; err != nil {
		t.Fatal(err)
	}
	if err := ct.errs["again"]; err == nil || !strings.Contains(err.Error(), "relabel-same") {
		t.Fatalf("second confirmation: %v", err)
	}
	if cs := corrections(t, ct); len(cs) != 1 || cs[0].Intent != "question" || cs[0].ModelVersion != "m1" {
		t.Fatalf("corrections %+v", cs)
	}
}
