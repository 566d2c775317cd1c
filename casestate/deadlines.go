package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// DeadlineKind says what happens when a deadline passes.
type DeadlineKind string

const (
	DeadlineWarning      DeadlineKind = "warning"
	DeadlineBreach       DeadlineKind = "breach"
	DeadlineEscalation   DeadlineKind = "escalation"
	DeadlineSilence      DeadlineKind = "customer_silence"
	DeadlineReopenWindow DeadlineKind = "reopen_window"
	DeadlineSpamQueue    DeadlineKind = "spam_queue"
	DeadlineClaimIdle    DeadlineKind = "claim_idle"
)

// Deadline is the next moment the case must act on by itself.
type Deadline struct {
	At    time.Time    `json:"at"`
	Kind  DeadlineKind `json:"kind"`
	Clock ClockKind    `json:"clock,omitempty"`
	Label string       `json:"label"` // the timer's summary in the Web UI
}

// NextDeadline returns the earliest pending deadline, or false when the case
// waits on people alone. Candidates are checked in a fixed order, so ties
// resolve the same way on every replay.
func (c *Case) NextDeadline() (Deadline, bool) {
	var best Deadline
	found := false
	consider := func(d Deadline) {
		if d.At.IsZero() {
			return
		}
		if !found || d.At.Before(best.At) {
			best, found = d, true
		}
	}
	for _, k := range []*Clock{c.Response, c.Resolution, c.draftClock()} {
		if k == nil || k.Paused || k.Breached {
			continue
		}
		who := fmt.Sprintf("%s, %s", c.Department, c.Priority)
		if k.Kind == ClockApproval {
			who = fmt.Sprintf("%s approver, %s", c.Approver, c.Priority)
		}
		if !k.Warned {
			consider(Deadline{At: k.WarnAt, Kind: DeadlineWarning, Clock: k.Kind,
				Label: fmt.Sprintf("%s warning (%.0f%%) — %s", k.Kind.label(), c.Policy.SLA.WarningShare*100, who)})
		}
		consider(Deadline{At: k.DueAt, Kind: DeadlineBreach, Clock: k.Kind, Label: fmt.Sprintf("%s due — %s", k.Kind.label(), who)})
	}
	if chain := c.chain(); c.Escalation.Level > 0 && c.Escalation.Level < len(chain) {
		consider(Deadline{At: c.Escalation.NextAt, Kind: DeadlineEscalation,
			Label: fmt.Sprintf("escalation to %s — %s", chain[c.Escalation.Level].To, c.Department)})
	}
	if idle := c.Policy.Departments[c.Department].Assignment.ClaimIdle; idle > 0 && c.Assignee != "" && c.Status == StatusOpen && c.Response != nil {
		// Idle since the later of their last action and the customer's post.
		since := maxTime(c.AssigneeActiveAt, c.Response.StartedAt)
		consider(Deadline{At: since.Add(idle), Kind: DeadlineClaimIdle,
			Label: fmt.Sprintf("release %s's idle claim — %s", c.Assignee, c.Department)})
	}
	if c.Status == StatusWaitingCustomer {
		consider(Deadline{At: c.SilenceCloseAt, Kind: DeadlineSilence, Label: "auto-close if the customer stays silent"})
	}
	if c.Status == StatusResolved {
		consider(Deadline{At: c.CloseAt, Kind: DeadlineReopenWindow, Label: "reopen window ends"})
	}
	if c.Status == StatusSpam {
		consider(Deadline{At: c.SpamCloseAt, Kind: DeadlineSpamQueue, Label: "spam queue ends: closes unless rescued"})
	}
	return best, found
}

// Advance applies every deadline that has passed by now, in order, and
// returns who must be told.
func (c *Case) Advance(now time.Time) []Notice {
	var notices []Notice
	for {
		d, ok := c.NextDeadline()
		if !ok || d.At.After(now) {
			return notices
		}
		notices = append(notices, c.fire(d, now)...)
	}
}

func (c *Case) fire(d Deadline, now time.Time) []Notice {
	switch d.Kind {
	case DeadlineWarning:
		k := c.clock(d.Clock)
		k.Warned = true
		c.record(now, Event{Kind: EventWarning, Actor: policy.SystemActor, Detail: d.Label,
			SLA: fmt.Sprintf("%s due %s", k.Kind.label(), k.DueAt.UTC().Format(time.RFC3339))})
		return []Notice{c.notice(c.owner(), NoticeWarning, "SLA warning: "+d.Label)}
	case DeadlineBreach:
		k := c.clock(d.Clock)
		k.Breached = true
		missed := false
		c.record(now, Event{Kind: EventBreach, Actor: policy.SystemActor, Detail: d.Label,
			SLA:   fmt.Sprintf("%s breached (target %s)", k.Kind.label(), k.Target),
			Clock: k.Kind, ClockStarted: k.StartedAt, Target: k.Target, Met: &missed})
		notices := []Notice{c.notice(c.owner(), NoticeBreach, "SLA breached: "+d.Label)}
		if k.Kind == ClockApproval {
			notices = append(notices, c.notice(c.Approver+"/"+policy.RoleLead, NoticeApproval, "approval overdue: "+d.Label))
		}
		if c.Escalation.Level == 0 && len(c.chain()) > 0 { // a department may be the top of every chain
			notices = append(notices, c.escalate(policy.SystemActor, "SLA breached: "+d.Label, now)...)
		}
		return notices
	case DeadlineEscalation:
		return c.escalate(policy.SystemActor, fmt.Sprintf("nobody acted within %s at level %d", c.chain()[c.Escalation.Level-1].Within, c.Escalation.Level), now)
	case DeadlineClaimIdle:
		who := c.Assignee
		c.Assignee = ""
		c.record(now, Event{Kind: EventReleased, Actor: policy.SystemActor,
			Detail: fmt.Sprintf("%s's claim idle for %s with a reply owed; back in the queue", who, c.Policy.Departments[c.Department].Assignment.ClaimIdle)})
		return []Notice{c.notice(c.Department+"/"+who, NoticeReleased, "your claim was released: idle with a reply owed")}
	case DeadlineSilence:
		c.resolve(policy.SystemActor, fmt.Sprintf("customer silent for %s", c.Policy.SLA.CustomerSilence), now)
		return nil
	case DeadlineReopenWindow:
		c.closeWindow(now)
		return nil
	case DeadlineSpamQueue:
		c.Status = StatusClosed
		c.record(now, Event{Kind: EventClosed, Actor: policy.SystemActor, Detail: fmt.Sprintf("not rescued from the spam queue within %s", c.Policy.SLA.SpamQueue)})
		return nil
	}
	panic(fmt.Sprintf("casestate: unknown deadline kind %q", d.Kind))
}

// closeWindow closes a resolved case whose reopen window has ended.
func (c *Case) closeWindow(now time.Time) {
	c.Status = StatusClosed
	c.record(now, Event{Kind: EventClosed, Actor: policy.SystemActor, Detail: "reopen window ended"})
}
