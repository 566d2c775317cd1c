package casestate

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// testPolicy is the smallest policy every rule of the book can be tried
// on: support answers @acme_help and @acme_news around the clock and
// escalates to its lead, then to the centre of excellence; PR owns
// @acme_news, approves its public replies and works London office hours;
// marketing owns nothing a test opens, so its people are outsiders. A
// customer's new post follows their open case, unless it is the press's.
func testPolicy() policy.Policy {
	targets := map[policy.Priority]policy.Targets{}
	for _, prio := range policy.Priorities {
		targets[prio] = policy.Targets{FirstResponse: time.Hour, NextResponse: time.Hour, Resolution: 8 * time.Hour, Approval: 30 * time.Minute}
	}
	always := businesshours.Spec{TimeZone: "UTC"}
	london := businesshours.Spec{TimeZone: "Europe/London", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "08:00", End: "18:00"}
	return policy.Policy{
		Version: "test", DefaultDepartment: "support", CoE: "coe",
		SLA: policy.SLA{WarningShare: 0.75, ReopenWindow: 72 * time.Hour, CustomerSilence: 48 * time.Hour, SpamQueue: 72 * time.Hour},
		Routing: []policy.Route{
			{Intent: "question", Department: policy.RouteToResponder, Priority: policy.P3},
			{Intent: "account_issue", Department: policy.RouteToResponder, Priority: policy.P3, Private: true},
			{Intent: "press_inquiry", Department: "pr", Priority: policy.P2},
			{Intent: "spam", Department: policy.RouteToNone},
		},
		Departments: map[string]policy.Department{
			"support": {ID: "support", Name: "Digital Support", Hours: always, Targets: targets,
				Escalation: []policy.EscalationStep{{To: policy.RoleLead, Within: 30 * time.Minute}, {To: "coe", Within: time.Hour}}},
			"pr":        {ID: "pr", Name: "PR", Hours: london, Targets: targets},
			"marketing": {ID: "marketing", Name: "Marketing", Hours: always, Targets: targets},
			"coe":       {ID: "coe", Name: "Social CoE", Hours: always, Targets: targets},
		},
		Properties: []policy.Property{
			{Key: "x:@acme_help", Owner: "support"},
			{Key: "x:@acme_news", Owner: "pr", Responder: "support"},
		},
		Approvals:  []policy.ApprovalRule{{PropertyOwner: "pr", Approver: "pr"}},
		Continuity: policy.Continuity{Enabled: true, KeepAssignee: true, ExceptIntents: []string{"press_inquiry"}},
	}
}

// The people the rules are tried with.
var (
	sam   = policy.Actor{ID: "sam", Departments: []string{"support"}, Roles: []string{policy.RoleAgent}}
	sofia = policy.Actor{ID: "sofia", Departments: []string{"support"}, Roles: []string{policy.RoleLead}}
	ana   = policy.Actor{ID: "ana", Departments: []string{"support"}, Roles: []string{policy.RoleAgent}}
	priya = policy.Actor{ID: "priya", Departments: []string{"pr"}, Roles: []string{policy.RoleApprover}}
	paul  = policy.Actor{ID: "paul", Departments: []string{"pr"}, Roles: []string{policy.RoleAgent}}
	mo    = policy.Actor{ID: "mo", Departments: []string{"marketing"}, Roles: []string{policy.RoleLead}}
	cora  = policy.Actor{ID: "cora", Departments: []string{"coe"}, Roles: []string{policy.RoleAgent}}
)

var t0 = time.Date(2015, 11, 18, 10, 0, 0, 0, time.UTC) // a Wednesday: PR is in

// openOn opens a case for a post on property that triage read as intent.
func openOn(t *testing.T, property, intent string) *Case {
	t.Helper()
	pol := testPolicy()
	if err := pol.Validate(); err != nil {
		t.Fatalf("the test policy: %v", err)
	}
	p := post.Post{ID: "1", Platform: "x", Property: property, Author: post.Author{ID: "u1", Handle: "@jo"},
		Text: "the app crashes at checkout", CreatedAt: t0}
	return Open(p, policy.Triage{Intent: intent, Redacted: p.Text}, pol, nil, t0)
}

