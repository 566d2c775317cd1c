package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// Escalation is how far up the owning department's chain a case has gone:
// level 0 is the assignee or queue, level n has called chain step n.
type Escalation struct {
	Level  int       `json:"level"`
	To     string    `json:"to,omitempty"`      // who the current level called in
	NextAt time.Time `json:"next_at,omitempty"` // when the next level is called if nobody acts
}

func (c *Case) chain() []policy.EscalationStep { return c.Policy.Departments[c.Department].Escalation }

func (c *Case) checkEscalate(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "only active cases escalate"); err != nil {
		return err
	}
	if c.Escalation.Level >= len(c.chain()) {
		return policy.Refuse("escalation-top", "case is already at the top of %s's escalation chain", c.Department)
	}
	return needText(a.Text, "escalation reason")
}

func (c *Case) applyEscalate(a Action, _ string, now time.Time) []Notice {
	return c.escalate(a.Actor.ID, a.Text, now)
}

// escalate calls in the next step of the chain; the caller checked there is one.
func (c *Case) escalate(actor, reason string, now time.Time) []Notice {
	chain := c.chain()
	step := chain[c.Escalation.Level]
	c.Escalation.Level++
	c.Escalation.To = step.To
	c.Escalation.NextAt = time.Time{}
	if c.Escalation.Level < len(chain) {
		c.Escalation.NextAt = c.Policy.Calendar(c.Department).Add(now, step.Within)
	}
	c.record(now, Event{Kind: EventEscalated, Actor: actor, Detail: fmt.Sprintf("level %d: %s called in — %s", c.Escalation.Level, step.To, reason)})
	return []Notice{c.notice(c.escalationTarget(step.To), NoticeEscalated, fmt.Sprintf("escalated to you (level %d): %s", c.Escalation.Level, reason))}
}

// escalationTarget turns a chain step into an addressee: "support/lead" for
// a role of the owning department, "coe" for a department.
func (c *Case) escalationTarget(to string) string {
	if to == policy.RoleLead || to == policy.RoleHead {
		return c.Department + "/" + to
	}
	return to
}

func (c *Case) owner() string {
	if c.Assignee != "" {
		return c.Department + "/" + c.Assignee
	}
	return c.Department
}
