package casestate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// crashReport is what several tests start from: the test policy, a
// Friday morning, and a customer's post about a crash.
func crashReport() (policy.Policy, time.Time, post.Post) {
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	return testPolicy(), t0, post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "crash", CreatedAt: t0}
}

// An approval clock runs in the approver's hours, not the owner's: a draft
// on a Saturday for a 24×7 owner waits for pr's Monday morning.
func TestApprovalIsMeasuredInTheApproversHours(t *testing.T) {
	pol := testPolicy()
	london, _ := time.LoadLocation("Europe/London")
	saturday := time.Date(2015, 11, 21, 10, 0, 0, 0, london)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_news", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "refund please", CreatedAt: saturday}
	c := Open(p, policy.Triage{Intent: "account_issue"}, pol, nil, saturday)
	if c.Department != "support" || c.Approver != "pr" {
		t.Fatalf("owner %s approver %s", c.Department, c.Approver)
	}
	mustApply := func(kind ActionKind, who policy.Actor, a Action, at time.Time) {
		t.Helper()
		a.Actor = who
		if _, err := c.Apply(kind, a, "ref", at); err != nil {
			t.Fatalf("%s by %s: %v", kind, who.ID, err)
		}
	}
	mustApply(ActionClaim, sam, Action{}, saturday)
	mustApply(ActionReply, sam, Action{Text: "Please DM us your order number"}, saturday)
	monday := time.Date(2015, 11, 23, 8, 20, 0, 0, london) // pr opens at 08:00
	if due := c.Draft.Clock.DueAt.In(london); due.Weekday() != time.Monday || due.Hour() != 8 || due.Minute() != 30 {
		t.Fatalf("approval due %s, want Monday 08:30 (pr: 30m from 08:00)", due)
	}
	mustApply(ActionApprove, priya, Action{}, monday)
	var approved Event
	for _, e := range c.Events {
		if e.Kind == EventApproved {
			approved = e
		}
	}
	if !strings.Contains(approved.SLA, "approval met in 20m") || approved.Took != 20*time.Minute {
		t.Fatalf("approval outcome %q took %s, want 20m of pr's working time", approved.SLA, approved.Took)
	}
}

// With continuity, a customer's new post goes where their open case is,
// unless its intent is routed on its own.
func TestContinuityFollowsTheOpenCase(t *testing.T) {
	pol := testPolicy()
	now := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	p := post.Post{ID: "2", Platform: "facebook", Property: "acme", Author: post.Author{ID: "f1"}, Text: "any news?", CreatedAt: now}
	open := &Continuity{CaseID: "case/x/1", Department: "marketing", Assignee: "mo"}
	c := Open(p, policy.Triage{Intent: "question"}, pol, open, now)
	if c.Department != "marketing" || c.Assignee != "mo" {
		t.Fatalf("followed to %s/%q, want marketing/mo", c.Department, c.Assignee)
	}
	c = Open(p, policy.Triage{Intent: "press_inquiry"}, pol, open, now)
	if c.Department != "pr" || c.Assignee != "" {
		t.Fatalf("a press inquiry followed continuity to %s/%q", c.Department, c.Assignee)
	}
	if c = Open(p, policy.Triage{Intent: "question"}, pol, nil, now); c.Department != "support" {
		t.Fatalf("without continuity: %s", c.Department)
	}
}