// do applies steps that must all be allowed, a minute apart.
func do(t *testing.T, c *Case, steps ...step) *Case {
	t.Helper()
	for i, s := range steps {
		a := s.a
		a.Actor = s.by
		if _, err := c.Apply(s.kind, a, "ref", t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatalf("setting up, %s by %s: %v", s.kind, s.by.ID, err)
		}
	}
	return c
}

type step struct {
	kind ActionKind
	by   policy.Actor
	a    Action
}

func TestEveryActionHasARule(t *testing.T) {
	for _, kind := range Actions {
		if r, ok := rulebook[kind]; !ok || r.check == nil || r.apply == nil {
			t.Errorf("action %s has no entry in the rule book", kind)
		}
	}
	if len(rulebook) != len(Actions) {
		t.Errorf("the rule book has %d entries for %d actions", len(rulebook), len(Actions))
	}
}

// TestTheRuleBook tries each action on a case in a given state, by a given
// person: allowed ones are applied (and must be allowed again by Apply),
// refused ones name the rule that refused them.
func TestTheRuleBook(t *testing.T) {
	queued := func(t *testing.T) *Case { return openOn(t, "@acme_help", "question") }
	claimed := func(t *testing.T) *Case { return do(t, queued(t), step{ActionClaim, sam, Action{}}) }
	drafted := func(t *testing.T) *Case {
		return do(t, openOn(t, "@acme_news", "question"), step{ActionClaim, sam, Action{}},
			step{ActionReply, sam, Action{Text: "Sorry about that: which version are you on?"}})
	}
	draftedByApprover := func(t *testing.T) *Case {
		c := openOn(t, "@acme_news", "question")
		return do(t, c, step{ActionHandoff, sam, Action{To: "pr", Text: "a journalist asked"}}, step{ActionClaim, priya, Action{}},
			step{ActionReply, priya, Action{Text: "We are looking into it."}})
	}
	account := func(t *testing.T) *Case {
		return do(t, openOn(t, "@acme_help", AccountIssue), step{ActionClaim, sam, Action{}})
	}
	replied := func(t *testing.T) *Case {
		return do(t, claimed(t), step{ActionReply, sam, Action{Text: "Which version?", Request: "form-1"}})
	}
	laxClaimed := func(t *testing.T) *Case { c := claimed(t); c.LaxResolve = true; return c }
	resolved := func(t *testing.T) *Case {
		return do(t, claimed(t), step{ActionResolve, sam, Action{Text: NoReplyNeeded}})
	}
	closed := func(t *testing.T) *Case {
		c := resolved(t)
		c.Advance(t0.Add(100 * time.Hour))
		return c
	}
	spam := func(t *testing.T) *Case { return openOn(t, "@acme_help", "spam") }
	uncertain := func(t *testing.T) *Case {
		c := queued(t)
		c.Triage.NeedsReview = true
		return c
	}
	topOfChain := func(t *testing.T) *Case {
		return do(t, claimed(t), step{ActionEscalate, sam, Action{Text: "angry"}}, step{ActionEscalate, sofia, Action{Text: "still angry"}})
	}

	long := strings.Repeat("x", post.MaxTextLength+1)
	tests := []struct {
		name  string
		state func(*testing.T) *Case
		kind  ActionKind
		by    policy.Actor
		a     Action
		at    time.Duration // after t0; an hour when zero
		rule  string        // "" when allowed
	}{
		// What every action must pass.
		{"nobody acts", queued, ActionClaim, policy.Actor{}, Action{}, 0, "actor"},
		{"an action the book does not know", queued, "merge", sam, Action{}, 0, "action"},
		{"a closed case takes nothing", closed, ActionNote, sam, Action{Text: "late"}, 0, "case-closed"},
		{"an oversized optional text", queued, ActionResolve, sam, Action{Text: long}, 0, "text-too-long"},
		{"an oversized request token", claimed, ActionReply, sam, Action{Text: "hi", Request: strings.Repeat("r", post.MaxIDBytes+1)}, 0, "request-too-long"},
		{"an outsider", queued, ActionClaim, mo, Action{}, 0, "department-member"},
		{"the centre of excellence acts anywhere", queued, ActionClaim, cora, Action{}, 0, ""},

		// claim and release
		{"claim from the queue", queued, ActionClaim, sam, Action{}, 0, ""},
		{"claim twice", claimed, ActionClaim, sam, Action{}, 0, "already-claimed"},
		{"claim a colleague's case", claimed, ActionClaim, ana, Action{}, 0, "collision"},
		{"a lead reassigns", claimed, ActionClaim, sofia, Action{}, 0, ""},
		{"claim a resolved case", resolved, ActionClaim, sam, Action{}, 0, "case-active"},
		{"claim in the spam queue", spam, ActionClaim, sam, Action{}, 0, "spam-queue"},
		{"release one's own", claimed, ActionRelease, sam, Action{}, 0, ""},
		{"release an unclaimed case", queued, ActionRelease, sam, Action{}, 0, "not-claimed"},
		{"release a colleague's case", claimed, ActionRelease, ana, Action{}, 0, "collision"},
		{"a lead releases anyone's", claimed, ActionRelease, sofia, Action{}, 0, ""},

		// reply, approve, reject
		{"reply", claimed, ActionReply, sam, Action{Text: "Which version are you on?"}, 0, ""},
		{"reply unclaimed", queued, ActionReply, sam, Action{Text: "hi"}, 0, "claim-first"},
		{"reply on a colleague's claim", claimed, ActionReply, ana, Action{Text: "hi"}, 0, "collision"},
		{"reply empty", claimed, ActionReply, sam, Action{Text: "  "}, 0, "text-required"},
		{"reply past X's limit", claimed, ActionReply, sam, Action{Text: strings.Repeat("é", 281)}, 0, "reply-too-long"},
		{"a card number in public", claimed, ActionReply, sam, Action{Text: "Your card 5500 0000 0000 0004 is fine"}, 0, "personal-data"},
		{"a card number in private", claimed, ActionReply, sam, Action{Text: "Your card 5500 0000 0000 0004 is fine", Private: true}, 0, ""},
		{"an account matter in public", account, ActionReply, sam, Action{Text: "Your refund of £20 went out"}, 0, "private-channel"},
		{"an invitation in public", account, ActionReply, sam, Action{Text: "Sorry! Please DM us so we can look into it."}, 0, ""},
		{"the same request again", replied, ActionReply, sam, Action{Text: "Which version?", Request: "form-1"}, 0, "duplicate-request"},
		{"reply on a resolved case", resolved, ActionReply, sam, Action{Text: "hi"}, 0, "case-active"},
		{"reply while a draft waits", drafted, ActionReply, sam, Action{Text: "and also"}, 0, "approval-pending"},
		{"approve", drafted, ActionApprove, priya, Action{}, 0, ""},
		{"approve without the role", drafted, ActionApprove, paul, Action{}, 0, "approver"},
		{"approve from outside the approving department", drafted, ActionApprove, sofia, Action{}, 0, "approver"},
		{"approve one's own draft", draftedByApprover, ActionApprove, priya, Action{}, 0, "four-eyes"},
		{"approve with nothing drafted", claimed, ActionApprove, priya, Action{}, 0, "no-draft"},
		{"reject with a reason", drafted, ActionReject, priya, Action{Text: "do not promise a date"}, 0, ""},
		{"reject without one", drafted, ActionReject, priya, Action{}, 0, "text-required"},

		// notes
		{"note", queued, ActionNote, ana, Action{Text: "called the store"}, 0, ""},
		{"note in the spam queue", spam, ActionNote, sam, Action{Text: "looks like a bot"}, 0, ""},
		{"empty note", queued, ActionNote, sam, Action{}, 0, "text-required"},

		// handoff, relabel, rescue
		{"hand off", claimed, ActionHandoff, sam, Action{To: "pr", Text: "a journalist"}, 0, ""},
		{"hand off to the owner", claimed, ActionHandoff, sam, Action{To: "support", Text: "x"}, 0, "handoff-target"},
		{"hand off to nowhere", claimed, ActionHandoff, sam, Action{To: "sales", Text: "x"}, 0, "handoff-target"},
		{"hand off without a reason", claimed, ActionHandoff, sam, Action{To: "pr"}, 0, "text-required"},
		{"hand off a resolved case", resolved, ActionHandoff, sam, Action{To: "pr", Text: "x"}, 0, "case-active"},
		{"relabel", queued, ActionRelabel, sam, Action{Intent: "press_inquiry", Text: "from a newspaper"}, 0, ""},
		{"relabel to what it is", queued, ActionRelabel, sam, Action{Intent: "question", Text: "x"}, 0, "relabel-same"},
		{"confirm what triage was unsure of", uncertain, ActionRelabel, sam, Action{Intent: "question", Text: "it is"}, 0, ""},
		{"relabel to an unknown intent", queued, ActionRelabel, sam, Action{Intent: "gossip", Text: "x"}, 0, "intent"},
		{"relabel without a reason", queued, ActionRelabel, sam, Action{Intent: "press_inquiry"}, 0, "text-required"},
		{"rescue", spam, ActionRescue, sam, Action{Intent: "question"}, 0, ""},
		{"rescue as spam again", spam, ActionRescue, sam, Action{Intent: "spam"}, 0, "rescue-intent"},
		{"rescue as an unknown intent", spam, ActionRescue, sam, Action{Intent: "gossip"}, 0, "intent"},
		{"rescue from outside", spam, ActionRescue, mo, Action{Intent: "question"}, 0, "department-member"},
		{"rescue a case that is no spam", queued, ActionRescue, sam, Action{Intent: "question"}, 0, "spam-queue"},

		// assign
		{"a lead gives a claimed case to another", claimed, ActionAssign, sofia, Action{To: "ana", Assignee: &ana}, 0, ""},
		{"a lead gives a queued case", queued, ActionAssign, sofia, Action{To: "ana", Assignee: &ana}, 0, ""},
		{"an agent gives a case away", claimed, ActionAssign, sam, Action{To: "ana", Assignee: &ana}, 0, "lead-assigns"},
		{"to its assignee", claimed, ActionAssign, sofia, Action{To: "sam", Assignee: &sam}, 0, "already-claimed"},
		{"to nobody", claimed, ActionAssign, sofia, Action{}, 0, "assign-to"},
		{"to an agent of another department", claimed, ActionAssign, sofia, Action{To: "mo", Assignee: &mo}, 0, "assign-to"},
		{"to an id the directory did not vouch for", claimed, ActionAssign, sofia, Action{To: "ana", Assignee: &sam}, 0, "assign-to"},
		{"from outside", claimed, ActionAssign, mo, Action{To: "ana", Assignee: &ana}, 0, "department-member"},

		// escalate, resolve, reopen
		{"escalate", claimed, ActionEscalate, sam, Action{Text: "threatens to leave"}, 0, ""},
		{"escalate past the top", topOfChain, ActionEscalate, sam, Action{Text: "x"}, 0, "escalation-top"},
		{"escalate without a reason", claimed, ActionEscalate, sam, Action{}, 0, "text-required"},
		{"escalate a resolved case", resolved, ActionEscalate, sam, Action{Text: "x"}, 0, "case-active"},
		{"resolve", claimed, ActionResolve, sam, Action{Text: NoReplyNeeded}, 0, ""},
		{"resolve a replied case without a word", replied, ActionResolve, sam, Action{}, 0, ""},
		{"resolve with a reply owed, without a reason", claimed, ActionResolve, sam, Action{}, 0, "resolve-reason"},
		{"resolve with a reply owed, a blank reason", claimed, ActionResolve, sam, Action{Text: " \n "}, 0, "resolve-reason"},
		{"resolve from the queue with a reason", queued, ActionResolve, ana, Action{Text: "answered on the phone"}, 0, ""},
		{"resolve a colleague's case", claimed, ActionResolve, ana, Action{Text: NoReplyNeeded}, 0, "collision"},
		{"a lead resolves an agent's case", claimed, ActionResolve, sofia, Action{Text: NoReplyNeeded}, 0, ""},
		{"a case opened before the rule resolves as it did", laxClaimed, ActionResolve, ana, Action{}, 0, ""},
		{"resolve twice", resolved, ActionResolve, sam, Action{Text: NoReplyNeeded}, 0, "case-active"},
		{"resolve in the spam queue", spam, ActionResolve, sam, Action{Text: NoReplyNeeded}, 0, "spam-queue"},
		{"reopen in the window", resolved, ActionReopen, sam, Action{Text: "the customer DM'd"}, 0, ""},
		{"reopen after the window", resolved, ActionReopen, sam, Action{Text: "x"}, 73 * time.Hour, "reopen-window"},
		{"reopen an open case", claimed, ActionReopen, sam, Action{Text: "x"}, 0, "case-resolved"},
		{"reopen without a reason", resolved, ActionReopen, sam, Action{}, 0, "text-required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.state(t)
			at := t0.Add(time.Hour)
			if tt.at != 0 {
				at = t0.Add(tt.at)
			}
			a := tt.a
			a.Actor = tt.by
			before := len(c.Events)
			err := c.Check(tt.kind, a, at)
			var rule *policy.RuleError
			switch {
			case tt.rule == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.rule != "" && !errors.As(err, &rule):
				t.Fatalf("allowed or not a rule (%v); want rule %s", err, tt.rule)
			case tt.rule != "" && rule.Rule != tt.rule:
				t.Fatalf("refused by %s (%v); want rule %s", rule.Rule, err, tt.rule)
			}
			if len(c.Events) != before {
				t.Fatalf("Check changed the case: %d events, was %d", len(c.Events), before)
			}
			if tt.rule != "" {
				return
			}
			if _, err := c.Apply(tt.kind, a, "ref", at); err != nil {
				t.Fatalf("allowed by Check, refused by Apply: %v", err)
			}
			if len(c.Events) == before {
				t.Fatal("applied, but nothing is on the trail")
			}
		})
	}
}

