package caseapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/workflows"
)

// Filter narrows a case list; empty fields match everything.
type Filter struct {
	Department string
	Status     string // open, waiting_customer, awaiting_approval, spam (running cases); resolved (completed within ResolvedSince); closed (completed ones)
	Assignee   string // "none" for unclaimed cases
	Priority   string
	CustomerID string
	Customers  []string // any of these customers (linked identities)
	Channel    string   // the platform: x, facebook, …
	Breached   *bool
	Escalated  bool // only cases some level of their escalation chain was called to
	// NeedsReview: only cases triage was unsure of that no person has
	// confirmed yet.
	NeedsReview bool
	Running     bool // only cases whose workflow still runs
	// ResolvedSince is when the reopen window of a case resolved now began:
	// status resolved lists the cases completed since (List sets it from
	// the client's policy when it is zero).
	ResolvedSince time.Time
	// Limit, when set, stops at that many cases, newest first (visibility
	// lists running cases by start time, newest first): bounded work for
	// a look-up on the path of every post.
	Limit int
}

// Query is the Temporal visibility query for the filter, the same text an
// operator can paste into the Web UI.
func (f Filter) Query() string {
	// A case that continued as new has a closed run per continuation:
	// only its latest run stands for it.
	terms := []string{fmt.Sprintf("WorkflowType = %s", quote(workflows.CaseWorkflowName)), "ExecutionStatus != 'ContinuedAsNew'"}
	add := func(key, value string) {
		if value != "" {
			terms = append(terms, fmt.Sprintf("%s = %s", key, quote(value)))
		}
	}
	add(workflows.SADepartment.GetName(), f.Department)
	running := f.Running
	switch f.Status {
	case "":
	case string(casestate.StatusClosed):
		// A closed case is a completed workflow, never a running one: no
		// search attribute says so (closing upserts nothing).
		terms = append(terms, "ExecutionStatus = 'Completed'")
		running = false
	case string(casestate.StatusResolved):
		// Resolving completes the run: the cases that may still reopen
		// completed within the window.
		terms = append(terms, fmt.Sprintf("ExecutionStatus = 'Completed' AND CloseTime >= '%s'", f.ResolvedSince.UTC().Format(time.RFC3339Nano)))
		running = false
	default:
		// A completed case keeps the status it had before it closed.
		add(workflows.SACaseStatus.GetName(), f.Status)
		running = true
	}
	add(workflows.SAPriority.GetName(), f.Priority)
	add(workflows.SACustomerID.GetName(), f.CustomerID)
	add(workflows.SAChannel.GetName(), f.Channel)
	if f.Escalated {
		terms = append(terms, workflows.SAEscalationLevel.GetName()+" > 0")
	}
	if len(f.Customers) > 0 {
		quoted := make([]string, len(f.Customers))
		for i, c := range f.Customers {
			quoted[i] = quote(c)
		}
		terms = append(terms, fmt.Sprintf("%s IN (%s)", workflows.SACustomerID.GetName(), strings.Join(quoted, ", ")))
	}
	switch f.Assignee {
	case "":
	case "none":
		terms = append(terms, workflows.SAAssignee.GetName()+" IS NULL")
	default:
		add(workflows.SAAssignee.GetName(), f.Assignee)
	}
	if f.Breached != nil {
		terms = append(terms, fmt.Sprintf("%s = %t", workflows.SASlaBreached.GetName(), *f.Breached))
	}
	if f.NeedsReview {
		terms = append(terms, workflows.SANeedsReview.GetName()+" = true")
	}
	if running {
		terms = append(terms, "ExecutionStatus = 'Running'")
	}
	return strings.Join(terms, " AND ")
}

// quote makes a visibility-query string literal. Temporal's query parser
// reads a backslash as an escape, so it is escaped too: an author id of
// `x\` or `\') OR …` stays a value.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// Summary is one line of a case list, read from search attributes.
type Summary struct {
	CaseID          string     `json:"case_id"`
	Department      string     `json:"department"`
	Assignee        string     `json:"assignee,omitempty"`
	Status          string     `json:"status"`
	Priority        string     `json:"priority,omitempty"`
	Intent          string     `json:"intent,omitempty"`
	CustomerID      string     `json:"customer_id"`
	Channel         string     `json:"channel"`
	SLADueAt        *time.Time `json:"sla_due_at,omitempty"`
	SLABreached     bool       `json:"sla_breached"`
	EscalationLevel int64      `json:"escalation_level"`
	EscalatedTo     string     `json:"escalated_to,omitempty"`
	NeedsReview     bool       `json:"needs_review"`
	OpenedAt        time.Time  `json:"opened_at"`
	Running         bool       `json:"running"` // its workflow still runs
}

