// Package casestate is a customer-care case as plain Go: who owns it, which
// SLA clocks run, what people did, and which actions are allowed. The Case
// workflow holds one of these and feeds it actions and the passing of time;
// everything here is deterministic and free of Temporal.
package casestate

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Status is where a case stands.
type Status string

const (
	StatusOpen             Status = "open"              // someone owes the customer something
	StatusWaitingCustomer  Status = "waiting_customer"  // an agent asked; the customer's turn
	StatusAwaitingApproval Status = "awaiting_approval" // a drafted public reply waits for an approver
	StatusResolved         Status = "resolved"          // done, reopens if the customer writes within the window
	StatusClosed           Status = "closed"            // final
	// StatusSpam: triage closed the post as spam; it waits in the spam
	// queue, with no owner and no SLA, for a person to rescue it, and
	// closes when the queue's time is up (policy.SLA.SpamQueue).
	StatusSpam Status = "spam"
)

// Case is the whole state of one case.
type Case struct {
	ID     string        `json:"id"`
	Post   post.Post     `json:"post"`
	Triage policy.Triage `json:"triage"` // as corrected by people since (relabel, rescue)
	// TriagedIntent is the intent triage gave the post, before any correction.
	TriagedIntent string          `json:"triaged_intent,omitempty"`
	Decision      policy.Decision `json:"decision"`
	Policy        policy.Policy   `json:"policy"`
	OpenedAt      time.Time       `json:"opened_at"`

	Status     Status          `json:"status"`
	Department string          `json:"department"`
	Assignee   string          `json:"assignee,omitempty"`
	Priority   policy.Priority `json:"priority,omitempty"`
	Approver   string          `json:"approver,omitempty"` // department that approves public replies, if any
	Draft      *Draft          `json:"draft,omitempty"`    // a reply awaiting approval
	// AssigneeActiveAt is when the assignee last acted, for idle claims.
	AssigneeActiveAt time.Time `json:"assignee_active_at,omitempty"`

	Response   *Clock     `json:"response,omitempty"`   // a reply owed to the customer
	Resolution *Clock     `json:"resolution,omitempty"` // the case must be resolved by
	Escalation Escalation `json:"escalation"`

	LastCustomerAt time.Time `json:"last_customer_at"`
	SilenceCloseAt time.Time `json:"silence_close_at,omitempty"` // auto-close while waiting on the customer
	ResolvedAt     time.Time `json:"resolved_at,omitempty"`
	CloseAt        time.Time `json:"close_at,omitempty"`     // end of the reopen window
	SpamCloseAt    time.Time `json:"spam_close_at,omitzero"` // when an unrescued spam case closes
	// LaxResolve: this run of the case began before resolving needed a
	// reason while the customer is owed a reply, and before a claimed case
	// could be resolved only by its assignee or a lead
	// (resolve-needs-reason); it keeps the old rule, so its recorded
	// resolves replay as they ran.
	LaxResolve bool `json:"lax_resolve,omitempty"`

	// Events are the steps this run of the case's workflow recorded; the
	// steps before them are in the Earlier runs' histories.
	Events []Event `json:"events"`
	// Earlier are the runs that recorded the case's first steps, oldest
	// first, when the case continued as new (Carried).
	Earlier []EarlierRun `json:"earlier,omitempty"`
	// SeenPosts and SeenRequests keep, across runs, the post ids and the
	// reply request tokens of the newest steps (at most seenBytes each), which
	// the rules check for repeats: a redelivered follow-up, a resubmitted
	// reply.
	SeenPosts    []string `json:"seen_posts,omitempty"`
	SeenRequests []string `json:"seen_requests,omitempty"`
	Revision     int      `json:"revision"` // bumped by every change, so a waiter can tell
}

// EarlierRun is a run of the case's workflow that continued as new: its
// history holds the steps up to and including Last.
type EarlierRun struct {
	Run  string `json:"run"`
	Last int    `json:"last"`
}

// Continuity is the customer's open case when this post arrived, if any.
type Continuity struct {
	CaseID     string `json:"case_id"`
	Department string `json:"department"`
	Assignee   string `json:"assignee,omitempty"`
}

