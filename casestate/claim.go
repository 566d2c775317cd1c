package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// Deal is a dispatcher's word to a case: the department whose board it
// came from and the agent (and, for an assignment, the way it was chosen).
type Deal struct {
	Department string
	Agent      string
	Mode       string
	Reason     string // why an unassignment was sent
}

// fromOwner is false for a deal from a department that no longer owns the
// case: its dispatcher dealt the case before it heard of the handoff, and
// the new owner's dispatcher will deal it (or has) to one of its own.
func (c *Case) fromOwner(d Deal) bool { return d.Department == c.Department }

// AssignTo gives a queued case to the agent the owning department's
// dispatcher chose; false if the case left the queue meanwhile (someone
// claimed it, say) or left the department that dealt it.
func (c *Case) AssignTo(d Deal, now time.Time) bool {
	// Only a forged signal names no agent id; taken, an oversized one would
	// overflow the Assignee search attribute and the server end the case.
	if !c.Queued() || !c.fromOwner(d) || !policy.IsAgentID(d.Agent) {
		return false
	}
	c.Assignee = d.Agent
	c.AssigneeActiveAt = now
	c.record(now, Event{Kind: EventAssigned, Actor: policy.SystemActor, Detail: fmt.Sprintf("assigned to %s (%s)", d.Agent, d.Mode)})
	return true
}

// Unassign sends the case back to the queue if the agent the owning
// department's dispatcher names still holds it.
func (c *Case) Unassign(d Deal, now time.Time) {
	if c.Assignee != d.Agent || !c.fromOwner(d) || !c.Active() {
		return
	}
	c.Assignee = ""
	c.record(now, Event{Kind: EventReleased, Actor: policy.SystemActor, Detail: d.Agent + " " + d.Reason + "; back in the queue"})
}

func (c *Case) checkClaim(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "reopen it before claiming"); err != nil {
		return err
	}
	if c.Assignee == a.Actor.ID {
		return policy.Refuse("already-claimed", "case is already claimed by you")
	}
	if c.Assignee != "" && !a.Actor.Senior() {
		return policy.Refuse("collision", "case is claimed by %s; ask them to release it, or a lead to reassign it", c.Assignee)
	}
	return nil
}

func (c *Case) applyClaim(a Action, _ string, now time.Time) []Notice {
	detail := ""
	if c.Assignee != "" {
		detail = "reassigned from " + c.Assignee
	}
	c.Assignee = a.Actor.ID
	c.AssigneeActiveAt = now
	c.record(now, Event{Kind: EventClaimed, Actor: a.Actor.ID, Detail: detail})
	return nil
}

func (c *Case) checkRelease(a Action, _ time.Time) error {
	if err := c.mayWork(a); err != nil {
		return err
	}
	if c.Assignee == "" {
		return policy.Refuse("not-claimed", "case is not claimed by anyone")
	}
	if c.Assignee != a.Actor.ID && !a.Actor.Senior() {
		return policy.Refuse("collision", "case is claimed by %s; only they or a lead may release it", c.Assignee)
	}
	return nil
}

func (c *Case) applyRelease(a Action, _ string, now time.Time) []Notice {
	prev := c.Assignee
	c.Assignee = ""
	c.record(now, Event{Kind: EventReleased, Actor: a.Actor.ID, Detail: "released by " + a.Actor.ID + " from " + prev + "; back in the queue", Text: a.Text})
	return nil
}

// checkAssign: a lead or head of the department gives the case to one of
// its agents, taking it from whoever held it.
func (c *Case) checkAssign(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "reopen it before assigning it"); err != nil {
		return err
	}
	if !a.Actor.Senior() {
		return policy.Refuse("lead-assigns", "only a lead or head gives a case to someone; claim it to take it yourself")
	}
	if !policy.IsAgentID(a.To) || a.Assignee == nil || a.Assignee.ID != a.To {
		return policy.Refuse("assign-to", "give the case to an agent (their id)")
	}
	if c.Policy.MayActOn(*a.Assignee, c.Department) != nil {
		return policy.Refuse("assign-to", "%s does not work for %s", a.To, c.Department)
	}
	if a.To == c.Assignee {
		return policy.Refuse("already-claimed", "case is already %s's", a.To)
	}
	return nil
}

func (c *Case) applyAssign(a Action, _ string, now time.Time) []Notice {
	detail := "given to " + a.To + " by " + a.Actor.ID
	if c.Assignee != "" {
		detail += ", from " + c.Assignee
	}
	c.Assignee = a.To
	c.AssigneeActiveAt = now
	c.record(now, Event{Kind: EventAssigned, Actor: a.Actor.ID, Text: a.Text, Detail: detail})
	return []Notice{c.AssignedNotice(a.To)}
}
