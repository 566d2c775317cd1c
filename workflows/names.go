// Package workflows holds switchboard's Temporal workflows. They are thin:
// the case's rules live in casestate, the policy in policy; a workflow feeds
// them actions and time and carries out their effects through activities.
package workflows

import (
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Names the starter, the CLI, the console and the tests share.
const (
	CaseWorkflowName   = "Case"
	QueryState         = "state"
	QueryEvents        = "events"      // the whole trail; readers page with QueryEventsPage
	QueryEventsPage    = "events-page" // EventsPageRequest → EventsPage
	QueryOffers        = "offers"      // policy.Actor → the actions they may take now
	SignalCustomerPost = "customer-post"
	SignalPostEdit     = "post-edit"
)

// EventsPageRequest asks for the trail's events from index From (0 is the
// first), at most Limit of them.
type EventsPageRequest struct {
	From  int `json:"from"`
	Limit int `json:"limit"`
}

// EventsPage is a stretch of a case's trail and the trail's length. A page
// also stops short of EventsPageBytes of text, so that a trail of long
// posts never answers more than a gRPC message holds. A page asked from a
// step an earlier run recorded (the case continued as new) has no events
// but names that run in Run, whose steps end at RunLast: ask it the same.
type EventsPage struct {
	Events  []casestate.Event `json:"events"`
	Total   int               `json:"total"`
	Run     string            `json:"run,omitempty"`
	RunLast int               `json:"run_last,omitempty"`
}

// EventsPageBytes bounds the text of one page of events.
const EventsPageBytes = 1 << 20

// PageOf returns the page of c's trail req asks for: at least one event
// when any is left in this run, however long.
func PageOf(c *casestate.Case, req EventsPageRequest) EventsPage {
	page := EventsPage{Total: c.Steps()}
	from := min(max(req.From, 0), page.Total)
	if run, ok := c.HeldBy(from + 1); ok {
		page.Run, page.RunLast = run.Run, run.Last
		return page
	}
	events := c.Events
	from -= c.EarlierSteps()
	limit := req.Limit
	if limit <= 0 {
		limit = len(events)
	}
	end, size := from, 0
	for end < len(events) && end-from < limit {
		size += len(events[end].Text) + len(events[end].Detail)
		if end > from && size > EventsPageBytes {
			break
		}
		end++
	}
	page.Events = events[from:end]
	return page
}

// PostEdit is the signal that the customer edited or deleted one of the
// case's posts on the platform.
type PostEdit struct {
	PostID  string `json:"post_id"`
	Text    string `json:"text,omitempty"` // the new text of an edit
	Deleted bool   `json:"deleted,omitempty"`
	Proof   string `json:"proof,omitempty"` // that intake sends it (package assertion)
}

// UpdateName is the Workflow Update that performs an agent action.
func UpdateName(kind casestate.ActionKind) string { return string(kind) }

// CaseInput starts a case: the post and the policy snapshot it runs under.
type CaseInput struct {
	Post   post.Post     `json:"post"`
	Policy policy.Policy `json:"policy"`
	// Carried is the case itself when an earlier run continued as new.
	Carried *CarriedCase `json:"carried,omitempty"`
	// Prepared is the triage and the customer's context, which intake
	// found before it started the case; a new case's first run has it.
	Prepared *Preparation `json:"prepared,omitempty"`
}

// Preparation is what a case needs before it opens: what the post is
// about, and where the customer already is.
type Preparation struct {
	Triage     policy.Triage         `json:"triage"`
	JourneyID  string                `json:"journey_id"`
	Continuity *casestate.Continuity `json:"continuity,omitempty"` // the customer's open case to follow
	// OpenedAt is when intake took the post, which the case's clocks start
	// from.
	OpenedAt time.Time `json:"opened_at,omitzero"`
}

// CarriedCase is what a case takes into its next run when it continues as
// new: the case (its steps left in the runs that recorded them) and what
// the run had told others of it. Every step was counted in metrics, and
// the journey hears of the case when it closes.
type CarriedCase struct {
	Case      casestate.Case       `json:"case"`
	JourneyID string               `json:"journey_id,omitempty"`
	Queue     queueState           `json:"queue"`          // what the dispatcher was last told
	Shown     casestate.Visibility `json:"shown"`          // what the search attributes show
	Seen      []assertion.Seen     `json:"seen,omitempty"` // signal tokens taken, kept out of the next run too
}

// CaseResult is what a case's run leaves when it completes: the agent's
// view, and the case itself, from which a reopen's next run goes on and
// which readers read once no worker can be asked (its history archived).
// Results of runs from before it was kept have the view only.
type CaseResult struct {
	casestate.View
	Final *CarriedCase `json:"final,omitempty"`
}

// Search attributes the case keeps current for the Web UI and the CLI.
var (
	SACustomerID      = temporal.NewSearchAttributeKeyKeyword("CustomerId")
	SAChannel         = temporal.NewSearchAttributeKeyKeyword("Channel")
	SADepartment      = temporal.NewSearchAttributeKeyKeyword("Department")
	SAAssignee        = temporal.NewSearchAttributeKeyKeyword("Assignee")
	SACaseStatus      = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SAPriority        = temporal.NewSearchAttributeKeyKeyword("Priority")
	SAIntent          = temporal.NewSearchAttributeKeyKeyword("Intent")
	SASlaDueAt        = temporal.NewSearchAttributeKeyTime("SlaDueAt")
	SASlaBreached     = temporal.NewSearchAttributeKeyBool("SlaBreached")
	SAEscalationLevel = temporal.NewSearchAttributeKeyInt64("EscalationLevel")
	SAEscalatedTo     = temporal.NewSearchAttributeKeyKeyword("EscalatedTo") // lead, head or a department such as coe
	SANeedsReview     = temporal.NewSearchAttributeKeyBool("NeedsReview")    // triage was unsure; no person has confirmed it yet
	// SAOpenedAt is when the case began, set at its start: a run that
	// continued as new starts later than its case (older cases have none;
	// their start time is their opening).
	SAOpenedAt = temporal.NewSearchAttributeKeyTime("OpenedAt")
)

// SearchAttributes lists every custom search attribute with its type, for
// registering them on a server.
var SearchAttributes = []struct {
	Name string
	Type enums.IndexedValueType
}{
	{SACustomerID.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAChannel.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SADepartment.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAAssignee.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SACaseStatus.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAPriority.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SAIntent.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SASlaDueAt.GetName(), enums.INDEXED_VALUE_TYPE_DATETIME},
	{SAOpenedAt.GetName(), enums.INDEXED_VALUE_TYPE_DATETIME},
	{SASlaBreached.GetName(), enums.INDEXED_VALUE_TYPE_BOOL},
	{SAEscalationLevel.GetName(), enums.INDEXED_VALUE_TYPE_INT},
	{SAEscalatedTo.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
	{SANeedsReview.GetName(), enums.INDEXED_VALUE_TYPE_BOOL},
}
