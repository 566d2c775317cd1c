package casestate

import (
	"errors"
	"testing"

	"github.com/switchboard-care/switchboard/policy"
)

// An incident's statement reaches a case someone else has claimed, sent
// by the centre of excellence's lead: it answers the customer (the
// response clock stops) and the case stays with its assignee. Anyone
// else, a statement without its incident, and the same statement again
// are refused.
func TestAnIncidentStatementAnswersTheCustomer(t *testing.T) {
	pol, t0, p := crashReport()
	c := Open(p, policy.Triage{Intent: "complaint"}, pol, nil, t0)
	c.Assignee = "sam"
	lead := policy.Actor{ID: "colin", Departments: []string{"coe"}, Roles: []string{policy.RoleLead}}
	agent := policy.Actor{ID: "cora", Departments: []string{"coe"}, Roles: []string{policy.RoleAgent}}
	statement := Action{Actor: lead, Text: "We know the app is down and are fixing it.", Incident: "incident/x", Request: "incident/x/statement-1/" + c.ID}
	for name, tc := range map[string]struct {
		a    Action
		rule string
	}{
		"by the assignee":   {Action{Actor: sam, Text: statement.Text, Incident: "incident/x", Request: "r"}, "incident-sender"},
		"by a centre agent": {Action{Actor: agent, Text: statement.Text, Incident: "incident/x", Request: "r"}, "incident-sender"},
		"without incident":  {Action{Actor: lead, Text: statement.Text, Request: "r"}, "incident-required"},
	} {
		var rule *policy.RuleError
		if err := c.Check(ActionStatement, tc.a, t0); !errors.As(err, &rule) || rule.Rule != tc.rule {
			t.Errorf("%s: %v, want %s", name, err, tc.rule)
		}
	}
	msg, publishing := c.ToPublish(ActionStatement, statement)
	if !publishing || msg.Text != statement.Text {
		t.Fatalf("the statement is not published: %+v", msg)
	}
	c.Published(ActionStatement, statement, msg, "ref-1", t0)
	if c.Response != nil || c.Assignee != "sam" {
		t.Errorf("after the statement: response clock %+v, assignee %q", c.Response, c.Assignee)
	}
	last := c.Events[len(c.Events)-1]
	if last.Kind != EventReplied || last.Actor != "colin" || last.Detail != "holding statement of incident incident/x" {
		t.Errorf("recorded as %+v", last)
	}
	var rule *policy.RuleError
	if err := c.Check(ActionStatement, statement, t0); !errors.As(err, &rule) || rule.Rule != "duplicate-request" {
		t.Errorf("the statement again: %v", err)
	}
}
