package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// AssignTo gives a queued case to an agent chosen by the dispatcher; false
// if the case left the queue meanwhile (someone claimed it, say).
func (c *Case) AssignTo(agent, mode string, now time.Time) bool {
	// Only a forged signal names no agent id; taken, an oversized one would
	// overflow the Assignee search attribute and the server end the case.
	if !c.Queued() || !policy.IsAgentID(agent) {
		return false
	}
	c.Assignee = agent
	c.AssigneeActiveAt = now
	c.record(now, Event{Kind: EventAssigned, Actor: policy.SystemActor, Detail: fmt.Sprintf("assigned to %s (%s)", agent, mode)})
	return true
}

// Unassign sends the case back to the queue if agent still holds it.
func (c *Case) Unassign(agent, reason string, now time.Time) {
	if c.Assignee != agent || !c.Active() {
		return
	}
	c.Assignee = ""
	c.record(now, Event{Kind: EventReleased, Actor: policy.SystemActor, Detail: agent + " " + reason + "; back in the queue"})
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
