package workflows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
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
