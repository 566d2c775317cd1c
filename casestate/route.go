package casestate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// checkRescue: only a case in the spam queue is rescued, by someone who
// keeps the queue, as an intent that gives it an owner.
func (c *Case) checkRescue(a Action, _ time.Time) error {
	if c.Status != StatusSpam {
		return policy.Refuse("spam-queue", "case is %s, not in the spam queue", c.Status)
	}
	if err := c.member(a); err != nil {
		return err
	}
	if err := c.checkIntent(a.Intent); err != nil {
		return err
	}
	if c.decide(a.Intent).Closed() {
		return policy.Refuse("rescue-intent", "intent %s has no owner; rescue the post as an intent that has one", a.Intent)
	}
	return nil
}

func (c *Case) checkRelabel(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "reopen it before relabelling"); err != nil {
		return err
	}
	if err := c.checkIntent(a.Intent); err != nil {
		return err
	}
	if a.Intent == c.Triage.Intent && !c.NeedsReview() {
		return policy.Refuse("relabel-same", "the post is already %s; give another intent", a.Intent)
	}
	return needText(a.Text, "relabel reason")
}

func (c *Case) checkHandoff(a Action, _ time.Time) error {
	if err := c.mayWorkActive(a, "reopen it before handing it off"); err != nil {
		return err
	}
	if a.To == c.Department {
		return policy.Refuse("handoff-target", "case is already owned by %s; hand off to another department", a.To)
	}
	if _, ok := c.Policy.Department(a.To); !ok {
		return policy.Refuse("handoff-target", "unknown department %q (known: %s)", a.To, strings.Join(c.Policy.DepartmentIDs(), ", "))
	}
	return needText(a.Text, "handoff reason")
}

// applyHandoff gives the case to another department with fresh clocks and
// the whole trail; a draft nobody approved yet goes with the old owner.
func (c *Case) applyHandoff(a Action, _ string, now time.Time) []Notice {
	from, detail := c.Department, ""
	if c.Draft != nil {
		detail = "; unpublished draft by " + c.Draft.By + " discarded"
	}
	c.Status = StatusOpen
	c.SilenceCloseAt = time.Time{}
	c.assign(a.To, now)
	c.record(now, Event{Kind: EventHandedOff, Actor: a.Actor.ID, Department: a.To, Text: a.Text,
		Detail: fmt.Sprintf("from %s to %s; fresh clock: first response due %s%s", from, a.To, c.Response.DueAt.UTC().Format(time.RFC3339), detail)})
	return []Notice{c.notice(a.To, NoticeHandedOver, fmt.Sprintf("handed over from %s: %s", from, a.Text))}
}

// checkIntent: an intent an agent gives must be one the routing knows.
func (c *Case) checkIntent(intent string) error {
	if known := c.Policy.Intents(); !slices.Contains(known, intent) {
		return policy.Refuse("intent", "unknown intent %q (known: %s)", intent, strings.Join(known, ", "))
	}
	return nil
}

// decide routes the case's post as intent, as triage would have with no
// doubt about it.
func (c *Case) decide(intent string) policy.Decision {
	tri := c.Triage
	tri.Intent, tri.NeedsReview = intent, false
	return c.Policy.Decide(tri.Signals(c.Post))
}

// applyRelabel gives the post the intent an agent says it has. A new owner
// gets the case with fresh clocks, as on a handoff; the same owner keeps its
// clocks. To spam, the case goes to the spam queue.
func (c *Case) applyRelabel(a Action, _ string, now time.Time) []Notice {
	from, fromDept := c.Triage.Intent, c.Department
	dec := c.decide(a.Intent)
	c.Triage.Intent, c.Triage.NeedsReview = a.Intent, false
	e := Event{Kind: EventRelabeled, Actor: a.Actor.ID, Text: a.Text, Intent: a.Intent}
	switch {
	case dec.Closed():
		e.Department = dec.Department
		e.Detail = fmt.Sprintf("intent %s → %s", from, a.Intent)
		c.record(now, e)
		c.holdAsSpam(a.Actor.ID, a.Text, now)
		return nil
	case dec.Department != fromDept:
		discarded := ""
		if c.Draft != nil {
			discarded = "; unpublished draft by " + c.Draft.By + " discarded"
		}
		c.route(dec, now)
		e.Detail = fmt.Sprintf("intent %s → %s; from %s to %s at %s; fresh clock: first response due %s%s",
			from, a.Intent, fromDept, c.Department, c.Priority, c.Response.DueAt.UTC().Format(time.RFC3339), discarded)
		c.record(now, e)
		return []Notice{c.notice(c.Department, NoticeRerouted, fmt.Sprintf("relabelled %s by %s and routed to you: %s", a.Intent, a.Actor.ID, a.Text))}
	default:
		c.Decision, c.Priority = dec, dec.Priority
		c.Approver = c.Policy.ApproverFor(c.Post.PropertyKey(), a.Intent)
		e.Detail = fmt.Sprintf("intent %s → %s; stays with %s at %s; clocks unchanged", from, a.Intent, c.Department, c.Priority)
		if from == a.Intent {
			e.Detail = fmt.Sprintf("intent %s confirmed; stays with %s", a.Intent, c.Department)
		}
		c.record(now, e)
		return nil
	}
}

// applyRescue takes the case out of the spam queue as a.Intent. Its clocks
// run from when the post arrived: the customer has been waiting since then.
func (c *Case) applyRescue(a Action, _ string, now time.Time) []Notice {
	from := c.Triage.Intent
	dec := c.decide(a.Intent)
	c.Triage.Intent, c.Triage.NeedsReview, c.Triage.Spam = a.Intent, false, false
	c.SpamCloseAt = time.Time{}
	c.route(dec, c.OpenedAt)
	c.record(now, Event{Kind: EventRescued, Actor: a.Actor.ID, Text: a.Text, Intent: a.Intent,
		Detail: fmt.Sprintf("rescued from the spam queue: intent %s → %s, to %s at %s; clocks run from arrival (first response due %s)",
			from, a.Intent, c.Department, c.Priority, c.Response.DueAt.UTC().Format(time.RFC3339))})
	return []Notice{c.notice(c.Department, NoticeRerouted, fmt.Sprintf("rescued from the spam queue by %s: %s", a.Actor.ID, c.Triage.Redacted))}
}