// Offers names exactly the actions Check would allow someone, so a console
// shows an agent only the forms the case accepts from them.
func TestOffersAreWhatTheRuleBookAllows(t *testing.T) {
	claimed := func(t *testing.T) *Case {
		return do(t, openOn(t, "@acme_help", "question"), step{ActionClaim, sam, Action{}})
	}
	for _, tc := range []struct {
		name  string
		state func(t *testing.T) *Case
		by    policy.Actor
		want  []ActionKind
	}{
		{"the assignee", claimed, sam, []ActionKind{ActionRelease, ActionReply, ActionNote, ActionHandoff, ActionEscalate, ActionResolve, ActionRelabel}},
		{"a colleague", claimed, ana, []ActionKind{ActionNote, ActionHandoff, ActionEscalate, ActionRelabel}},
		{"a lead", claimed, sofia, []ActionKind{ActionClaim, ActionRelease, ActionNote, ActionHandoff, ActionEscalate, ActionResolve, ActionRelabel, ActionAssign}},
		{"an outsider", claimed, mo, nil},
		{"anyone, in the queue", func(t *testing.T) *Case { return openOn(t, "@acme_help", "question") }, ana,
			[]ActionKind{ActionClaim, ActionNote, ActionHandoff, ActionEscalate, ActionResolve, ActionRelabel}},
		{"in the spam queue", func(t *testing.T) *Case { return openOn(t, "@acme_help", "spam") }, sam, []ActionKind{ActionNote, ActionRescue}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.state(t).Offers(tc.by, t0.Add(time.Hour))
			if !slices.Equal(got, tc.want) {
				t.Errorf("offers %v, want %v", got, tc.want)
			}
		})
	}
}

