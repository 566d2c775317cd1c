package casestate

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/policy"

	"github.com/switchboard-care/switchboard/post"
)

// View is the case as an agent sees it: the `state` query's answer.
type View struct {
	Outcome
	TriagedIntent  string        `json:"triaged_intent,omitempty"` // what triage said, before people corrected it
	Private        bool          `json:"private"`
	CustomerID     string        `json:"customer_id"`
	Channel        string        `json:"channel"`
	Post           post.Post     `json:"post"`
	Triage         policy.Triage `json:"triage"`
	Routing        []string      `json:"routing_reasons,omitempty"`
	Watchers       []string      `json:"watchers,omitempty"`
	Resolution     *Clock        `json:"resolution,omitempty"`
	SLADueAt       *time.Time    `json:"sla_due_at,omitempty"`
	Escalation     Escalation    `json:"escalation"`
	NextDeadline   *Deadline     `json:"next_deadline,omitempty"`
	PolicyVersion  string        `json:"policy_version"`
	ModelVersion   string        `json:"model_version,omitempty"` // the intent model that triaged the post
	SpamCloseAt    *time.Time    `json:"spam_close_at,omitempty"` // in the spam queue until
	OpenedAt       time.Time     `json:"opened_at"`
	LastCustomerAt time.Time     `json:"last_customer_at"`
	CloseAt        *time.Time    `json:"close_at,omitempty"`
}

// View returns the agent's view of the case.
func (c *Case) View() View {
	v := View{
		Outcome: c.Outcome(), TriagedIntent: c.TriagedIntent, Private: c.Decision.Private,
		CustomerID: c.Post.CustomerKey(), Channel: c.Post.Platform, Post: c.Post, Triage: c.Triage,
		Routing: c.Decision.Reasons, Watchers: c.Decision.Watchers, Resolution: c.Resolution,
		Escalation: c.Escalation, PolicyVersion: c.Policy.Version, ModelVersion: c.Triage.ModelVersion,
		OpenedAt: c.OpenedAt, LastCustomerAt: c.LastCustomerAt,
	}
	if c.Status == StatusSpam {
		v.SpamCloseAt = &c.SpamCloseAt
	}
	if due := c.SLADue(); !due.IsZero() {
		v.SLADueAt = &due
	}
	if d, ok := c.NextDeadline(); ok {
		v.NextDeadline = &d
	}
	if !c.CloseAt.IsZero() {
		v.CloseAt = &c.CloseAt
	}
	return v
}

// Outcome is what an action answers: where the case stands after it. It
// is small on purpose, since every Update's result is kept in the case's
// history; the View around it is the state query's.
type Outcome struct {
	ID          string `json:"id"`
	Status      Status `json:"status"`
	Department  string `json:"department"`
	Assignee    string `json:"assignee,omitempty"`
	Priority    string `json:"priority,omitempty"`
	Intent      string `json:"intent"`
	Approver    string `json:"approver,omitempty"`
	Draft       *Draft `json:"draft,omitempty"`
	Response    *Clock `json:"response,omitempty"`
	SLABreached bool   `json:"sla_breached"`
	NeedsReview bool   `json:"needs_review"`
}

// Outcome returns where the case stands, for an action's answer.
func (c *Case) Outcome() Outcome {
	return Outcome{ID: c.ID, Status: c.Status, Department: c.Department, Assignee: c.Assignee, Priority: string(c.Priority),
		Intent: c.Triage.Intent, Approver: c.Approver, Draft: c.Draft, Response: c.Response, SLABreached: c.Breached(), NeedsReview: c.NeedsReview()}
}

// Visibility is what the case publishes as search attributes, so operators
// can filter cases in the Temporal Web UI.
type Visibility struct {
	CustomerID      string
	Channel         string
	Department      string
	Assignee        string
	Status          string
	Priority        string
	Intent          string
	SLADueAt        time.Time // zero: no clock runs
	SLABreached     bool
	EscalationLevel int
	EscalatedTo     string // who the current escalation level called in
	NeedsReview     bool
}

// Visibility returns the current search-attribute values.
func (c *Case) Visibility() Visibility {
	return Visibility{
		CustomerID: c.Post.CustomerKey(), Channel: c.Post.Platform, Department: c.Department,
		Assignee: c.Assignee, Status: string(c.Status), Priority: string(c.Priority),
		Intent: c.Triage.Intent, SLADueAt: c.SLADue(), SLABreached: c.Breached(),
		EscalationLevel: c.Escalation.Level, EscalatedTo: c.Escalation.To, NeedsReview: c.NeedsReview(),
	}
}

// Summary is the one-line static summary of the case in the Web UI: who
// posted what where, with personal data redacted.
func Summary(platform, property, handle, redactedText string) string {
	return fmt.Sprintf("%s on %s:%s — “%s”", handle, platform, property, clip(redactedText, 90))
}

// Details is the case's current details in the Web UI (markdown).
func (c *Case) Details() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** · %s · %s", c.Status, c.Department, c.Priority)
	if c.Assignee != "" {
		fmt.Fprintf(&b, " · assignee %s", c.Assignee)
	} else if c.Status == StatusOpen {
		b.WriteString(" · in queue")
	}
	if due := c.SLADue(); !due.IsZero() {
		fmt.Fprintf(&b, "\n\nSLA due %s", due.UTC().Format(time.RFC3339))
		if c.Breached() {
			b.WriteString(" — **breached**")
		}
	}
	if c.Escalation.Level > 0 {
		fmt.Fprintf(&b, "\n\nescalation level %d (%s)", c.Escalation.Level, c.Escalation.To)
	}
	if c.NeedsReview() {
		b.WriteString("\n\n**needs review**: triage was unsure")
	}
	fmt.Fprintf(&b, "\n\nintent %s · policy %s%s", c.Triage.Intent, c.Policy.Version, c.modelNote())
	return b.String()
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
