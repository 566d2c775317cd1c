package casestate

import (
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// Offers is what actor may do on the case now: each action the rule book
// lets them take with some content that fits it (a text, another
// department, another intent). A console shows only these forms, so an
// agent is not offered what the case will refuse; the action is checked
// again when it is taken, with what the agent really wrote.
func (c *Case) Offers(actor policy.Actor, now time.Time) []ActionKind {
	var out []ActionKind
	for _, kind := range Actions {
		for _, a := range c.samples(kind, actor) {
			if c.Check(kind, a, now) == nil {
				out = append(out, kind)
				break
			}
		}
	}
	return out
}

// samples are the actions of kind by actor Offers tries: one for each
// department a handoff could go to, each intent a relabel or rescue could
// give, two agents to assign to, a public and a private reply; a text
// short and plain enough for every text rule.
func (c *Case) samples(kind ActionKind, actor policy.Actor) []Action {
	base := Action{Actor: actor, Text: NoReplyNeeded}
	var out []Action
	switch kind {
	case ActionHandoff:
		for _, dept := range c.Policy.DepartmentIDs() {
			a := base
			a.To = dept
			out = append(out, a)
		}
	case ActionRelabel, ActionRescue:
		for _, intent := range c.Policy.Intents() {
			a := base
			a.Intent = intent
			out = append(out, a)
		}
	case ActionAssign: // two of the department's agents: one of them is not the assignee
		for _, agent := range []string{"agent-1", "agent-2"} {
			a := base
			a.To = agent
			a.Assignee = &policy.Actor{ID: agent, Departments: []string{c.Department}, Roles: []string{policy.RoleAgent}}
			out = append(out, a)
		}
	case ActionReply:
		private := base
		private.Private = true
		out = append(out, base, private)
	default:
		out = append(out, base)
	}
	return out
}
