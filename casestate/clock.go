package casestate

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
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
	cal := c.calendarOf(k)
	if now.After(k.DueAt) {
		return fmt.Sprintf("%s breached: %s late (target %s of working time)", k.Kind.label(), brief(cal.Between(k.DueAt, now)), brief(k.Target))
	}
	if k.Kind == ClockResolution { // pauses make "took" misleading; say what was left
		return fmt.Sprintf("%s met with %s to spare (target %s of working time)", k.Kind.label(), brief(cal.Between(now, k.DueAt)), brief(k.Target))
	}
	return fmt.Sprintf("%s met in %s (target %s of working time)", k.Kind.label(), brief(cal.Between(k.StartedAt, now)), brief(k.Target))
}

// brief writes a duration for people: whole minutes past a minute ("1h5m",
// "20m", "24h"), seconds below it.
func brief(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String() // "1h5m0s"
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(strings.Replace(s, "h0m", "h", 1), "m0s")
}

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

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
