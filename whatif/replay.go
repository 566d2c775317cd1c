// Package whatif tries a policy on the past before it goes live: each past
// case is run again through casestate under a policy — the post as triage
// read it, then every step people took at the time they took it — and the
// SLA report of the replayed cases is set against the report under another
// policy. It is plain Go and deterministic: no Temporal, no clock.
//
// The replay asks when, not who: a step is taken by its agent as a member
// of the department that owns the case at that moment in the replay, so a
// case the new routing sends elsewhere is answered by its new owner as fast
// as it really was. A reply the new policy holds for approval is approved
// when the real one was, or at once if none was needed then (the report
// counts those approvals). Steps the new rules refuse are counted and left
// out; the warnings, breaches and escalations are the replay's own.
package whatif

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/slareport"
)

// standInApprover approves, in a replay, the drafts the past had no
// approval for: someone other than the draft's author, as four-eyes wants.
const standInApprover = "whatif-approver"

// Replayed is one case run again under a policy.
type Replayed struct {
	slareport.Case
	// Refused are the steps of the past the policy's rules refused, by rule.
	Refused []string
	// NewApprovals counts the drafts approved at once because the past had
	// no approval for them.
	NewApprovals int

	published map[string]casestate.Event
}

// Replay runs the past case again under pol, up to asOf.
func Replay(past slareport.Case, pol policy.Policy, asOf time.Time) Replayed {
	opened := past.View.OpenedAt
	c := casestate.Open(past.View.Post, originalTriage(past), pol, nil, opened)
	r := Replayed{published: publications(past.Events)}
	var prev casestate.Event
	for _, e := range past.Events {
		if e.At.Before(opened) || e.At.After(asOf) {
			continue
		}
		c.Advance(e.At)
		// An approval publishes the draft as its author's reply: the
		// approval is the step, the reply its consequence.
		if publication := e.Kind == casestate.EventReplied && prev.Kind == casestate.EventApproved && e.At.Equal(prev.At); !publication {
			r.step(c, e)
		}
		prev = e
	}
	c.Advance(asOf)
	r.View, r.Events = c.View(), c.Events
	return r
}

// originalTriage is what triage said of the post, before people corrected
// it: their corrections are steps the replay takes again. A correction
// clears "needs review", so that is read back from the trail: the routing
// said so, or a person confirmed triage's own intent (which only a post
// that needed review can be).
func originalTriage(past slareport.Case) policy.Triage {
	t := past.View.Triage
	if past.View.TriagedIntent != "" {
		t.Intent = past.View.TriagedIntent
	}
	if slices.ContainsFunc(past.View.Routing, func(r string) bool { return strings.Contains(r, "needs review") }) {
		t.NeedsReview = true
	}
	for _, e := range past.Events {
		if e.Kind == casestate.EventRelabeled && e.Intent == past.View.TriagedIntent {
			t.NeedsReview = true
		}
	}
	return t
}

// publications are, for each approved draft's text, the reply its
// approval published: how it went out (private, awaiting the customer),
// which a drafted step does not record.
func publications(events []casestate.Event) map[string]casestate.Event {
	out := map[string]casestate.Event{}
	for i, e := range events {
		if e.Kind == casestate.EventApproved && i+1 < len(events) && events[i+1].Kind == casestate.EventReplied && events[i+1].At.Equal(e.At) {
			out[e.Text] = events[i+1]
		}
	}
	return out
}