// The agent holding a case hears the customer wrote again after an answer
// (not what: the notice leaves for mail and chat), once until the next
// answer; a queued case's follow-up shows in the queue, and a redelivered
// one says nothing.
func TestTheAssigneeHearsTheCustomerWroteAgain(t *testing.T) {
	follow := func(id string) post.Post {
		return post.Post{ID: id, Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "still broken", CreatedAt: t0}
	}
	claimed := do(t, openOn(t, "@acme_help", "question"), step{ActionClaim, sam, Action{}}, step{ActionReply, sam, Action{Text: "Which version?"}})
	notices := claimed.CustomerWrote(follow("2"), t0.Add(time.Hour))
	if len(notices) != 1 || notices[0].To != "support/sam" || notices[0].Kind != NoticeCustomerWrote || strings.Contains(notices[0].Text, "still broken") {
		t.Fatalf("notices %+v", notices)
	}
	if again := claimed.CustomerWrote(follow("2"), t0.Add(2*time.Hour)); again != nil {
		t.Fatalf("a redelivered post notified %+v", again)
	}
	if more := claimed.CustomerWrote(follow("3"), t0.Add(2*time.Hour)); more != nil {
		t.Fatalf("a second post before the answer notified %+v", more)
	}
	if queued := openOn(t, "@acme_help", "question").CustomerWrote(follow("2"), t0.Add(time.Hour)); queued != nil {
		t.Fatalf("a queued case notified %+v", queued)
	}
}
