package casestate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

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
)

// Actions lists every action kind.
var Actions = []ActionKind{ActionClaim, ActionRelease, ActionReply, ActionNote, ActionHandoff, ActionEscalate, ActionResolve, ActionReopen, ActionApprove, ActionReject, ActionRelabel, ActionRescue}

// Draft is a public reply waiting for an approver.
type Draft struct {
	Text          string    `json:"text"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
	AwaitCustomer bool      `json:"await_customer,omitempty"`
	Private       bool      `json:"private,omitempty"`
	Clock         *Clock    `json:"clock"`
}

// Action is an agent's request. Text is the reply, note or reason; To the
// department of a handoff; Intent the intent of a relabel or rescue.
type Action struct {
	Actor         policy.Actor `json:"actor"`
	Text          string       `json:"text,omitempty"`
	To            string       `json:"to,omitempty"`
	Intent        string       `json:"intent,omitempty"`
	AwaitCustomer bool         `json:"await_customer,omitempty"` // a reply that asks the customer something
	Private       bool         `json:"private,omitempty"`        // reply by private message, not in public
	// Request is the token of the human intent behind the action: one per
	// rendered console form, one per CLI run. The client also uses it as the
	// Update ID, so a resubmission is the same Update; the case records it
	// on replies and drafts and refuses a second reply with it.
	Request string `json:"request,omitempty"`
	// Proof is the signed assertion (package assertion) that Actor performs
	// this action; the case's validator checks it, so the actor is never
	// just what the caller says.
	Proof string `json:"proof,omitempty"`
}

// RuleError is a refused action; Rule names the rule that refused it.
type RuleError struct {
	Rule string
	Msg  string
}

func (e *RuleError) Error() string { return "rule " + e.Rule + ": " + e.Msg }

func refuse(rule, format string, args ...any) error {
	return &RuleError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// Check says whether an action is allowed now, without changing anything:
// the Update validators call it so a refused action leaves no history.
func (c *Case) Check(kind ActionKind, a Action, now time.Time) error {
	if strings.TrimSpace(a.Actor.ID) == "" {
		return refuse("actor", "an action needs an agent identity (--as or SWITCHBOARD_AGENT)")
	}
	if c.Status == StatusClosed {
		return refuse("case-closed", "case %s is closed; a new post from the customer opens a new case", c.ID)
	}
	// Optional texts (a rescue's or a resolve's note) are bounded too: every
	// text an action carries goes into the case's history.
	if len(a.Text) > post.MaxTextLength {
		return refuse("text-too-long", "the text is %d bytes, more than %d", len(a.Text), post.MaxTextLength)
	}
	if len(a.Request) > post.MaxIDBytes {
		return refuse("request-too-long", "the request token is %d bytes, more than %d", len(a.Request), post.MaxIDBytes)
	}
	if kind == ActionApprove || kind == ActionReject {
		return c.checkApproval(kind, a)
	}
	if c.Status == StatusSpam || kind == ActionRescue {
		return c.checkRescue(kind, a)
	}
	if err := c.Policy.MayActOn(a.Actor, c.Department); err != nil {
		return &RuleError{Rule: "department-member", Msg: err.Error()}
	}
	active := c.Active()
	switch kind {
	case ActionClaim:
		if !active {
			return refuse("case-active", "case is %s; reopen it before claiming", c.Status)
		}
		if c.Assignee == a.Actor.ID {
			return refuse("already-claimed", "case is already claimed by you")
		}
		if c.Assignee != "" && !a.Actor.Senior() {
			return refuse("collision", "case is claimed by %s; ask them to release it, or a lead to reassign it", c.Assignee)
		}
	case ActionRelease:
		if c.Assignee == "" {
			return refuse("not-claimed", "case is not claimed by anyone")
		}
		if c.Assignee != a.Actor.ID && !a.Actor.Senior() {
			return refuse("collision", "case is claimed by %s; only they or a lead may release it", c.Assignee)
		}
	case ActionReply:
		if !active {
			return refuse("case-active", "case is %s; reopen it before replying", c.Status)
		}
		if c.Assignee == "" {
			return refuse("claim-first", "claim the case before replying, so two agents never answer the same customer")
		}
		if c.Assignee != a.Actor.ID {
			return refuse("collision", "case is claimed by %s; only the assignee may reply", c.Assignee)
		}
		if c.Draft != nil {
			return refuse("approval-pending", "a reply by %s already awaits approval by %s", c.Draft.By, c.Approver)
		}
		if c.replied(a.Request) {
			return refuse("duplicate-request", "this reply (request %s) was already sent; it is not sent again", a.Request)
		}
		if err := needText(a.Text, "reply"); err != nil {
			return err
		}
		if n, limit := post.ReplyLength(c.Post.Platform, a.Text), post.ReplyLimit(c.Post.Platform, a.Private); n > limit {
			where := "public reply"
			if a.Private {
				where = "private message"
			}
			return refuse("reply-too-long", "a %s on %s holds at most %d characters; this one has %d", where, c.Post.Platform, limit, n)
		}
	case ActionNote:
		if err := needText(a.Text, "note"); err != nil {
			return err
		}
	case ActionHandoff:
		if !active {
			return refuse("case-active", "case is %s; reopen it before handing it off", c.Status)
		}
		if a.To == c.Department {
			return refuse("handoff-target", "case is already owned by %s; hand off to another department", a.To)
		}
		if _, ok := c.Policy.Department(a.To); !ok {
			return refuse("handoff-target", "unknown department %q (known: %s)", a.To, strings.Join(c.Policy.DepartmentIDs(), ", "))
		}
		if err := needText(a.Text, "handoff reason"); err != nil {
			return err
		}
	case ActionEscalate:
		if !active {
			return refuse("case-active", "case is %s; only active cases escalate", c.Status)
		}
		if c.Escalation.Level >= len(c.chain()) {
			return refuse("escalation-top", "case is already at the top of %s's escalation chain", c.Department)
		}
		if err := needText(a.Text, "escalation reason"); err != nil {
			return err
		}
	case ActionResolve:
		if !active {
			return refuse("case-active", "case is already %s", c.Status)
		}
	case ActionReopen:
		if c.Status != StatusResolved {
			return refuse("case-resolved", "only a resolved case can be reopened; this one is %s", c.Status)
		}
		if !c.Reopenable(now) {
			return refuse("reopen-window", "the reopen window ended at %s; a new post from the customer opens a new case",
				c.CloseAt.UTC().Format(time.RFC3339))
		}
		if err := needText(a.Text, "reopen reason"); err != nil {
			return err
		}
	case ActionRelabel:
		if !active {
			return refuse("case-active", "case is %s; reopen it before relabelling", c.Status)
		}
		if err := c.checkIntent(a.Intent); err != nil {
			return err
		}
		if a.Intent == c.Triage.Intent && !c.NeedsReview() {
			return refuse("relabel-same", "the post is already %s; give another intent", a.Intent)
		}
		if err := needText(a.Text, "relabel reason"); err != nil {
			return err
		}
	default:
		return refuse("action", "unknown action %q", kind)
	}
	return nil
}

// checkRescue: a case in the spam queue can only be rescued (or noted), by
// someone who keeps the queue, as an intent that gives it an owner.
func (c *Case) checkRescue(kind ActionKind, a Action) error {
	if c.Status != StatusSpam {
		return refuse("spam-queue", "case is %s, not in the spam queue", c.Status)
	}
	if err := c.Policy.MayActOn(a.Actor, c.Department); err != nil {
		return &RuleError{Rule: "department-member", Msg: err.Error()}
	}
	if kind == ActionNote {
		return needText(a.Text, "note")
	}
	if kind != ActionRescue {
		return refuse("spam-queue", "case %s is in the spam queue; rescue it as a case first", c.ID)
	}
	if err := c.checkIntent(a.Intent); err != nil {
		return err
	}
	if c.decide(a.Intent).Closed() {
		return refuse("rescue-intent", "intent %s has no owner; rescue the post as an intent that has one", a.Intent)
	}
	return nil
}

// checkIntent: an intent an agent gives must be one the routing knows.
func (c *Case) checkIntent(intent string) error {
	if known := c.Policy.Intents(); !slices.Contains(known, intent) {
		return refuse("intent", "unknown intent %q (known: %s)", intent, strings.Join(known, ", "))
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

// checkApproval: only an approver of the approving department decides on a
// draft, and never on their own (four eyes).
func (c *Case) checkApproval(kind ActionKind, a Action) error {
	if c.Draft == nil {
		return refuse("no-draft", "no reply awaits approval on this case")
	}
	if !a.Actor.In(c.Approver) || !a.Actor.Has(policy.RoleApprover) {
		return refuse("approver", "%s is not an approver of %s", a.Actor.ID, c.Approver)
	}
	if a.Actor.ID == c.Draft.By {
		return refuse("four-eyes", "%s drafted this reply; another approver must decide", a.Actor.ID)
	}
	if kind == ActionReject {
		return needText(a.Text, "rejection reason")
	}
	return nil
}

// ToPublish returns the text an action sends to the customer, if any: a
// reply on a case without an approver, or an approved draft. The workflow
// publishes it before recording the action (Published).
func (c *Case) ToPublish(kind ActionKind, a Action) (Message, bool) {
	switch {
	case kind == ActionReply && c.Approver == "":
		return Message{Text: a.Text, Private: a.Private, By: a.Actor.ID, AwaitCustomer: a.AwaitCustomer, Request: a.Request}, true
	case kind == ActionApprove && c.Draft != nil:
		return Message{Text: c.Draft.Text, Private: c.Draft.Private, By: c.Draft.By, AwaitCustomer: c.Draft.AwaitCustomer}, true
	}
	return Message{}, false
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

func needText(s, what string) error {
	if strings.TrimSpace(s) == "" {
		return refuse("text-required", "the %s text is empty", what)
	}
	if len(s) > post.MaxTextLength {
		return refuse("text-too-long", "the %s is %d bytes, more than %d", what, len(s), post.MaxTextLength)
	}
	return nil
}

// Apply performs a checked action at now. ref is the platform's id of a
// published reply. It returns who must be told.
func (c *Case) Apply(kind ActionKind, a Action, ref string, now time.Time) ([]Notice, error) {
	if err := c.Check(kind, a, now); err != nil {
		return nil, err
	}
	return c.apply(kind, a, ref, now), nil
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

func (c *Case) apply(kind ActionKind, a Action, ref string, now time.Time) []Notice {
	who := a.Actor.ID
	if who == c.Assignee {
		c.AssigneeActiveAt = now
	}
	switch kind {
	case ActionClaim:
		c.AssigneeActiveAt = now
		detail := ""
		if c.Assignee != "" {
			detail = "reassigned from " + c.Assignee
		}
		c.Assignee = who
		c.record(now, Event{Kind: EventClaimed, Actor: who, Detail: detail})
	case ActionRelease:
		prev := c.Assignee
		c.Assignee = ""
		c.record(now, Event{Kind: EventReleased, Actor: who, Detail: "released by " + who + " from " + prev + "; back in the queue", Text: a.Text})
	case ActionReply:
		if c.Approver != "" {
			return c.draft(a, now)
		}
		c.reply(a, ref, now, "")
	case ActionApprove:
		d := c.Draft
		c.Draft = nil
		e := Event{Kind: EventApproved, Actor: who, Text: d.Text, Detail: "drafted by " + d.By}
		c.stamp(&e, d.Clock, now)
		c.record(now, e)
		c.reply(Action{Actor: policy.Actor{ID: d.By}, Text: d.Text, AwaitCustomer: d.AwaitCustomer, Private: d.Private}, ref, now, "")
	case ActionReject:
		d := c.Draft
		c.Draft = nil
		c.Status = StatusOpen
		e := Event{Kind: EventRejected, Actor: who, Text: a.Text, Detail: "draft by " + d.By + " returned: " + d.Text}
		c.stamp(&e, d.Clock, now)
		c.record(now, e)
		return []Notice{c.notice(c.Department+"/"+d.By, "your draft was rejected by "+who+": "+a.Text)}
	case ActionNote:
		c.record(now, Event{Kind: EventNoted, Actor: who, Text: a.Text})
	case ActionHandoff:
		from, detail := c.Department, ""
		if c.Draft != nil {
			detail = "; unpublished draft by " + c.Draft.By + " discarded"
		}
		c.Status = StatusOpen
		c.SilenceCloseAt = time.Time{}
		c.assign(a.To, now)
		c.record(now, Event{Kind: EventHandedOff, Actor: who, Department: a.To, Text: a.Text,
			Detail: fmt.Sprintf("from %s to %s; fresh clock: first response due %s%s", from, a.To, c.Response.DueAt.UTC().Format(time.RFC3339), detail)})
		return []Notice{c.notice(a.To, fmt.Sprintf("handed over from %s: %s", from, a.Text))}
	case ActionEscalate:
		return c.escalate(who, a.Text, now)
	case ActionResolve:
		c.resolve(who, a.Text, now)
	case ActionReopen:
		c.reopen(who, a.Text, now)
	case ActionRelabel:
		return c.relabel(a, now)
	case ActionRescue:
		return c.rescue(a, now)
	}
	return nil
}

// relabel gives the post the intent an agent says it has. A new owner gets
// the case with fresh clocks, as on a handoff; the same owner keeps its
// clocks. To spam, the case goes to the spam queue.
func (c *Case) relabel(a Action, now time.Time) []Notice {
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
		return []Notice{c.notice(c.Department, fmt.Sprintf("relabelled %s by %s and routed to you: %s", a.Intent, a.Actor.ID, a.Text))}
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

// rescue takes the case out of the spam queue as a.Intent. Its clocks run
// from when the post arrived: the customer has been waiting since then.
func (c *Case) rescue(a Action, now time.Time) []Notice {
	from := c.Triage.Intent
	dec := c.decide(a.Intent)
	c.Triage.Intent, c.Triage.NeedsReview, c.Triage.Spam = a.Intent, false, false
	c.SpamCloseAt = time.Time{}
	c.route(dec, c.OpenedAt)
	c.record(now, Event{Kind: EventRescued, Actor: a.Actor.ID, Text: a.Text, Intent: a.Intent,
		Detail: fmt.Sprintf("rescued from the spam queue: intent %s → %s, to %s at %s; clocks run from arrival (first response due %s)",
			from, a.Intent, c.Department, c.Priority, c.Response.DueAt.UTC().Format(time.RFC3339))})
	return []Notice{c.notice(c.Department, fmt.Sprintf("rescued from the spam queue by %s: %s", a.Actor.ID, c.Post.Text))}
}

// Correction is what an agent taught triage on this case: the post and the
// intent or department it should have had.
type Correction struct {
	Key        string    `json:"key"` // case id and event, so a record written twice is read once
	Post       post.Post `json:"post"`
	Intent     string    `json:"intent,omitempty"`
	Department string    `json:"department,omitempty"`
	// What triage said, who corrected it, why and when.
	Triaged      string    `json:"triaged"`
	ModelVersion string    `json:"model_version,omitempty"`
	By           string    `json:"by"`
	Reason       string    `json:"reason,omitempty"`
	At           time.Time `json:"at"`
}

// CorrectionsSince returns the corrections recorded after the first n
// events: relabels, rescues and handoffs by people.
func (c *Case) CorrectionsSince(n int) []Correction {
	var out []Correction
	for _, e := range c.Events[min(n, len(c.Events)):] {
		if e.Actor == policy.SystemActor {
			continue
		}
		cor := Correction{Key: fmt.Sprintf("%s#%d", c.ID, e.Seq), Post: c.Post, Triaged: c.TriagedIntent,
			ModelVersion: c.Triage.ModelVersion, By: e.Actor, Reason: e.Text, At: e.At}
		switch e.Kind {
		case EventRelabeled, EventRescued:
			cor.Intent, cor.Department = e.Intent, e.Department
		case EventHandedOff:
			cor.Department = e.Department
		default:
			continue
		}
		out = append(out, cor)
	}
	return out
}

// draft holds a public reply for the approving department, with its own
// clock; the customer's reply clock keeps running meanwhile.
func (c *Case) draft(a Action, now time.Time) []Notice {
	clock := c.newClock(c.Approver, ClockApproval, c.Policy.TargetsFor(c.Approver, c.Priority).Approval, now)
	c.Draft = &Draft{Text: a.Text, By: a.Actor.ID, At: now, AwaitCustomer: a.AwaitCustomer, Private: a.Private, Clock: clock}
	c.Status = StatusAwaitingApproval
	c.record(now, Event{Kind: EventDrafted, Actor: a.Actor.ID, Text: a.Text, Request: a.Request,
		Detail: fmt.Sprintf("awaits approval by %s; due %s", c.Approver, clock.DueAt.UTC().Format(time.RFC3339))})
	return []Notice{c.notice(c.Approver+"/"+policy.RoleApprover, "a reply awaits your approval: "+a.Text)}
}

// reply records a published reply; note, if any, says how it came to be
// recorded.
func (c *Case) reply(a Action, ref string, now time.Time, note string) {
	e := Event{Kind: EventReplied, Actor: a.Actor.ID, Text: a.Text, Ref: ref, Request: a.Request, Detail: note}
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

func (c *Case) resolve(actor, note string, now time.Time) {
	e := Event{Kind: EventResolved, Actor: actor, Text: note}
	if c.Resolution != nil {
		c.resume(c.Resolution, now) // measure against the due time as if running
		c.stamp(&e, c.Resolution, now)
	}
	if c.Response != nil {
		e.Detail = "resolved with a reply still owed (" + c.outcome(c.Response, now) + ")"
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

func (c *Case) reopen(actor, reason string, now time.Time) {
	c.Status = StatusOpen
	c.CloseAt, c.ResolvedAt = time.Time{}, time.Time{}
	c.Resolution = c.newClock(c.Department, ClockResolution, c.Policy.TargetsFor(c.Department, c.Priority).Resolution, now)
	c.record(now, Event{Kind: EventReopened, Actor: actor, Text: reason})
}

// CustomerWrote records a follow-up post from the customer: it owes them a
// reply (the next-response clock, unless one already runs), resumes a paused
// resolution clock, and reopens a resolved case. After close it is only noted.
func (c *Case) CustomerWrote(p post.Post, now time.Time) {
	// Delivered twice (webhooks are), or out of bounds (only a signal that
	// did not come through intake can be): nothing to add.
	if c.hasPost(p.ID) || p.Validate() != nil {
		return
	}
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

// AssignTo gives a queued case to an agent chosen by the dispatcher; false
// if the case left the queue meanwhile (someone claimed it, say).
func (c *Case) AssignTo(agent, mode string, now time.Time) bool {
	// Only a forged signal names no agent id; taken, an oversized one would
	// overflow the Assignee search attribute and the server end the case.
	if !c.Queued() || !policy.IsAgentID(agent) {
		return false
	}
	c.Assignee = agent
	c.AssigneeActiveAt = now
	c.record(now, Event{Kind: EventAssigned, Actor: policy.SystemActor, Detail: fmt.Sprintf("assigned to %s (%s)", agent, mode)})
	return true
}

// Unassign sends the case back to the queue if agent still holds it.
func (c *Case) Unassign(agent, reason string, now time.Time) {
	if c.Assignee != agent || !c.Active() {
		return
	}
	c.Assignee = ""
	c.record(now, Event{Kind: EventReleased, Actor: policy.SystemActor, Detail: agent + " " + reason + "; back in the queue"})
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
