package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/switchboard-care/switchboard/casestate"
	. "github.com/switchboard-care/switchboard/workflows"
)

// Marketing deals its cases through a dispatcher. While the dispatcher
// takes 20 hours to answer, the case's SLA warning still fires on time:
// deadlines never wait on a dispatcher.
func TestSLADeadlinesDoNotWaitOnTheDispatcher(t *testing.T) {
	fridayMorningNY := time.Date(2015, 11, 20, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	ct := newCaseTest(t, "praise", fridayMorningNY)                   // marketing P4: first response 8h of working time, warning at 6h
	ct.dispatchTakes = 20 * time.Hour
	ct.at(6*time.Hour+time.Minute, func() {
		var warned bool
		for _, e := range ct.events() {
			warned = warned || e.Kind == casestate.EventWarning
		}
		if !warned {
			t.Errorf("no SLA warning at 16:01 New York while the dispatcher was busy: %v", kinds(ct.events()))
		}
		ct.act("resolve", casestate.ActionResolve, "maya", casestate.Action{Text: "thanked them"})
	})
	ct.run()
	if err := ct.errs["resolve"]; err != nil {
		t.Fatal(err)
	}
	if len(ct.dispatched) < 2 || ct.dispatched[0].Event.Kind != "queued" || ct.dispatched[len(ct.dispatched)-1].Event.Kind != "gone" {
		t.Fatalf("dispatcher messages out of order or missing: %+v", ct.dispatched)
	}
}

// A dispatcher that stays unreachable costs the case a note and a metric,
// not its deadlines: the retries are bounded and the case completes.
func TestAnUnreachableDispatcherIsNotedNotWaitedFor(t *testing.T) {
	fridayMorningNY := time.Date(2015, 11, 20, 15, 0, 0, 0, time.UTC)
	ct := newCaseTest(t, "praise", fridayMorningNY)
	ct.dispatchErr = errors.New("dispatcher unreachable")
	ct.at(7*time.Hour, func() { ct.act("resolve", casestate.ActionResolve, "maya", casestate.Action{Text: "done"}) })
	ct.run()
	if err := ct.errs["resolve"]; err != nil {
		t.Fatal(err)
	}
	var warned, noted bool
	for _, e := range ct.events() {
		warned = warned || e.Kind == casestate.EventWarning
		noted = noted || (e.Kind == casestate.EventNoted && strings.Contains(e.Text, "dispatcher could not be told"))
	}
	if !warned || !noted {
		t.Fatalf("warned %t, failure noted %t: %v", warned, noted, kinds(ct.events()))
	}
}

// The last notice of a case goes out before the case completes: a handoff
// whose notice takes ten minutes, then a resolve that closes the case at
// once, still tells the new department.
func TestTheLastNoticeGoesOutBeforeTheCaseCompletes(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.cfg.Policy.SLA.ReopenWindow = 0
	var told []casestate.Notice
	ct.env.OnActivity(ActivityNotify, mock.Anything, mock.Anything).After(10 * time.Minute).Return(func(_ context.Context, n []casestate.Notice) error {
		told = append(told, n...)
		return nil
	})
	ct.at(time.Minute, func() {
		ct.act("handoff", casestate.ActionHandoff, "sam", casestate.Action{To: "pr", Text: "a journalist asks"})
		ct.act("resolve", casestate.ActionResolve, "priya", casestate.Action{Text: "answered on the phone"})
	})
	ct.run()
	if len(told) != 1 || told[0].To != "pr" {
		t.Fatalf("notices sent %+v", told)
	}
}
