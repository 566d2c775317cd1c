package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/policy"
)

// ClockKind names an SLA target.
type ClockKind string

const (
	ClockFirstResponse ClockKind = "first_response"
	ClockNextResponse  ClockKind = "next_response"
	ClockResolution    ClockKind = "resolution"
	ClockApproval      ClockKind = "approval"
)

func (k ClockKind) label() string {
	switch k {
	case ClockFirstResponse:
		return "first response"
	case ClockNextResponse:
		return "next response"
	case ClockApproval:
		return "approval"
	}
	return "resolution"
}

// Clock is one running SLA target, measured in the owning department's
// working time.
type Clock struct {
	Kind      ClockKind     `json:"kind"`
	Target    time.Duration `json:"target"`
	StartedAt time.Time     `json:"started_at"`
	WarnAt    time.Time     `json:"warn_at"`
	DueAt     time.Time     `json:"due_at"`
	Warned    bool          `json:"warned,omitempty"`
	Breached  bool          `json:"breached,omitempty"`
	// While paused (waiting on the customer) the working time left is kept
	// here and the due times are recomputed on resume.
	Paused    bool          `json:"paused,omitempty"`
	Remaining time.Duration `json:"remaining,omitempty"`
}

// newClock starts a clock in dept's working time.
func (c *Case) newClock(dept string, kind ClockKind, target time.Duration, now time.Time) *Clock {
	cal := c.Policy.Calendar(dept)
	return &Clock{
		Kind: kind, Target: target, StartedAt: now,
		WarnAt: cal.Add(now, time.Duration(float64(target)*c.Policy.SLA.WarningShare)),
		DueAt:  cal.Add(now, target),
	}
}

func (c *Case) pause(k *Clock, now time.Time) {
	if k == nil || k.Paused || k.Breached {
		return
	}
	k.Paused = true
	k.Remaining = c.Policy.Calendar(c.Department).Between(now, k.DueAt)
}

func (c *Case) resume(k *Clock, now time.Time) {
	if k == nil || !k.Paused {
		return
	}
	cal := c.Policy.Calendar(c.Department)
	warnLeft := k.Remaining - time.Duration(float64(k.Target)*(1-c.Policy.SLA.WarningShare))
	k.WarnAt = cal.Add(now, max(warnLeft, 0))
	k.DueAt = cal.Add(now, k.Remaining)
	k.Paused, k.Remaining = false, 0
}

// outcome describes how a clock stopped at now: met or breached, in working
// time against its target.
func (c *Case) outcome(k *Clock, now time.Time) string {
	took := c.calendarOf(k).Between(k.StartedAt, now)
	if now.After(k.DueAt) {
		return fmt.Sprintf("%s breached: %s late (target %s)", k.Kind.label(), roundDur(now.Sub(k.DueAt)), k.Target)
	}
	if k.Kind == ClockResolution { // pauses make "took" misleading; say what was left
		return fmt.Sprintf("%s met: %s before due (target %s)", k.Kind.label(), roundDur(k.DueAt.Sub(now)), k.Target)
	}
	return fmt.Sprintf("%s met in %s (target %s)", k.Kind.label(), roundDur(took), k.Target)
}

func roundDur(d time.Duration) time.Duration { return d.Round(time.Second) }

// calendarOf is the working time a clock runs in: the approver's for an
// approval, the owning department's for the rest.
func (c *Case) calendarOf(k *Clock) *businesshours.Calendar {
	if k.Kind == ClockApproval {
		return c.Policy.Calendar(c.Approver)
	}
	return c.Policy.Calendar(c.Department)
}

// stamp records on e how clock k stood when it stopped at now: outcome's
// sentence for people, and the same as figures for reports.
func (c *Case) stamp(e *Event, k *Clock, now time.Time) {
	e.SLA = c.outcome(k, now)
	cal := c.calendarOf(k)
	// Measured back from the due time rather than from the start, so the
	// working time a resolution clock spent paused is not counted.
	met := !now.After(k.DueAt)
	took := k.Target - cal.Between(now, k.DueAt)
	if !met {
		took = k.Target + cal.Between(k.DueAt, now)
	}
	e.Clock, e.ClockStarted, e.Target, e.Took, e.Met = k.Kind, k.StartedAt, k.Target, max(took, 0), &met
}

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

// Escalation is how far up the owning department's chain a case has gone:
// level 0 is the assignee or queue, level n has called chain step n.
type Escalation struct {
	Level  int       `json:"level"`
	To     string    `json:"to,omitempty"`      // who the current level called in
	NextAt time.Time `json:"next_at,omitempty"` // when the next level is called if nobody acts
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

func (c *Case) chain() []policy.EscalationStep { return c.Policy.Departments[c.Department].Escalation }

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
		return []Notice{c.notice(c.owner(), "SLA warning: "+d.Label)}
	case DeadlineBreach:
		k := c.clock(d.Clock)
		k.Breached = true
		missed := false
		c.record(now, Event{Kind: EventBreach, Actor: policy.SystemActor, Detail: d.Label,
			SLA:   fmt.Sprintf("%s breached (target %s)", k.Kind.label(), k.Target),
			Clock: k.Kind, ClockStarted: k.StartedAt, Target: k.Target, Met: &missed})
		notices := []Notice{c.notice(c.owner(), "SLA breached: "+d.Label)}
		if k.Kind == ClockApproval {
			notices = append(notices, c.notice(c.Approver+"/"+policy.RoleLead, "approval overdue: "+d.Label))
		}
		if c.Escalation.Level == 0 {
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
		return []Notice{c.notice(c.Department+"/"+who, "your claim was released: idle with a reply owed")}
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

func (c *Case) clock(k ClockKind) *Clock {
	switch k {
	case ClockResolution:
		return c.Resolution
	case ClockApproval:
		return c.draftClock()
	}
	return c.Response
}

func (c *Case) draftClock() *Clock {
	if c.Draft == nil {
		return nil
	}
	return c.Draft.Clock
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
	return []Notice{c.notice(c.escalationTarget(step.To), fmt.Sprintf("escalated to you (level %d): %s", c.Escalation.Level, reason))}
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

// Notice is a message switchboard sends to people about a case.
type Notice struct {
	CaseID string `json:"case_id"`
	To     string `json:"to"` // "support", "support/lead", "support/sam"
	Text   string `json:"text"`
}

func (c *Case) notice(to, text string) Notice { return Notice{CaseID: c.ID, To: to, Text: text} }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