// Closed says whether the case is over: closed, or its workflow ended.
func (s Summary) Closed() bool { return !s.Running || s.Status == string(casestate.StatusClosed) }

// List returns the cases matching f, most urgent SLA first (cases without
// a running clock last), then by priority and age.
func (c *Client) List(ctx context.Context, f Filter) ([]Summary, error) {
	if f.Status == string(casestate.StatusResolved) && f.ResolvedSince.IsZero() {
		f.ResolvedSince = time.Now().Add(-c.Policy.SLA.ReopenWindow)
	}
	var out []Summary
	var token []byte
	seen := map[string]bool{}
	pageSize := int32(1000)
	if f.Limit > 0 {
		pageSize = int32(min(f.Limit, 1000))
	}
	for {
		resp, err := c.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: f.Query(), NextPageToken: token, PageSize: pageSize,
		})
		if err != nil {
			return nil, fmt.Errorf("list cases (%s): %w", f.Query(), err)
		}
		for _, e := range resp.Executions {
			// A reopened case has a completed run per reopen before its
			// newest, which visibility lists first.
			if seen[e.GetExecution().GetWorkflowId()] {
				continue
			}
			seen[e.GetExecution().GetWorkflowId()] = true
			out = append(out, summaryOf(e))
		}
		token = resp.NextPageToken
		if f.Limit > 0 && len(out) >= f.Limit {
			out = out[:f.Limit]
			break
		}
		if len(token) == 0 {
			break
		}
	}
	SortBySLA(out)
	return out, nil
}

// summaryOf is what a visibility record says of a case.
func summaryOf(e *workflowpb.WorkflowExecutionInfo) Summary {
	s := Summary{CaseID: e.GetExecution().GetWorkflowId(), OpenedAt: e.GetStartTime().AsTime(),
		Running: e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING}
	fields := e.GetSearchAttributes().GetIndexedFields()
	get := func(name string, v any) {
		if p, ok := fields[name]; ok {
			_ = converter.GetDefaultDataConverter().FromPayload(p, v)
		}
	}
	get(workflows.SADepartment.GetName(), &s.Department)
	get(workflows.SAAssignee.GetName(), &s.Assignee)
	get(workflows.SACaseStatus.GetName(), &s.Status)
	if e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		s.Status = string(casestate.StatusClosed)
	}
	get(workflows.SAPriority.GetName(), &s.Priority)
	get(workflows.SAIntent.GetName(), &s.Intent)
	get(workflows.SACustomerID.GetName(), &s.CustomerID)
	get(workflows.SAChannel.GetName(), &s.Channel)
	get(workflows.SASlaBreached.GetName(), &s.SLABreached)
	get(workflows.SAEscalationLevel.GetName(), &s.EscalationLevel)
	get(workflows.SAEscalatedTo.GetName(), &s.EscalatedTo)
	get(workflows.SANeedsReview.GetName(), &s.NeedsReview)
	get(workflows.SAOpenedAt.GetName(), &s.OpenedAt) // else its start: a case from before the attribute
	if _, ok := fields[workflows.SASlaDueAt.GetName()]; ok {
		var due time.Time
		get(workflows.SASlaDueAt.GetName(), &due)
		s.SLADueAt = &due
	}
	return s
}

// SortBySLA orders cases by SLA due (none last), then priority, then age.
func SortBySLA(cases []Summary) {
	slices.SortStableFunc(cases, func(a, b Summary) int {
		switch {
		case a.SLADueAt != nil && b.SLADueAt == nil:
			return -1
		case a.SLADueAt == nil && b.SLADueAt != nil:
			return 1
		case a.SLADueAt != nil && !a.SLADueAt.Equal(*b.SLADueAt):
			return a.SLADueAt.Compare(*b.SLADueAt)
		}
		if c := strings.Compare(orLast(a.Priority), orLast(b.Priority)); c != 0 {
			return c
		}
		return a.OpenedAt.Compare(b.OpenedAt)
	})
}

func orLast(prio string) string {
	if prio == "" {
		return "P9"
	}
	return prio
}
