package casestate

import "github.com/switchboard-care/switchboard/policy"

// ActionKind names something an agent does to a case.
type ActionKind string

const (
	ActionClaim    ActionKind = "claim"
	ActionRelease  ActionKind = "release"
	ActionReply    ActionKind = "reply"
	ActionNote     ActionKind = "note"
	ActionHandoff  ActionKind = "handoff"
	ActionEscalate ActionKind = "escalate"
	ActionResolve  ActionKind = "resolve"
	ActionReopen   ActionKind = "reopen"
	ActionApprove  ActionKind = "approve"
	ActionReject   ActionKind = "reject"
	// ActionRelabel corrects triage: the post's intent is Intent, and the
	// case goes where the policy routes that intent. To the same intent it
	// confirms a post triage marked needs review.
	ActionRelabel ActionKind = "relabel"
	// ActionRescue takes a post out of the spam queue as Intent: a case
	// whose SLA clocks run from when the post arrived.
	ActionRescue ActionKind = "rescue"
	// ActionAssign is a lead giving the case to To, an agent of the
	// department (Assignee says who they are).
	ActionAssign ActionKind = "assign"
	// ActionStatement is an incident's approved holding statement, sent
	// to one of its member cases (Incident names it).
	ActionStatement ActionKind = "statement"
)

// Actions lists every action kind.
var Actions = []ActionKind{ActionClaim, ActionRelease, ActionReply, ActionNote, ActionHandoff, ActionEscalate, ActionResolve, ActionReopen, ActionApprove, ActionReject, ActionRelabel, ActionRescue, ActionAssign, ActionStatement}

// Action is an agent's request. Text is the reply, note or reason; To the
// department of a handoff; Intent the intent of a relabel or rescue.
type Action struct {
	Actor         policy.Actor `json:"actor"`
	Text          string       `json:"text,omitempty"`
	To            string       `json:"to,omitempty"`
	Intent        string       `json:"intent,omitempty"`
	AwaitCustomer bool         `json:"await_customer,omitempty"` // a reply that asks the customer something
	Private       bool         `json:"private,omitempty"`        // reply by private message, not in public
	// Assignee is who an assign gives the case to, as the directory has
	// them (caseapi fills it in, and the proof covers it): the case checks
	// they work for its department.
	Assignee *policy.Actor `json:"assignee,omitempty"`
	// Request is the token of the human intent behind the action: one per
	// rendered console form, one per CLI run. The client also uses it as the
	// Update ID, so a resubmission is the same Update; the case records it
	// on replies and drafts and refuses a second reply with it.
	Request string `json:"request,omitempty"`
	// Incident is the incident a statement, or a resolve, comes from.
	Incident string `json:"incident,omitempty"`
	// Proof is the signed assertion (package assertion) that Actor performs
	// this action; the case's validator checks it, so the actor is never
	// just what the caller says.
	Proof string `json:"proof,omitempty"`
}