// A reply published while the customer's silence resolved the case is
// recorded, and the case stays resolved.
func TestPublishedAfterTheCaseResolvedIsRecorded(t *testing.T) {
	pol, t0, p := crashReport()
	c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
	for _, step := range []struct {
		kind ActionKind
		a    Action
	}{{ActionClaim, Action{}}, {ActionReply, Action{Text: "Which version?", AwaitCustomer: true}}} {
		step.a.Actor = sam
		if _, err := c.Apply(step.kind, step.a, "ref-1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	again := Action{Actor: sam, Text: "Any news?"}
	msg, ok := c.ToPublish(ActionReply, again)
	if !ok {
		t.Fatal("nothing to publish")
	}
	c.Advance(t0.Add(time.Minute + pol.SLA.CustomerSilence)) // resolved while "Any news?" goes out
	if c.Status != StatusResolved {
		t.Fatalf("status %s", c.Status)
	}
	c.Published(ActionReply, again, msg, "ref-2", t0.Add(2*time.Minute+pol.SLA.CustomerSilence))
	last := c.Events[len(c.Events)-1]
	if last.Kind != EventReplied || last.Ref != "ref-2" || last.Actor != "sam" || last.Text != "Any news?" ||
		!strings.Contains(last.Detail, "rule case-active") || !strings.Contains(last.Detail, "the case stays resolved") {
		t.Fatalf("last event %+v", last)
	}
	if c.Status != StatusResolved {
		t.Fatalf("status %s after the late reply", c.Status)
	}
}

// The case keeps the opening post as triage redacted it, the same text its
// trail opens with, never the raw one.
func TestTheCaseKeepsTheOpeningPostRedacted(t *testing.T) {
	pol := testPolicy()
	at := time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"},
		Text: "card 5500 0000 0000 0004 charged twice", CreatedAt: at}
	c := Open(p, policy.Triage{Intent: "complaint", Redacted: "card [card] charged twice"}, pol, nil, at)
	if v := c.View(); v.Post.Text != "card [card] charged twice" || c.Events[0].Text != v.Post.Text {
		t.Fatalf("post %q, trail %q", v.Post.Text, c.Events[0].Text)
	}
}

// Every text an action carries is bounded, the optional ones too (a
// resolve's or a rescue's note): it would go into the case's history.
func TestAnOversizedOptionalTextIsRefused(t *testing.T) {
	pol := testPolicy()
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "buy followers", CreatedAt: t0}
	huge := strings.Repeat("x", post.MaxTextLength+1)
	open := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
	spam := Open(p, policy.Triage{Intent: "spam"}, pol, nil, t0)
	for name, tc := range map[string]struct {
		c    *Case
		kind ActionKind
		a    Action
	}{
		"resolve note": {open, ActionResolve, Action{Text: huge}},
		"rescue note":  {spam, ActionRescue, Action{Intent: "question", Text: huge}},
	} {
		tc.a.Actor = sam
		err := tc.c.Check(tc.kind, tc.a, t0)
		var rule *policy.RuleError
		if !errors.As(err, &rule) || rule.Rule != "text-too-long" {
			t.Errorf("%s: %v, want text-too-long", name, err)
		}
	}
}

// What only a forged signal could carry changes nothing: an assignment to
// no agent id (an oversized one would overflow the Assignee search
// attribute), a follow-up that is no valid post, an edit out of bounds.
func TestSignalsOutOfBoundsChangeNothing(t *testing.T) {
	pol := testPolicy()
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "where is my order", CreatedAt: t0}
	c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
	before := len(c.Events)
	dealt := func(agent string) Deal { return Deal{Department: c.Department, Agent: agent, Mode: "round_robin"} }
	if c.AssignTo(dealt(strings.Repeat("g", 5000)), t0) || c.AssignTo(dealt("ghost agent"), t0) {
		t.Error("assigned to an id no agent can have")
	}
	impostor := post.Post{ID: strings.Repeat("9", post.MaxIDBytes+1), Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@impostor"}, Text: "hi", CreatedAt: t0}
	c.CustomerWrote(impostor, t0)
	c.PostChanged(EventPostEdited, "1", strings.Repeat("x", post.MaxTextLength+1), t0)
	if len(c.Events) != before || c.Assignee != "" {
		t.Errorf("trail %d → %d events, assignee %q", before, len(c.Events), c.Assignee)
	}
	if !c.AssignTo(dealt("sam"), t0) {
		t.Error("a real agent id was not assigned")
	}
}

// A dispatcher that dealt a case just as it was handed off to another
// department neither assigns it nor takes it back: the case is the new
// owner's to deal.
func TestOnlyTheOwnersDispatcherDeals(t *testing.T) {
	pol := testPolicy()
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "where is my order", CreatedAt: t0}
	c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
	other := "marketing"
	if other == c.Department {
		t.Fatalf("the test needs a case outside %s", other)
	}
	before := len(c.Events)
	if c.AssignTo(Deal{Department: other, Agent: "maya", Mode: "round_robin"}, t0) || c.Assignee != "" || len(c.Events) != before {
		t.Fatalf("another department's deal was taken: assignee %q", c.Assignee)
	}
	if !c.AssignTo(Deal{Department: c.Department, Agent: "sam", Mode: "round_robin"}, t0) {
		t.Fatal("the owner's deal was not taken")
	}
	c.Unassign(Deal{Department: other, Agent: "sam", Reason: "went off shift"}, t0)
	if c.Assignee != "sam" {
		t.Fatalf("another department's dispatcher took the case back from sam")
	}
	c.Unassign(Deal{Department: c.Department, Agent: "sam", Reason: "went off shift"}, t0)
	if c.Assignee != "" {
		t.Fatalf("the owner's dispatcher could not take the case back: assignee %q", c.Assignee)
	}
}

