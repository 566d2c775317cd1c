package casestate

import (
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/policy"

	"github.com/switchboard-care/switchboard/post"
)

// rule is an action's entry in the rule book: what must hold for an agent
// to take it (check), and what taking it does to the case (apply). check
// changes nothing, so the Update validators can call it and a refused
// action leaves no history; apply runs only on an action check allowed. ref
// is the platform's id of the reply the action published, if it did.
type rule struct {
	check func(c *Case, a Action, now time.Time) error
	apply func(c *Case, a Action, ref string, now time.Time) []Notice
}

// rulebook is every action's rule, one entry per kind. The rules shared by
// all actions are in Check; each entry's functions sit in the file named
// for what the action is about (claim.go, reply.go, route.go, …).
var rulebook = map[ActionKind]rule{
	ActionClaim:    {(*Case).checkClaim, (*Case).applyClaim},
	ActionAssign:   {(*Case).checkAssign, (*Case).applyAssign},
	ActionRelease:  {(*Case).checkRelease, (*Case).applyRelease},
	ActionReply:    {(*Case).checkReply, (*Case).applyReply},
	ActionApprove:  {(*Case).checkApprove, (*Case).applyApprove},
	ActionReject:   {(*Case).checkReject, (*Case).applyReject},
	ActionNote:     {(*Case).checkNote, (*Case).applyNote},
	ActionHandoff:  {(*Case).checkHandoff, (*Case).applyHandoff},
	ActionRelabel:  {(*Case).checkRelabel, (*Case).applyRelabel},
	ActionRescue:   {(*Case).checkRescue, (*Case).applyRescue},
	ActionEscalate: {(*Case).checkEscalate, (*Case).applyEscalate},
	ActionResolve:  {(*Case).checkResolve, (*Case).applyResolve},
	ActionReopen:   {(*Case).checkReopen, (*Case).applyReopen},
	// statement.go
	ActionStatement: {(*Case).checkStatement, (*Case).applyStatement},
}

// Check says whether an action is allowed now, without changing anything:
// the Update validators call it so a refused action leaves no history.
func (c *Case) Check(kind ActionKind, a Action, now time.Time) error {
	if strings.TrimSpace(a.Actor.ID) == "" {
		return policy.Refuse("actor", "an action needs an agent identity (--as or SWITCHBOARD_AGENT)")
	}
	r, ok := rulebook[kind]
	if !ok {
		return policy.Refuse("action", "unknown action %q", kind)
	}
	if c.Status == StatusClosed {
		return policy.Refuse("case-closed", "case %s is closed; a new post from the customer opens a new case", c.ID)
	}
	// Optional texts (a rescue's or a resolve's note) are bounded too: every
	// text an action carries goes into the case's history.
	if len(a.Text) > post.MaxTextLength {
		return policy.Refuse("text-too-long", "the text is %d bytes, more than %d", len(a.Text), post.MaxTextLength)
	}
	if len(a.Request) > post.MaxIDBytes {
		return policy.Refuse("request-too-long", "the request token is %d bytes, more than %d", len(a.Request), post.MaxIDBytes)
	}
	return r.check(c, a, now)
}

// Apply performs a checked action at now. ref is the platform's id of a
// published reply. It returns who must be told.
func (c *Case) Apply(kind ActionKind, a Action, ref string, now time.Time) ([]Notice, error) {
	if err := c.Check(kind, a, now); err != nil {
		return nil, err
	}
	return c.apply(kind, a, ref, now), nil
}

func (c *Case) apply(kind ActionKind, a Action, ref string, now time.Time) []Notice {
	if a.Actor.ID == c.Assignee {
		c.AssigneeActiveAt = now
	}
	return rulebook[kind].apply(c, a, ref, now)
}

// member: only the owning department's people (and those the policy lets
// in: leads up its escalation chain, the centre of excellence) act on a case.
func (c *Case) member(a Action) error { return c.Policy.MayActOn(a.Actor, c.Department) }

// mayWork: the agent is a member and the case is out of the spam queue,
// where only a rescue (or a note) is taken.
func (c *Case) mayWork(a Action) error {
	if err := c.member(a); err != nil {
		return err
	}
	if c.Status == StatusSpam {
		return policy.Refuse("spam-queue", "case %s is in the spam queue; rescue it as a case first", c.ID)
	}
	return nil
}

// mayWorkActive: mayWork, on a case being worked; why completes "case is
// <status>; …" when it is not.
func (c *Case) mayWorkActive(a Action, why string) error {
	if err := c.mayWork(a); err != nil {
		return err
	}
	if !c.Active() {
		return policy.Refuse("case-active", "case is %s; %s", c.Status, why)
	}
	return nil
}

func needText(s, what string) error {
	if strings.TrimSpace(s) == "" {
		return policy.Refuse("text-required", "the %s text is empty", what)
	}
	if len(s) > post.MaxTextLength {
		return policy.Refuse("text-too-long", "the %s is %d bytes, more than %d", what, len(s), post.MaxTextLength)
	}
	return nil
}
