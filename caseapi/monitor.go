package caseapi

import (
	"net/url"
	"strings"
	"time"
)

// Monitor is a ready search of the Temporal Web UI's workflow list (and of
// `temporal workflow list --query`) that operations watch SLAs with. Key
// names its query in docs/monitoring.md, which gives the same text.
type Monitor struct {
	Key, Name, Query string
}

// liveCases starts every monitor: cases whose workflow runs, so no other
// workflow type and no resolved case mixes in.
const liveCases = "WorkflowType = 'Case' AND ExecutionStatus = 'Running'"

// Monitors are the searches as of now (the Web UI has no relative times),
// with agent's own cases and the escalations that reached coe. A window's
// ends are whole minutes, its start down and its end up: the Web UI keeps
// a time filter to the minute, so a window ending at 10:15:40 would lose
// what is due between 10:15 and then.
func Monitors(now time.Time, agent, coe string) []Monitor {
	from := now.UTC().Truncate(time.Minute)
	ts := func(d time.Duration) string {
		at := from
		if d > 0 {
			at = now.UTC().Add(d + time.Minute - time.Nanosecond).Truncate(time.Minute)
		}
		return quote(at.Format(time.RFC3339))
	}
	return []Monitor{
		{"breaching", "Breached now", liveCases + " AND SlaBreached = true"},
		{"due-soon", "Due in the next 15 minutes", liveCases + " AND SlaDueAt BETWEEN " + ts(0) + " AND " + ts(15*time.Minute)},
		{"due-next-hour", "Due in the next hour", liveCases + " AND SlaDueAt BETWEEN " + ts(0) + " AND " + ts(time.Hour)},
		{"escalated-coe", "Escalated to " + coe, liveCases + " AND EscalatedTo = " + quote(coe)},
		{"awaiting-approval", "Drafts waiting for an approver", liveCases + " AND CaseStatus = 'awaiting_approval'"},
		{"mine", agent + "'s cases", liveCases + " AND Assignee = " + quote(agent)},
	}
}

// WebUIURL is the Web UI at ui showing namespace's workflows that match
// query.
func WebUIURL(ui, namespace, query string) string {
	return strings.TrimRight(ui, "/") + "/namespaces/" + url.PathEscape(namespace) + "/workflows?query=" + url.QueryEscape(query)
}
