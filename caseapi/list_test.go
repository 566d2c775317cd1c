package caseapi

import (
	"strings"
	"testing"
	"time"
)

// A customer id is the platform's to choose: quoted, it stays a value,
// whatever quotes and backslashes it holds.
func TestQueryQuotesCustomerIDs(t *testing.T) {
	for id, want := range map[string]string{
		`facebook:x\`:                        `CustomerId = 'facebook:x\\'`,
		`facebook:\') OR CustomerId != "" #`: `CustomerId = 'facebook:\\'') OR CustomerId != "" #'`,
		"x:o'brien":                          `CustomerId = 'x:o''brien'`,
	} {
		if q := (Filter{CustomerID: id}).Query(); !strings.Contains(q, want) {
			t.Errorf("%s: %s", id, q)
		}
	}
}

// A closed case is a completed workflow, whose CaseStatus is what it was
// before it closed: "closed" asks for the execution status; "resolved" for
// cases completed within the reopen window; any other status for running
// cases only.
func TestStatusFiltersReadTheExecutionStatus(t *testing.T) {
	since := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	for status, want := range map[string]string{
		"closed":   "WorkflowType = 'Case' AND ExecutionStatus != 'ContinuedAsNew' AND ExecutionStatus = 'Completed'",
		"resolved": "WorkflowType = 'Case' AND ExecutionStatus != 'ContinuedAsNew' AND ExecutionStatus = 'Completed' AND CloseTime >= '2015-11-20T10:00:00Z'",
		"open":     "WorkflowType = 'Case' AND ExecutionStatus != 'ContinuedAsNew' AND CaseStatus = 'open' AND ExecutionStatus = 'Running'",
		"":         "WorkflowType = 'Case' AND ExecutionStatus != 'ContinuedAsNew'",
	} {
		if q := (Filter{Status: status, ResolvedSince: since}).Query(); q != want {
			t.Errorf("status %q: %s", status, q)
		}
	}
	if q := (Filter{Status: "open", Running: true}).Query(); strings.Count(q, "ExecutionStatus = 'Running'") != 1 {
		t.Errorf("running twice: %s", q)
	}
	// `cases list --status closed` asks for running cases unless --all.
	if q := (Filter{Status: "closed", Running: true}).Query(); strings.Contains(q, "'Running'") {
		t.Errorf("closed and running: %s", q)
	}
	// The console's channel and escalated filters.
	if q := (Filter{Channel: "facebook", Escalated: true}).Query(); !strings.Contains(q, "Channel = 'facebook'") || !strings.Contains(q, "EscalationLevel > 0") {
		t.Errorf("channel and escalated: %s", q)
	}
}
