package whatif_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/slareport"
	"github.com/switchboard-care/switchboard/whatif"
)

// t0 is a Wednesday morning in London and New York's working day.
var t0 = time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)

// pastStep is one thing a person did on a case, minutes after it opened.
type pastStep struct {
	after int
	kind  casestate.ActionKind
	agent string
	text  string
	// how, for the steps that take more than a text
	private, await bool
	intent         string
}

// pastCase runs a post through the case as it really went, under pol:
// the recorded set the what-if replays.
func pastCase(t testing.TB, pol policy.Policy, dir *policy.Directory, p post.Post, intent string, steps ...pastStep) slareport.Case {
	t.Helper()
	return pastTriaged(t, pol, dir, p, policy.Triage{Intent: intent, Confidence: 0.95, Language: "en", Redacted: p.Text}, steps...)
}

// pastTriaged is pastCase with triage's whole reading of the post.
func pastTriaged(t testing.TB, pol policy.Policy, dir *policy.Directory, p post.Post, tri policy.Triage, steps ...pastStep) slareport.Case {
	t.Helper()
	c := casestate.Open(p, tri, pol, nil, p.CreatedAt)
	for i, s := range steps {
		at := p.CreatedAt.Add(time.Duration(s.after) * time.Minute)
		c.Advance(at)
		agent, err := dir.Lookup(s.agent)
		if err != nil {
			t.Fatal(err)
		}
		a := casestate.Action{Actor: agent.Actor(), Text: s.text, Request: fmt.Sprintf("%s/%d", p.ID, i), Private: s.private, AwaitCustomer: s.await, Intent: s.intent}
		if _, err := c.Apply(s.kind, a, "ref", at); err != nil {
			t.Fatalf("%s: %s by %s: %v", p.ID, s.kind, s.agent, err)
		}
	}
	c.Advance(t0.Add(72 * time.Hour))
	return slareport.Case{View: c.View(), Events: c.Events}
}

// recordedPast is 45 cases: 30 complaints to Digital Support answered
// 10, 13, 16 … 97 minutes after they came in; 10 pieces of feedback on
// Facebook that Marketing answered within two hours; 5 legal threats
// answered by Legal after an approval and resolved.
func recordedPast(t testing.TB, pol policy.Policy, dir *policy.Directory) []slareport.Case {
	var past []slareport.Case
	for i := range 30 {
		p := post.Post{ID: fmt.Sprintf("c%02d", i), Platform: "x", Property: "@acme_help", Author: post.Author{ID: fmt.Sprintf("u%d", i), Handle: "@cust"},
			Text: "the app crashes when I open my basket", CreatedAt: t0.Add(time.Duration(7*i) * time.Minute)}
		reply := 10 + 3*i
		past = append(past, pastCase(t, pol, dir, p, "complaint",
			pastStep{after: reply - 2, kind: casestate.ActionClaim, agent: "sam", text: ""},
			pastStep{after: reply, kind: casestate.ActionReply, agent: "sam", text: "Sorry! We are on it."},
			pastStep{after: reply + 120, kind: casestate.ActionResolve, agent: "sam", text: ""}))
	}
	for i := range 10 {
		p := post.Post{ID: fmt.Sprintf("f%02d", i), Platform: "facebook", Property: "acme", Author: post.Author{ID: fmt.Sprintf("fb%d", i), Handle: "fan"},
			Text: "it would be nice to have the teapot in green", CreatedAt: t0.Add(6*time.Hour + time.Duration(11*i)*time.Minute)}
		past = append(past, pastCase(t, pol, dir, p, "feedback",
			pastStep{after: 100, kind: casestate.ActionClaim, agent: "maya", text: ""},
			pastStep{after: 110, kind: casestate.ActionReply, agent: "maya", text: "Thanks, we have passed it on!"}))
	}
	for i := range 5 {
		p := post.Post{ID: fmt.Sprintf("l%02d", i), Platform: "x", Property: "@acme_help", Author: post.Author{ID: fmt.Sprintf("l%d", i), Handle: "@angry"},
			Text: "my solicitor will be in touch", CreatedAt: t0.Add(time.Duration(13*i) * time.Minute)}
		past = append(past, pastCase(t, pol, dir, p, "legal_threat",
			pastStep{after: 2, kind: casestate.ActionClaim, agent: "lena", text: ""},
			pastStep{after: 5, kind: casestate.ActionReply, agent: "lena", text: "We have received your message and will reply formally."},
			pastStep{after: 12, kind: casestate.ActionApprove, agent: "leo", text: ""},
			pastStep{after: 30, kind: casestate.ActionResolve, agent: "lena", text: ""}))
	}
	return past
}