// Open creates the case for a triaged post at time now. A post that policy
// gives no owner (spam) waits in the spam queue, or is closed at once when
// the policy has none. With continuity, the post goes where the customer's
// open case is, unless its intent is routed on its own.
func Open(p post.Post, tri policy.Triage, pol policy.Policy, cont *Continuity, now time.Time) *Case {
	dec := pol.Decide(tri.Signals(p))
	follow := cont != nil && pol.Continuity.Enabled && !dec.Closed() && !slices.Contains(pol.Continuity.ExceptIntents, tri.Intent)
	if follow && cont.Department != dec.Department {
		if _, known := pol.Department(cont.Department); known {
			dec.Reasons = append(dec.Reasons, fmt.Sprintf("continuity: the customer's open case %s is with %s", cont.CaseID, cont.Department))
			dec.Department = cont.Department
		}
	}
	// The case keeps the post as triage redacted it, as it keeps every
	// later post of the customer's (redacted before they are sent to it).
	p.Text = tri.Redacted
	c := &Case{
		ID: p.CaseID(), Post: p, Triage: tri, TriagedIntent: tri.Intent, Decision: dec, Policy: pol, OpenedAt: now,
		LastCustomerAt: now,
	}
	c.record(now, Event{Kind: EventOpened, Actor: p.Author.Handle, Text: tri.Redacted, Ref: p.ID,
		Detail: fmt.Sprintf("%s post %s on %s", p.Platform, p.ID, p.PropertyKey())})
	c.record(now, Event{Kind: EventTriaged, Actor: policy.SystemActor,
		Detail: fmt.Sprintf("intent %s (%.0f%%), sentiment %.2f, language %s, private %t%s", tri.Intent, tri.Confidence*100, tri.Sentiment, tri.Language, dec.Private, c.modelNote())})
	if dec.Closed() {
		c.holdAsSpam(policy.SystemActor, "", now)
		return c
	}
	c.route(dec, now)
	c.record(now, Event{Kind: EventQueued, Actor: policy.SystemActor, Department: dec.Department,
		Detail: fmt.Sprintf("queued for %s at %s", dec.Department, dec.Priority)})
	if follow && pol.Continuity.KeepAssignee && cont.Assignee != "" && cont.Department == c.Department {
		c.Assignee, c.AssigneeActiveAt = cont.Assignee, now
		c.record(now, Event{Kind: EventAssigned, Actor: policy.SystemActor,
			Detail: fmt.Sprintf("assigned to %s, who has the customer's open case %s", cont.Assignee, cont.CaseID)})
	}
	return c
}

// route makes dec the case's routing: its owner (with clocks from now),
// priority and approver; the case is open.
func (c *Case) route(dec policy.Decision, now time.Time) {
	c.Decision = dec
	c.Status = StatusOpen
	c.SilenceCloseAt = time.Time{}
	c.Priority = dec.Priority
	c.Approver = c.Policy.ApproverFor(c.Post.PropertyKey(), c.Triage.Intent)
	c.assign(dec.Department, now)
}

// holdAsSpam puts the case in the spam queue (or closes it, when the policy
// keeps no queue): no assignee, no clocks, nothing owed. The queue is the
// property's responder's, whose people read it and rescue what is not spam.
func (c *Case) holdAsSpam(actor, reason string, now time.Time) {
	c.Department, c.Assignee, c.Priority, c.Approver, c.Draft = "", "", "", "", nil
	c.Response, c.Resolution, c.Escalation = nil, nil, Escalation{}
	c.SilenceCloseAt = time.Time{}
	if c.Policy.SLA.SpamQueue == 0 {
		c.Status = StatusClosed // as before the queue: no department at all
		c.record(now, Event{Kind: EventClosed, Actor: actor, Text: reason, Detail: "closed as " + c.Triage.Intent + ": no owner, no SLA"})
		return
	}
	c.Status = StatusSpam
	c.Department = c.Policy.Responder(c.Post.PropertyKey())
	c.SpamCloseAt = now.Add(c.Policy.SLA.SpamQueue)
	c.record(now, Event{Kind: EventSpamQueued, Actor: actor, Text: reason,
		Detail: fmt.Sprintf("held in the spam queue until %s: no owner, no SLA; rescue it to open it as a case", c.SpamCloseAt.UTC().Format(time.RFC3339))})
}

// modelNote names the intent model that triaged the post, for the trail.
func (c *Case) modelNote() string {
	if c.Triage.ModelVersion == "" {
		return ""
	}
	return ", model " + c.Triage.ModelVersion
}

