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
}

// pastCase runs a post through the case as it really went, under pol:
// the recorded set the what-if replays.
func pastCase(t testing.TB, pol policy.Policy, dir *policy.Directory, p post.Post, intent string, steps ...pastStep) slareport.Case {
	t.Helper()
	c := casestate.Open(p, policy.Triage{Intent: intent, Confidence: 0.95, Language: "en", Redacted: p.Text}, pol, nil, p.CreatedAt)
	for i, s := range steps {
		at := p.CreatedAt.Add(time.Duration(s.after) * time.Minute)
		c.Advance(at)
		agent, err := dir.Lookup(s.agent)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Apply(s.kind, casestate.Action{Actor: agent.Actor(), Text: s.text, Request: fmt.Sprintf("%s/%d", p.ID, i)}, "ref", at); err != nil {
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
			pastStep{reply - 2, casestate.ActionClaim, "sam", ""},
			pastStep{reply, casestate.ActionReply, "sam", "Sorry! We are on it."},
			pastStep{reply + 120, casestate.ActionResolve, "sam", ""}))
	}
	for i := range 10 {
		p := post.Post{ID: fmt.Sprintf("f%02d", i), Platform: "facebook", Property: "acme", Author: post.Author{ID: fmt.Sprintf("fb%d", i), Handle: "fan"},
			Text: "it would be nice to have the teapot in green", CreatedAt: t0.Add(6*time.Hour + time.Duration(11*i)*time.Minute)}
		past = append(past, pastCase(t, pol, dir, p, "feedback",
			pastStep{100, casestate.ActionClaim, "maya", ""},
			pastStep{110, casestate.ActionReply, "maya", "Thanks, we have passed it on!"}))
	}
	for i := range 5 {
		p := post.Post{ID: fmt.Sprintf("l%02d", i), Platform: "x", Property: "@acme_help", Author: post.Author{ID: fmt.Sprintf("l%d", i), Handle: "@angry"},
			Text: "my solicitor will be in touch", CreatedAt: t0.Add(time.Duration(13*i) * time.Minute)}
		past = append(past, pastCase(t, pol, dir, p, "legal_threat",
			pastStep{2, casestate.ActionClaim, "lena", ""},
			pastStep{5, casestate.ActionReply, "lena", "We have received your message and will reply formally."},
			pastStep{12, casestate.ActionApprove, "leo", ""},
			pastStep{30, casestate.ActionResolve, "lena", ""}))
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
