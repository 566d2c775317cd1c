package casestate

import "time"

// EventKind names a step of the audit trail.
type EventKind string

const (
	EventOpened      EventKind = "opened"
	EventTriaged     EventKind = "triaged"
	EventQueued      EventKind = "queued"
	EventClaimed     EventKind = "claimed"
	EventAssigned    EventKind = "assigned"
	EventReleased    EventKind = "released"
	EventReplied     EventKind = "replied"
	EventDrafted     EventKind = "drafted"
	EventApproved    EventKind = "approved"
	EventRejected    EventKind = "rejected"
	EventNoted       EventKind = "noted"
	EventHandedOff   EventKind = "handed_off"
	EventEscalated   EventKind = "escalated"
	EventWarning     EventKind = "sla_warning"
	EventBreach      EventKind = "sla_breach"
	EventCustomer    EventKind = "customer_wrote"
	EventPostEdited  EventKind = "post_edited"
	EventPostDeleted EventKind = "post_deleted"
	EventResolved    EventKind = "resolved"
	EventReopened    EventKind = "reopened"
	EventClosed      EventKind = "closed"
	EventSpamQueued  EventKind = "spam_queued" // held in the spam queue
	EventRescued     EventKind = "rescued"     // a person took it out of the spam queue
	EventRelabeled   EventKind = "relabeled"   // a person corrected triage's intent
)

// Event is one step of a case's audit trail: who did what, when, for which
// department, and how it stood against the SLA.
type Event struct {
	Seq        int       `json:"seq"`
	At         time.Time `json:"at"`
	Kind       EventKind `json:"kind"`
	Actor      string    `json:"actor"`
	Department string    `json:"department,omitempty"`
	Text       string    `json:"text,omitempty"`    // what was said (redacted for customer posts)
	Detail     string    `json:"detail,omitempty"`  // reason, target, context
	SLA        string    `json:"sla,omitempty"`     // outcome against a target
	Ref        string    `json:"ref,omitempty"`     // e.g. the platform id of a published reply
	Request    string    `json:"request,omitempty"` // the token of a reply or draft (Action.Request)
	Intent     string    `json:"intent,omitempty"`  // the intent a relabel or rescue gave the post
	Private    bool      `json:"private,omitempty"` // a reply sent, or drafted, as a private message
	// The SLA outcome as figures, so reports need not parse SLA. Set when a
	// clock stops (Met says whether in time) or breaches (Met false); the
	// clock is identified by its kind and start.
	Clock        ClockKind     `json:"clock,omitempty"`
	ClockStarted time.Time     `json:"clock_started,omitzero"`
	Target       time.Duration `json:"target,omitempty"`
	Took         time.Duration `json:"took,omitempty"` // working time the clock ran, pauses excluded; on stops only
	Met          *bool         `json:"met,omitempty"`
	// Unanswered marks a resolve that left the customer's owed reply
	// unsent; the SLA report counts these apart.
	Unanswered bool `json:"unanswered,omitempty"`
}