func policies(t testing.TB) (before, after policy.Policy, dir *policy.Directory) {
	t.Helper()
	cur, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	next, err := config.Load("testdata/faster-support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cur.Policy, next.Policy, cur.Directory()
}

// The new policy moves exactly the feedback cases to Digital Support and
// halves its P3 target: attainment falls by the replies that took 31 to
// 60 minutes, exactly.
func TestANewPolicyOnAKnownPast(t *testing.T) {
	before, after, dir := policies(t)
	past := recordedPast(t, before, dir)
	rep := whatif.Compare(past, before, after, whatif.Options{Since: t0, AsOf: t0.Add(72 * time.Hour)})

	if rep.Cases != 45 || rep.Faithful != 45 {
		t.Errorf("%d cases, %d replayed faithfully under the policy they ran under: want 45 and 45", rep.Cases, rep.Faithful)
	}
	var moved []string
	for _, m := range rep.Moved {
		moved = append(moved, m.CaseID)
		if m.From != (whatif.Route{Department: "marketing", Priority: "P4"}) || m.To != (whatif.Route{Department: "support", Priority: "P4"}) || len(m.Reasons) == 0 {
			t.Errorf("move %+v", m)
		}
	}
	var feedback []string
	for i := range 10 {
		feedback = append(feedback, fmt.Sprintf("case/facebook/f%02d", i))
	}
	if !slices.Equal(moved, feedback) {
		t.Errorf("moved %q, want the feedback cases %q", moved, feedback)
	}
	row := func(dept, prio string) whatif.RowChange {
		for _, r := range rep.Rows {
			if r.Department == dept && r.Priority == prio {
				return r
			}
		}
		t.Fatalf("no row %s %s in %+v", dept, prio, rep.Rows)
		return whatif.RowChange{}
	}
	// Replies at 10 + 3i minutes: 17 of 30 within an hour, 7 within 30 minutes.
	sp3 := row("support", "P3")
	if b, a := sp3.Figures.Before.FirstResponse, sp3.Figures.After.FirstResponse; b.Met != 17 || b.Missed != 13 || a.Met != 7 || a.Missed != 23 {
		t.Errorf("support P3 first responses: before %+v, after %+v", b, a)
	}
	if m := row("marketing", "P4"); m.Figures.Before.Cases != 10 || m.Figures.After != nil {
		t.Errorf("marketing P4: %+v", m.Figures)
	}
	if s := row("support", "P4"); s.Figures.Before != nil || s.Figures.After.Cases != 10 || s.Figures.After.FirstResponse.Met != 10 {
		t.Errorf("support P4: %+v", s.Figures)
	}
	// All 45: 32 met before, 22 after.
	wantPoints := (22.0 - 32.0) / 45 * 100
	if p := rep.Total.Points; p == nil || math.Abs(*p-wantPoints) > 1e-9 {
		t.Errorf("total attainment change %v points, want %.4f", p, wantPoints)
	}
	if rep.Fired.Before.Breaches != 13 || rep.Fired.After.Breaches != 23 || rep.Fired.Before.Approvals != 5 || rep.Fired.After.Approvals != 5 || rep.Fired.After.NewApprovals != 0 {
		t.Errorf("fired %+v", rep.Fired)
	}
	load := map[string]whatif.Load{}
	for _, l := range rep.Load {
		load[l.Department] = l
	}
	if m := load["marketing"].ByHour; m.Before[15]+m.Before[16] != 10 || m.After != [24]int{} {
		t.Errorf("marketing's load by hour: %+v", m)
	}
}

// --fail-if bounds: the known past's change fails "attainment drops > 2
// points" and passes a bound it stays within.
func TestConditions(t *testing.T) {
	before, after, dir := policies(t)
	rep := whatif.Compare(recordedPast(t, before, dir), before, after, whatif.Options{Since: t0, AsOf: t0.Add(72 * time.Hour)})
	for text, fails := range map[string]bool{
		"attainment drops > 2 points": true, "attainment drops > 25": false, "breaches rises > 9": true, "breaches rises > 10": false,
		"moved > 9": true, "moved > 10": false, "escalations drops > 0": false,
	} {
		c, err := whatif.ParseCondition(text)
		if err != nil {
			t.Fatal(err)
		}
		if failed, why := c.Failed(rep); failed != fails || (failed && why == "") {
			t.Errorf("%q: failed %t (%s), want %t", text, failed, why, fails)
		}
	}
	for _, bad := range []string{"attainment drops", "latency rises > 3", "moved drops > 2", ""} {
		if _, err := whatif.ParseCondition(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// BenchmarkCompare10000 is one what-if over 10,000 past cases (the known
// past's mix, repeated with their times spread over 30 days), each
// replayed under both policies. The baseline is the SLA report of the same
// cases, which the what-if computes twice besides the replays.
func BenchmarkCompare10000(b *testing.B) {
	before, after, dir := policies(b)
	mix := recordedPast(b, before, dir)
	past := make([]slareport.Case, 10000)
	for i := range past {
		c := mix[i%len(mix)]
		shift := time.Duration(i/len(mix)) * 3 * time.Hour
		c.View.ID = fmt.Sprintf("%s-%d", c.View.ID, i)
		c.View.OpenedAt = c.View.OpenedAt.Add(shift)
		c.View.Post.CreatedAt = c.View.Post.CreatedAt.Add(shift)
		events := slices.Clone(c.Events)
		for j := range events {
			events[j].At = events[j].At.Add(shift)
		}
		c.Events = events
		past[i] = c
	}
	opt := whatif.Options{Since: t0, AsOf: t0.Add(31 * 24 * time.Hour)}
	b.Run("sla-report", func(b *testing.B) {
		for b.Loop() {
			slareport.Compute(past, slareport.Options{Since: opt.Since, AsOf: opt.AsOf})
		}
	})
	b.Run("whatif", func(b *testing.B) {
		for b.Loop() {
			whatif.Compare(past, before, after, opt)
		}
	})
}

// Under the policy they ran under, the past's harder turns replay as they
// went: a lead taking a case over, an escalation by hand, a private reply
// on an account matter, a drafted question approved, a post that needed
// review confirmed by a person.
func TestThePastReplaysAsItWent(t *testing.T) {
	before, _, dir := policies(t)
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	xPost := func(id, property, text string, when time.Time) post.Post {
		return post.Post{ID: id, Platform: "x", Property: property, Author: post.Author{ID: "a" + id, Handle: "@c" + id}, Text: text, CreatedAt: when}
	}
	past := []slareport.Case{
		pastCase(t, before, dir, xPost("h1", "@acme_help", "the app crashes", at(1)), "complaint",
			pastStep{after: 5, kind: casestate.ActionClaim, agent: "sam"}, pastStep{after: 20, kind: casestate.ActionClaim, agent: "sue"},
			pastStep{after: 25, kind: casestate.ActionReply, agent: "sue", text: "On it."}, pastStep{after: 30, kind: casestate.ActionResolve, agent: "sue"}),
		pastCase(t, before, dir, xPost("h2", "@acme_help", "still broken after a week", at(2)), "complaint",
			pastStep{after: 5, kind: casestate.ActionClaim, agent: "sam"}, pastStep{after: 10, kind: casestate.ActionEscalate, agent: "sam", text: "needs the lead"},
			pastStep{after: 90, kind: casestate.ActionReply, agent: "sam", text: "Sorry for the wait."}),
		pastCase(t, before, dir, xPost("h3", "@acme_help", "I was charged twice for my order", at(3)), "account_issue",
			pastStep{after: 5, kind: casestate.ActionClaim, agent: "sam"},
			pastStep{after: 10, kind: casestate.ActionReply, agent: "sam", text: "Sorry! Your order number, please?", private: true, await: true}),
		pastCase(t, before, dir, xPost("h4", "@acme_news", "journalist here: comment on the recall?", at(4)), "press_inquiry",
			pastStep{after: 5, kind: casestate.ActionClaim, agent: "priya"},
			pastStep{after: 8, kind: casestate.ActionReply, agent: "priya", text: "Which outlet are you with?", await: true},
			pastStep{after: 20, kind: casestate.ActionApprove, agent: "paul"}),
		pastTriaged(t, before, dir, xPost("h5", "@acme_help", "hmm the basket thing again", at(5)),
			policy.Triage{Intent: "complaint", Confidence: 0.4, NeedsReview: true, Language: "en", Redacted: "hmm the basket thing again"},
			pastStep{after: 3, kind: casestate.ActionRelabel, agent: "sam", intent: "complaint", text: "yes, a complaint"},
			pastStep{after: 6, kind: casestate.ActionClaim, agent: "sam"}, pastStep{after: 9, kind: casestate.ActionReply, agent: "sam", text: "Sorry about that."}),
	}
	rep := whatif.Compare(past, before, before, whatif.Options{Since: t0, AsOf: t0.Add(72 * time.Hour)})
	if rep.Faithful != len(past) || len(rep.Fired.Before.Refused) > 0 || len(rep.Moved) > 0 {
		t.Errorf("replayed faithfully %d of %d; refused %v; moved %+v", rep.Faithful, len(past), rep.Fired.Before.Refused, rep.Moved)
	}
	if rep.Fired.Before.Escalations < 1 || rep.Fired.Before.Approvals != 1 {
		t.Errorf("fired %+v", rep.Fired.Before)
	}
}