// A reply over its platform's limit is refused before anything is
// recorded, with the limit in the error; on X a link counts as 23.
func TestRepliesFitTheirPlatform(t *testing.T) {
	pol := testPolicy()
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	open := func(platform, property string) *Case {
		p := post.Post{ID: "1", Platform: platform, Property: property, Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "where is my order", CreatedAt: t0}
		c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
		c.Assignee = "sam"
		return c
	}
	link := "https://acme.example/help/orders/where-is-my-order-and-how-do-i-track-it"
	for _, tc := range []struct {
		name, platform, property, text string
		private, ok                    bool
	}{
		{"an X reply of 280", "x", "@acme_help", strings.Repeat("a", 280), false, true},
		{"an X reply of 281", "x", "@acme_help", strings.Repeat("a", 281), false, false},
		{"an X reply of 366", "x", "@acme_help", strings.Repeat("é", 366), false, false},
		{"a long link counts 23 on X", "x", "@acme_help", strings.Repeat("a", 256) + " " + link, false, true},
		{"an X DM of 2,000", "x", "@acme_help", strings.Repeat("a", 2000), true, true},
		{"an Instagram DM of 1,001", "instagram", "acme", strings.Repeat("a", 1001), true, false},
		{"a Facebook comment of 3,000", "facebook", "acme", strings.Repeat("a", 3000), false, true},
	} {
		err := open(tc.platform, tc.property).Check(ActionReply, Action{Actor: sam, Text: tc.text, Private: tc.private}, t0)
		var rule *policy.RuleError
		switch refused := errors.As(err, &rule) && rule.Rule == "reply-too-long"; {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && !refused:
			t.Errorf("%s: %v, want reply-too-long", tc.name, err)
		case !tc.ok && !strings.Contains(err.Error(), "at most"):
			t.Errorf("%s: the limit is not named: %v", tc.name, err)
		}
	}
}

// The reopen window is a rule, asked when a follow-up or an agent's reopen
// arrives: a resolved case takes no other action, reopens inside the
// window, and stays resolved after it (a follow-up then closes it: the
// post belongs in a case of its own).
func TestTheReopenWindowIsARule(t *testing.T) {
	pol, t0, p := crashReport()
	resolved := func() *Case {
		c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
		if _, err := c.Apply(ActionResolve, Action{Actor: sam, Text: NoReplyNeeded}, "", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	window := pol.SLA.ReopenWindow
	inside, after := t0.Add(time.Minute+window-time.Second), t0.Add(time.Minute+window)
	refusedBy := func(err error) string {
		var rule *policy.RuleError
		if errors.As(err, &rule) {
			return rule.Rule
		}
		return ""
	}
	c := resolved()
	if !c.Reopenable(inside) || c.Reopenable(after) {
		t.Fatalf("reopenable inside %v, after %v", c.Reopenable(inside), c.Reopenable(after))
	}
	if rule := refusedBy(c.Check(ActionClaim, Action{Actor: sam}, inside)); rule != "case-active" {
		t.Errorf("claim on a resolved case: rule %q, want case-active", rule)
	}
	if err := c.Check(ActionReopen, Action{Actor: sam, Text: "customer DM'd"}, inside); err != nil {
		t.Errorf("reopen inside the window: %v", err)
	}
	if rule := refusedBy(c.Check(ActionReopen, Action{Actor: sam, Text: "customer DM'd"}, after)); rule != "reopen-window" {
		t.Errorf("reopen after the window: rule %q, want reopen-window", rule)
	}

	follow := p
	follow.ID, follow.ThreadID, follow.Text = "2", "1", "still crashing"
	c.CustomerWrote(follow, inside)
	if c.Status != StatusOpen || c.Response == nil {
		t.Errorf("follow-up inside the window: %s, next response %+v", c.Status, c.Response)
	}
	late := resolved()
	late.CustomerWrote(follow, after)
	if last := late.Events[len(late.Events)-1]; late.Status != StatusClosed || last.Kind != EventCustomer || late.Response != nil {
		t.Errorf("follow-up after the window: %s, %+v", late.Status, last)
	}
}

// A department that is the top of every chain escalates to nobody: its
// breaches are recorded and told to the owner, and nothing is called in.
func TestABreachWithNoChainCallsNobodyIn(t *testing.T) {
	pol := testPolicy()
	t0 := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "where is my order", CreatedAt: t0}
	c := Open(p, policy.Triage{Intent: "question"}, pol, nil, t0)
	dept := pol.Departments[c.Department]
	dept.Escalation = nil
	pol.Departments[c.Department] = dept
	due := c.Response.DueAt
	notices := c.Advance(due)
	if !c.Response.Breached || c.Escalation.Level != 0 || len(notices) == 0 {
		t.Fatalf("breached %v, escalation level %d, %d notices", c.Response.Breached, c.Escalation.Level, len(notices))
	}
	if next, ok := c.NextDeadline(); ok && next.Kind == DeadlineEscalation {
		t.Fatalf("an escalation is due with no chain: %+v", next)
	}
}

// Outcomes write durations for people, in whole minutes past a minute.
func TestBriefDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 20 * time.Minute: "20m", time.Hour: "1h",
		65 * time.Minute: "1h5m", 24 * time.Hour: "24h", 19*time.Hour + 53*time.Minute + 38*time.Second: "19h54m"} {
		if got := brief(d); got != want {
			t.Errorf("brief(%s) = %q, want %q", d, got, want)
		}
	}
}
