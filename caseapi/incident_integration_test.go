package caseapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
)

// On a real server: live posts that share a cause open an incident (with
// thresholds a handful of posts meet: a new property has no history); its
// statement, proposed by the centre, approved by PR and sent by the
// centre's lead, is on every member case once, a post that joins after
// it was sent included; the incident's resolution resolves each member
// with its link and frees the watch.
func TestAnIncidentOnARealServer(t *testing.T) {
	h := newHarnessWith(t, stacktest.QuickIncidents(t))
	text := "Total outage again, the app is down and nothing loads. Terrible."
	submit := func(i int) string {
		p := post.Post{ID: fmt.Sprintf("inc-%d", i), Platform: "x", Property: "@acme_help", Text: text, CreatedAt: time.Now().UTC(),
			Author: post.Author{ID: fmt.Sprintf("u%d", i), Handle: fmt.Sprintf("@u%d", i), Followers: 10}}
		if _, err := h.cases.Submit(h.ctx, p); err != nil {
			t.Fatal(err)
		}
		return p.CaseID()
	}
	var cases []string
	for i := range 4 {
		cases = append(cases, submit(i))
	}
	var id string
	h.eventually("an incident opens", func() error {
		list, err := h.cases.Incidents(h.ctx, false)
		if err != nil || len(list) != 1 {
			return fmt.Errorf("incidents %v: %v", list, err)
		}
		id = list[0].ID
		return nil
	})
	inc, err := h.cases.Incident(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Members) < 3 || !inc.Public || len(inc.Departments) != 2 || !strings.Contains(inc.Alerts[0].Why, "probability") {
		t.Fatalf("the incident: %+v", inc)
	}
	statement := "We know the app is down for many of you and are on it. We will post here as soon as it is back."
	act := func(kind incident.ActionKind, agent, text string) {
		t.Helper()
		if _, err := h.cases.ActIncident(h.ctx, id, kind, agent, incident.Action{Text: text, Version: 1}); err != nil {
			t.Fatalf("%s by %s: %v", kind, agent, err)
		}
	}
	act(incident.ActionPropose, "cora", statement)
	_, err = h.cases.ActIncident(h.ctx, id, incident.ActionApprove, "cora", incident.Action{Version: 1})
	var refused *caseapi.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "four-eyes") {
		t.Fatalf("cora approving her own statement: %v", err)
	}
	act(incident.ActionApprove, "paul", "")
	act(incident.ActionSend, "colin", "")
	if _, err := h.cases.Act(h.ctx, cases[0], casestate.ActionStatement, "colin", casestate.Action{Text: "anything", Incident: id}); !errors.As(err, &refused) {
		t.Fatalf("a statement sent past its incident: %v", err)
	}
	late := submit(4)

	statementOn := func(caseID string) (int, error) {
		events, err := h.cases.Events(h.ctx, caseID)
		n := 0
		for _, e := range events {
			if e.Kind == casestate.EventReplied && strings.Contains(e.Detail, id) {
				if e.Text != statement || e.Actor != "colin" {
					return 0, fmt.Errorf("the statement on %s: %+v", caseID, e)
				}
				n++
			}
		}
		return n, err
	}
	h.eventually("the statement on every member", func() error {
		inc, err := h.cases.Incident(h.ctx, id)
		if err != nil {
			return err
		}
		if !inc.Member(late) {
			return fmt.Errorf("%s has not joined", late)
		}
		for _, m := range inc.Members {
			if n, err := statementOn(m.CaseID); err != nil || n != 1 {
				return fmt.Errorf("%s has the statement %d times (%v)", m.CaseID, n, err)
			}
		}
		return nil
	})
	act(incident.ActionResolve, "colin", "the app is back")
	for _, c := range append(cases, late) {
		h.waitCompleted(c)
		events, err := h.cases.Events(h.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Kind != casestate.EventResolved || !strings.Contains(last.Text, id) {
			t.Errorf("%s ended with %+v, not resolved with the incident", c, last)
		}
		if n, _ := statementOn(c); n != 1 {
			t.Errorf("%s has the statement %d times", c, n)
		}
	}
	h.eventually("the incident completes", func() error {
		list, err := h.cases.Incidents(h.ctx, false)
		if err != nil || len(list) != 0 {
			return fmt.Errorf("open incidents %v: %v", list, err)
		}
		return nil
	})
}