// assign gives the case to a department with fresh clocks.
func (c *Case) assign(dept string, now time.Time) {
	c.Department = dept
	c.Assignee = ""
	c.Draft = nil
	c.Escalation = Escalation{}
	t := c.Policy.TargetsFor(dept, c.Priority)
	c.Response = c.newClock(dept, ClockFirstResponse, t.FirstResponse, now)
	c.Resolution = c.newClock(dept, ClockResolution, t.Resolution, now)
}

// Active reports whether the case is being worked: open, waiting on the
// customer, or waiting on an approver.
func (c *Case) Active() bool {
	return c.Status == StatusOpen || c.Status == StatusWaitingCustomer || c.Status == StatusAwaitingApproval
}

// Queued reports whether the case waits in its department's queue for an agent.
func (c *Case) Queued() bool { return c.Active() && c.Assignee == "" }

// NeedsReview reports whether the case still waits for a person to confirm
// what triage was unsure of: until an agent relabels it (to the same intent,
// to confirm) or hands it off.
func (c *Case) NeedsReview() bool { return c.Triage.NeedsReview && c.Active() }

// Closed reports whether the case is over for good: nothing reopens it.
func (c *Case) Closed() bool { return c.Status == StatusClosed }

// Breached reports whether a clock the case currently owes is past due.
func (c *Case) Breached() bool {
	return (c.Response != nil && c.Response.Breached) || (c.Draft != nil && c.Draft.Clock.Breached) ||
		(c.Resolution != nil && c.Resolution.Breached && !c.Resolution.Paused)
}

// SLADue is the next SLA due time an operator should watch: the owed reply,
// else the resolution; zero when no clock runs.
func (c *Case) SLADue() time.Time {
	if c.Response != nil {
		return c.Response.DueAt
	}
	if c.Resolution != nil && !c.Resolution.Paused {
		return c.Resolution.DueAt
	}
	return time.Time{}
}

func (c *Case) record(now time.Time, e Event) {
	e.Seq = c.Steps() + 1
	e.At = now
	if e.Department == "" {
		e.Department = c.Department
	}
	c.Events = append(c.Events, e)
	c.Revision++
}

// Steps is the length of the case's whole trail, across runs.
func (c *Case) Steps() int { return c.EarlierSteps() + len(c.Events) }

// EarlierSteps is how many steps earlier runs hold.
func (c *Case) EarlierSteps() int {
	if n := len(c.Earlier); n > 0 {
		return c.Earlier[n-1].Last
	}
	return 0
}

// HeldBy is the earlier run whose history holds step seq, if one does.
func (c *Case) HeldBy(seq int) (EarlierRun, bool) {
	for _, r := range c.Earlier {
		if seq <= r.Last {
			return r, true
		}
	}
	return EarlierRun{}, false
}

// seenBytes bounds the post ids, and again the request tokens, carried
// across runs (the newest: a thousand short ids, or 256 of the longest):
// the repeats they catch come minutes after the original, not thousands of
// steps later.
const seenBytes = 256 << 10

// Carried is the case to carry into the next run of its workflow when it
// continues as new, from run: its steps stay in run's history (Earlier),
// and what the rules read of them comes along (the ids of the customer's
// posts, the request tokens of replies), so what is carried stays small
// however long the trail.
func (c *Case) Carried(run string) Case {
	out := *c
	out.SeenPosts, out.SeenRequests = slices.Clone(c.SeenPosts), slices.Clone(c.SeenRequests)
	for _, e := range c.Events {
		if (e.Kind == EventCustomer || e.Kind == EventOpened) && e.Ref != "" {
			out.SeenPosts = append(out.SeenPosts, e.Ref)
		}
		if (e.Kind == EventReplied || e.Kind == EventDrafted) && e.Request != "" {
			out.SeenRequests = append(out.SeenRequests, e.Request)
		}
	}
	out.SeenPosts = newest(out.SeenPosts)
	out.SeenRequests = newest(out.SeenRequests)
	out.Earlier = append(slices.Clone(c.Earlier), EarlierRun{Run: run, Last: c.Steps()})
	out.Events = nil
	return out
}

// newest is the end of s that fits seenBytes, at most a thousand.
func newest(s []string) []string {
	from, size := len(s), 0
	for from > 0 && len(s)-from < 1000 && size+len(s[from-1]) <= seenBytes {
		from--
		size += len(s[from])
	}
	return s[from:]
}

// SystemNote records something the system itself has to tell the case's
// readers (a look-up that could not be made, say) in the trail.
func (c *Case) SystemNote(text string, now time.Time) {
	c.record(now, Event{Kind: EventNoted, Actor: policy.SystemActor, Text: text})
}
