package casestate

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Draft is a public reply waiting for an approver.
type Draft struct {
	Text          string    `json:"text"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
	AwaitCustomer bool      `json:"await_customer,omitempty"`
	Private       bool      `json:"private,omitempty"`
	Clock         *Clock    `json:"clock"`
}

// Message is what a reply sends the customer, and whether privately; By
// wrote it, AwaitCustomer says it asks the customer something, Request is
// the reply's token (an approved draft's is on its drafted event).
type Message struct {
	Text          string
	Private       bool
	By            string
	AwaitCustomer bool
	Request       string
}

// ToPublish returns the text an action sends to the customer, if any: a
// reply on a case without an approver, or an approved draft. The workflow
// publishes it before recording the action (Published).
func (c *Case) ToPublish(kind ActionKind, a Action) (Message, bool) {
	switch {
	case kind == ActionReply && c.Approver == "":
		return Message{Text: a.Text, Private: a.Private, By: a.Actor.ID, AwaitCustomer: a.AwaitCustomer, Request: a.Request}, true
	case kind == ActionStatement:
		return Message{Text: a.Text, Private: c.Post.Private, By: a.Actor.ID, Request: a.Request}, true
	case kind == ActionApprove && c.Draft != nil:
		return Message{Text: c.Draft.Text, Private: c.Draft.Private, By: c.Draft.By, AwaitCustomer: c.Draft.AwaitCustomer}, true
	}
	return Message{}, false
}

// Published records msg, which an action (a reply, an approval) published
// on the platform as ref. It is never refused: while the message went out
// the case may have moved (an idle claim released, the dispatcher taking
// the case back, an automatic resolve or close), but the customer has the
// message, so the trail records it, saying what changed. On a case still
// active the reply stops its clocks as any reply does; a resolved or
// closed case stays so.
func (c *Case) Published(kind ActionKind, a Action, msg Message, ref string, now time.Time) []Notice {
	err := c.Check(kind, a, now)
	if err == nil {
		return c.apply(kind, a, ref, now)
	}
	late := "the case changed while this went out (" + err.Error() + "); recorded as the customer received it"
	if kind == ActionApprove {
		late = "approved by " + a.Actor.ID + "; " + late
	}
	if !c.Active() {
		c.record(now, Event{Kind: EventReplied, Actor: msg.By, Text: msg.Text, Ref: ref, Request: msg.Request, Detail: late + "; the case stays " + string(c.Status)})
		return nil
	}
	c.reply(Action{Actor: policy.Actor{ID: msg.By}, Text: msg.Text, AwaitCustomer: msg.AwaitCustomer, Private: msg.Private, Request: msg.Request}, ref, now, late)
	return nil
}

func (c *Case) checkReply(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "reopen it before replying"); err != nil {
		return err
	}
	if c.Assignee == "" {
		return policy.Refuse("claim-first", "claim the case before replying, so two agents never answer the same customer")
	}
	if c.Assignee != a.Actor.ID {
		return policy.Refuse("collision", "case is claimed by %s; only the assignee may reply", c.Assignee)
	}
	if c.Draft != nil {
		return policy.Refuse("approval-pending", "a reply by %s already awaits approval by %s", c.Draft.By, c.Approver)
	}
	if c.replied(a.Request) {
		return policy.Refuse("duplicate-request", "this reply (request %s) was already sent; it is not sent again", a.Request)
	}
	if err := needText(a.Text, "reply"); err != nil {
		return err
	}
	if n, limit := post.ReplyLength(c.Post.Platform, a.Text), post.ReplyLimit(c.Post.Platform, a.Private); n > limit {
		where := "public reply"
		if a.Private {
			where = "private message"
		}
		return policy.Refuse("reply-too-long", "a %s on %s holds at most %d characters; this one has %d", where, c.Post.Platform, limit, n)
	}
	if a.Private || c.Post.Private { // an answer to a private message is one too
		return nil
	}
	return CheckPublicReply(a.Text, c.Triage.Intent, c.Decision.Private)
}

// applyReply records a published reply, or, where a department approves the
// property's replies, holds it as a draft.
func (c *Case) applyReply(a Action, ref string, now time.Time) []Notice {
	if c.Approver != "" {
		return c.draft(a, now)
	}
	c.reply(a, ref, now, "")
	return nil
}

func (c *Case) checkApprove(a Action, _ time.Time) error { return c.checkApproval(a) }

func (c *Case) checkReject(a Action, _ time.Time) error {
	if err := c.checkApproval(a); err != nil {
		return err
	}
	return needText(a.Text, "rejection reason")
}

// applyApprove records the approval, with the approval clock's outcome, and
// the draft's publication as its author's reply.
func (c *Case) applyApprove(a Action, ref string, now time.Time) []Notice {
	d := c.Draft
	c.Draft = nil
	e := Event{Kind: EventApproved, Actor: a.Actor.ID, Text: d.Text, Detail: "drafted by " + d.By}
	c.stamp(&e, d.Clock, now)
	c.record(now, e)
	c.reply(Action{Actor: policy.Actor{ID: d.By}, Text: d.Text, AwaitCustomer: d.AwaitCustomer, Private: d.Private}, ref, now, "")
	return nil
}

// applyReject returns the draft to its author with the approver's reason.
func (c *Case) applyReject(a Action, _ string, now time.Time) []Notice {
	d := c.Draft
	c.Draft = nil
	c.Status = StatusOpen
	e := Event{Kind: EventRejected, Actor: a.Actor.ID, Text: a.Text, Detail: "draft by " + d.By + " returned: " + d.Text}
	c.stamp(&e, d.Clock, now)
	c.record(now, e)
	return []Notice{c.notice(c.Department+"/"+d.By, NoticeRejected, "your draft was rejected by "+a.Actor.ID+": "+a.Text)}
}

// checkApproval: only an approver of the approving department decides on a
// draft, and never on their own (four eyes).
func (c *Case) checkApproval(a Action) error {
	if c.Draft == nil {
		return policy.Refuse("no-draft", "no reply awaits approval on this case")
	}
	if !a.Actor.In(c.Approver) || !a.Actor.Has(policy.RoleApprover) {
		return policy.Refuse("approver", "%s is not an approver of %s", a.Actor.ID, c.Approver)
	}
	if a.Actor.ID == c.Draft.By {
		return policy.Refuse("four-eyes", "%s drafted this reply; another approver must decide", a.Actor.ID)
	}
	return nil
}

// replied reports whether a reply or draft with this request token is on
// the trail.
func (c *Case) replied(request string) bool {
	if request == "" {
		return false
	}
	for _, e := range c.Events {
		if (e.Kind == EventReplied || e.Kind == EventDrafted) && e.Request == request {
			return true
		}
	}
	return slices.Contains(c.SeenRequests, request)
}

// draft holds a public reply for the approving department, with its own
// clock; the customer's reply clock keeps running meanwhile.
func (c *Case) draft(a Action, now time.Time) []Notice {
	clock := c.newClock(c.Approver, ClockApproval, c.Policy.TargetsFor(c.Approver, c.Priority).Approval, now)
	c.Draft = &Draft{Text: a.Text, By: a.Actor.ID, At: now, AwaitCustomer: a.AwaitCustomer, Private: a.Private, Clock: clock}
	c.Status = StatusAwaitingApproval
	c.record(now, Event{Kind: EventDrafted, Actor: a.Actor.ID, Text: a.Text, Request: a.Request, Private: a.Private,
		Detail: fmt.Sprintf("awaits approval by %s; due %s", c.Approver, clock.DueAt.UTC().Format(time.RFC3339))})
	return []Notice{c.notice(c.Approver+"/"+policy.RoleApprover, NoticeApproval, "a reply awaits your approval: "+a.Text)}
}

// reply records a published reply; note, if any, says how it came to be
// recorded.
func (c *Case) reply(a Action, ref string, now time.Time, note string) {
	e := Event{Kind: EventReplied, Actor: a.Actor.ID, Text: a.Text, Ref: ref, Request: a.Request, Detail: note, Private: a.Private}
	if c.Response != nil {
		c.stamp(&e, c.Response, now)
		c.Response = nil
	}
	c.Escalation = Escalation{}
	if a.AwaitCustomer {
		c.Status = StatusWaitingCustomer
		c.pause(c.Resolution, now)
		c.SilenceCloseAt = now.Add(c.Policy.SLA.CustomerSilence)
		if e.Detail != "" {
			e.Detail += "; "
		}
		e.Detail += "waiting on the customer; resolution clock paused"
	} else {
		c.Status = StatusOpen
		c.resume(c.Resolution, now)
		c.SilenceCloseAt = time.Time{}
	}
	c.record(now, e)
}