// step takes one step of the past on the replayed case, if it was a
// person's.
func (r *Replayed) step(c *casestate.Case, e casestate.Event) {
	act := func(kind casestate.ActionKind, a casestate.Action) bool {
		if a.Actor.ID == "" {
			a.Actor = standIn(e.Actor, c.Department)
		}
		if _, err := c.Apply(kind, a, e.Ref, e.At); err != nil {
			r.Refused = append(r.Refused, ruleOf(err))
			return false
		}
		return true
	}
	switch e.Kind {
	case casestate.EventCustomer:
		c.CustomerWrote(post.Post{ID: e.Ref, Platform: c.Post.Platform, Property: c.Post.Property, Author: c.Post.Author, Text: e.Text, CreatedAt: e.At}, e.At)
	case casestate.EventPostEdited, casestate.EventPostDeleted:
		c.PostChanged(e.Kind, e.Ref, e.Text, e.At)
	case casestate.EventClaimed:
		r.hold(c, e, act)
	case casestate.EventReleased:
		if e.Actor != policy.SystemActor && c.Assignee == e.Actor {
			act(casestate.ActionRelease, casestate.Action{})
		}
	case casestate.EventDrafted, casestate.EventReplied:
		r.reply(c, e, act)
	case casestate.EventApproved:
		if c.Draft != nil {
			act(casestate.ActionApprove, casestate.Action{Actor: standIn(standInApprover, c.Approver)})
		}
	case casestate.EventRejected:
		if c.Draft != nil {
			act(casestate.ActionReject, casestate.Action{Actor: standIn(standInApprover, c.Approver), Text: e.Text})
		}
	case casestate.EventHandedOff:
		if e.Department != c.Department {
			act(casestate.ActionHandoff, casestate.Action{To: e.Department, Text: e.Text})
		}
	case casestate.EventEscalated:
		if e.Actor != policy.SystemActor { // the reason is recorded after the level: "level 1: lead called in — reason"
			_, reason, _ := strings.Cut(e.Detail, " — ")
			act(casestate.ActionEscalate, casestate.Action{Text: cmp.Or(e.Text, reason, "escalated by hand")})
		}
	case casestate.EventRelabeled:
		act(casestate.ActionRelabel, casestate.Action{Intent: e.Intent, Text: e.Text})
	case casestate.EventRescued:
		act(casestate.ActionRescue, casestate.Action{Intent: e.Intent, Text: e.Text})
	case casestate.EventResolved:
		if e.Actor != policy.SystemActor {
			note := e.Text
			if e.Unanswered && note == "" {
				note = casestate.NoReplyNeeded
			}
			act(casestate.ActionResolve, casestate.Action{Text: note})
		}
	case casestate.EventReopened:
		if e.Actor != policy.SystemActor {
			act(casestate.ActionReopen, casestate.Action{Text: e.Text})
		}
	}
}

// hold makes the step's agent the case's holder, as they were in the
// past when they took it: a claim, a lead's take-over, an assignment.
func (r *Replayed) hold(c *casestate.Case, e casestate.Event, act func(casestate.ActionKind, casestate.Action) bool) {
	if c.Assignee != e.Actor {
		act(casestate.ActionClaim, casestate.Action{})
	}
}

// reply answers the customer as the past did; a reply the policy holds
// for approval that the past did not is approved at once. A reply the
// policy refuses in public (a private matter now) goes privately, as an
// agent would send it.
func (r *Replayed) reply(c *casestate.Case, e casestate.Event, act func(casestate.ActionKind, casestate.Action) bool) {
	how := e
	if e.Kind == casestate.EventDrafted {
		if p, ok := r.published[e.Text]; ok {
			how = p
		}
	}
	a := casestate.Action{Text: e.Text, Request: e.Request, AwaitCustomer: strings.Contains(how.Detail, "waiting on the customer"), Private: how.Private}
	r.hold(c, e, act)
	if !a.Private && c.Check(casestate.ActionReply, withActor(a, e.Actor, c.Department), e.At) != nil {
		private := a
		private.Private = true
		if c.Check(casestate.ActionReply, withActor(private, e.Actor, c.Department), e.At) == nil {
			a = private
		}
	}
	if !act(casestate.ActionReply, a) || c.Draft == nil || e.Kind == casestate.EventDrafted {
		return
	}
	if act(casestate.ActionApprove, casestate.Action{Actor: standIn(standInApprover, c.Approver)}) {
		r.NewApprovals++
	}
}

func withActor(a casestate.Action, id, dept string) casestate.Action {
	a.Actor = standIn(id, dept)
	return a
}

// standIn is the agent id acting as a member of dept, with every role: the
// replay asks when a step was taken, not whether this person may take it.
func standIn(id, dept string) policy.Actor {
	return policy.Actor{ID: id, Departments: []string{dept}, Roles: []string{policy.RoleAgent, policy.RoleLead, policy.RoleApprover}}
}

// ruleOf names the rule that refused a step.
func ruleOf(err error) string {
	var refused *policy.RuleError
	if errors.As(err, &refused) {
		return refused.Rule
	}
	return err.Error()
}
