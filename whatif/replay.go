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
	"errors"
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
}

// Replay runs the past case again under pol, up to asOf.
func Replay(past slareport.Case, pol policy.Policy, asOf time.Time) Replayed {
	opened := past.View.OpenedAt
	c := casestate.Open(past.View.Post, originalTriage(past), pol, nil, opened)
	r := Replayed{}
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
// it: their corrections are steps the replay takes again.
func originalTriage(past slareport.Case) policy.Triage {
	t := past.View.Triage
	if past.View.TriagedIntent != "" {
		t.Intent = past.View.TriagedIntent
	}
	return t
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
		if c.Assignee == "" {
			act(casestate.ActionClaim, casestate.Action{})
		}
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
		if e.Actor != policy.SystemActor {
			act(casestate.ActionEscalate, casestate.Action{Text: e.Text})
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

// reply answers the customer as the past did; a reply the policy holds
// for approval that the past did not is approved at once.
func (r *Replayed) reply(c *casestate.Case, e casestate.Event, act func(casestate.ActionKind, casestate.Action) bool) {
	a := casestate.Action{Text: e.Text, Request: e.Request, AwaitCustomer: strings.Contains(e.Detail, "waiting on the customer"),
		Private: strings.Contains(e.Detail, "private")}
	if c.Assignee == "" { // the past's agent held the case to reply; so does the replay's
		act(casestate.ActionClaim, casestate.Action{})
	}
	if !act(casestate.ActionReply, a) || c.Draft == nil || e.Kind == casestate.EventDrafted {
		return
	}
	if act(casestate.ActionApprove, casestate.Action{Actor: standIn(standInApprover, c.Approver)}) {
		r.NewApprovals++
	}
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
