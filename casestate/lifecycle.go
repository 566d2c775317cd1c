package casestate

import (
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

func (c *Case) checkResolve(a Action, _ time.Time) error {
	if err := c.mayWork(a); err != nil {
		return err
	}
	if !c.Active() {
		return policy.Refuse("case-active", "case is already %s", c.Status)
	}
	if c.LaxResolve {
		return nil
	}
	if c.Assignee != "" && c.Assignee != a.Actor.ID && !a.Actor.Senior() {
		return policy.Refuse("collision", "case is claimed by %s; only they or a lead may resolve it", c.Assignee)
	}
	if c.Response != nil && strings.TrimSpace(a.Text) == "" {
		return policy.Refuse("resolve-reason", "the customer is still owed a reply; say why the case is resolved without one (for example: %s)", NoReplyNeeded)
	}
	return nil
}

// NoReplyNeeded is the reason the console offers for resolving a case
// the customer is owed no answer on (a thank-you, a post answered
// elsewhere); any other reason is the agent's own words.
const NoReplyNeeded = "no reply needed"

func (c *Case) applyResolve(a Action, _ string, now time.Time) []Notice {
	c.resolve(a.Actor.ID, a.Text, now)
	return nil
}

// resolve ends the work on the case, measuring the resolution clock; the
// reopen window starts.
func (c *Case) resolve(actor, note string, now time.Time) {
	e := Event{Kind: EventResolved, Actor: actor, Text: note}
	if c.Resolution != nil {
		c.resume(c.Resolution, now) // measure against the due time as if running
		c.stamp(&e, c.Resolution, now)
	}
	if c.Response != nil {
		e.Detail = "resolved with a reply still owed (" + c.outcome(c.Response, now) + ")"
		e.Unanswered = true
	}
	if c.Draft != nil {
		e.Detail = strings.TrimSpace(e.Detail + " draft by " + c.Draft.By + " discarded unpublished")
	}
	c.Response, c.Resolution, c.Draft = nil, nil, nil
	c.Escalation = Escalation{}
	c.Status = StatusResolved
	c.ResolvedAt = now
	c.SilenceCloseAt = time.Time{}
	c.CloseAt = now.Add(c.Policy.SLA.ReopenWindow)
	c.record(now, e)
	if c.Policy.SLA.ReopenWindow == 0 {
		c.Status = StatusClosed
		c.record(now, Event{Kind: EventClosed, Actor: policy.SystemActor, Detail: "no reopen window"})
	}
}

// Reopenable reports whether a follow-up or an agent may reopen the case at
// now: it is resolved and its reopen window has not ended. Whoever starts a
// resolved case's next run asks this first, and the run asks it again.
func (c *Case) Reopenable(now time.Time) bool {
	return c.Status == StatusResolved && now.Before(c.CloseAt)
}

func (c *Case) checkReopen(a Action, now time.Time) error {
	if err := c.mayWork(a); err != nil {
		return err
	}
	if c.Status != StatusResolved {
		return policy.Refuse("case-resolved", "only a resolved case can be reopened; this one is %s", c.Status)
	}
	if !c.Reopenable(now) {
		return policy.Refuse("reopen-window", "the reopen window ended at %s; a new post from the customer opens a new case",
			c.CloseAt.UTC().Format(time.RFC3339))
	}
	return needText(a.Text, "reopen reason")
}

func (c *Case) applyReopen(a Action, _ string, now time.Time) []Notice {
	c.reopen(a.Actor.ID, a.Text, now)
	return nil
}

func (c *Case) reopen(actor, reason string, now time.Time) {
	c.Status = StatusOpen
	c.CloseAt, c.ResolvedAt = time.Time{}, time.Time{}
	c.Resolution = c.newClock(c.Department, ClockResolution, c.Policy.TargetsFor(c.Department, c.Priority).Resolution, now)
	c.record(now, Event{Kind: EventReopened, Actor: actor, Text: reason})
}

// CustomerWrote records a follow-up post from the customer: it owes them a
// reply (the next-response clock, unless one already runs), resumes a paused
// resolution clock, and reopens a resolved case. After close it is only noted.
// The agent holding the case is told when the post makes a reply owed.
func (c *Case) CustomerWrote(p post.Post, now time.Time) []Notice {
	// Delivered twice (webhooks are), or out of bounds (only a signal that
	// did not come through intake can be): nothing to add.
	if c.hasPost(p.ID) || p.Validate() != nil {
		return nil
	}
	owed := c.Response != nil
	c.customerWrote(p, now)
	// Once an exchange: a customer who writes five times before the answer
	// owes the agent one reply, and one notice.
	if owed || !c.Active() || c.Assignee == "" {
		return nil
	}
	// Not the post itself: notices leave for mail and chat, and a private
	// matter stays in the case.
	return []Notice{c.notice(c.Department+"/"+c.Assignee, NoticeCustomerWrote, "the customer wrote again on "+p.Platform+"; the case owes them a reply")}
}

func (c *Case) customerWrote(p post.Post, now time.Time) {
	e := Event{Kind: EventCustomer, Actor: p.Author.Handle, Text: p.Text, Ref: p.ID}
	switch c.Status {
	case StatusClosed:
		e.Detail = "arrived after the case closed; not reopened"
		c.record(now, e)
		return
	case StatusResolved:
		if !c.Reopenable(now) { // the window ended while the post was on its way
			c.closeWindow(now)
			e.Detail = "arrived after the reopen window; not reopened"
			c.record(now, e)
			return
		}
		c.record(now, e)
		c.reopen(policy.SystemActor, "the customer wrote again within the reopen window", now)
	case StatusWaitingCustomer:
		c.Status = StatusOpen
		c.SilenceCloseAt = time.Time{}
		c.resume(c.Resolution, now)
		c.record(now, e)
	default:
		c.record(now, e)
	}
	c.LastCustomerAt = now
	if c.Response == nil {
		c.Response = c.newClock(c.Department, ClockNextResponse, c.Policy.TargetsFor(c.Department, c.Priority).NextResponse, now)
	}
}

func (c *Case) hasPost(id string) bool {
	for _, e := range c.Events {
		if (e.Kind == EventCustomer || e.Kind == EventOpened) && e.Ref == id {
			return true
		}
	}
	return slices.Contains(c.SeenPosts, id)
}

// PostChanged records that the customer edited or deleted one of the case's
// posts on the platform; the original text stays in the trail.
func (c *Case) PostChanged(kind EventKind, postID, text string, now time.Time) {
	if len(postID) > post.MaxIDBytes || len(text) > post.MaxTextLength { // only a forged signal is
		return
	}
	e := Event{Kind: kind, Actor: c.Post.Author.Handle, Ref: postID, Text: text}
	if kind == EventPostDeleted {
		e.Detail = "the customer deleted post " + postID + " on " + c.Post.Platform
	} else {
		e.Detail = "the customer edited post " + postID
	}
	c.record(now, e)
}
