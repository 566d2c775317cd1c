package casestate

import (
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// An incident's holding statement reaches each of its member cases as an
// ActionStatement: the centre of excellence speaks for the brand on a case
// that may be claimed by someone else, so it is not a reply (which only
// the assignee sends) but its own rule. The statement was approved in the
// incident (package incident); the case checks who sends it and that it
// fits the platform, and records it as a reply the customer received.

func (c *Case) checkStatement(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "an incident's statement goes only to cases still being worked"); err != nil {
		return err
	}
	if a.Incident == "" {
		return policy.Refuse("incident-required", "a holding statement is sent from its incident (switchboard incident send)")
	}
	if !a.Actor.In(c.Policy.CoE) || !a.Actor.Senior() {
		return policy.Refuse("incident-sender", "%s cannot send an incident's statement: only a lead or head of %s does", a.Actor.ID, c.Policy.CoE)
	}
	if c.replied(a.Request) {
		return policy.Refuse("duplicate-request", "this statement (request %s) was already sent; it is not sent again", a.Request)
	}
	if c.Draft != nil {
		return policy.Refuse("approval-pending", "a reply by %s awaits approval by %s; the statement would cross it", c.Draft.By, c.Approver)
	}
	if err := needText(a.Text, "statement"); err != nil {
		return err
	}
	private := c.Post.Private
	if n, limit := post.ReplyLength(c.Post.Platform, a.Text), post.ReplyLimit(c.Post.Platform, private); n > limit {
		return policy.Refuse("reply-too-long", "a reply on %s holds at most %d characters; the statement has %d", c.Post.Platform, limit, n)
	}
	if private {
		return nil
	}
	return CheckPublicReply(a.Text, c.Triage.Intent, c.Decision.Private)
}

// applyStatement records the statement as the case's reply: the customer
// has an answer, so the response clock stops as for any reply, and the
// case stays with whoever works it.
func (c *Case) applyStatement(a Action, ref string, now time.Time) []Notice {
	a.Private = c.Post.Private
	c.reply(a, ref, now, "holding statement of incident "+a.Incident)
	return nil
}
