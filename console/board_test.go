package console

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
)

// The SLA board's row counts a department's live cases by what they need,
// puts each escalated case on its rung, and names the longest wait.
func TestBoardRowCountsWhatADepartmentOwes(t *testing.T) {
	now := time.Date(2015, 11, 18, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	dept := policy.Department{ID: "support", Name: "Digital Support", Escalation: []policy.EscalationStep{
		{To: policy.RoleLead, Within: 30 * time.Minute}, {To: policy.RoleHead, Within: time.Hour}, {To: "coe", Within: time.Hour}}}
	cases := []caseapi.Summary{
		{CaseID: "case/x/soon", Status: "open", SLADueAt: at(10 * time.Minute), OpenedAt: now.Add(-50 * time.Minute), CustomerID: "x:a"},
		{CaseID: "case/x/late", Status: "open", Assignee: "sam", SLADueAt: at(-20 * time.Minute), SLABreached: true, EscalationLevel: 1,
			OpenedAt: now.Add(-80 * time.Minute), CustomerID: "x:b"},
		{CaseID: "case/x/top", Status: "open", Assignee: "sue", SLADueAt: at(-3 * time.Hour), EscalationLevel: 3, OpenedAt: now.Add(-4 * time.Hour), CustomerID: "x:c"},
		{CaseID: "case/x/asked", Status: "waiting_customer", Assignee: "sam", OpenedAt: now.Add(-9 * time.Hour), CustomerID: "x:d"},
		{CaseID: "case/x/draft", Status: "awaiting_approval", Assignee: "sid", SLADueAt: at(2 * time.Hour), OpenedAt: now.Add(-time.Hour), CustomerID: "x:e"},
		{CaseID: "case/x/spam", Status: "spam", OpenedAt: now.Add(-48 * time.Hour), CustomerID: "x:f"},
	}
	got := boardRowFor(dept, cases, now)
	want := boardRow{Dept: "support", Name: "Digital Support", Open: 5, Unassigned: 1, DueSoon: 1, Breached: 2,
		Ladder: []rung{{1, "lead", "30m", 1}, {2, "head", "1h 00m", 0}, {3, "coe", "1h 00m", 1}},
		// The customer waiting on the agent's own question is not waiting on support.
		Oldest:   &waiting{CaseID: "case/x/top", URL: "/case/case/x/top", CustomerID: "x:c", Since: "4h 00m ago"},
		InboxURL: "/inbox?dept=support", BreachedURL: "/inbox?breached=1&dept=support"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("board row\n got %+v\nwant %+v", got, want)
	}
}

// A trail step's heading reads as a phrase, SLA in capitals.
func TestEventLabels(t *testing.T) {
	for kind, want := range map[casestate.EventKind]string{casestate.EventBreach: "SLA breach", casestate.EventHandedOff: "Handed off",
		casestate.EventCustomer: "Customer wrote", casestate.EventOpened: "Opened"} {
		if got := eventLabel(kind); got != want {
			t.Errorf("eventLabel(%s) = %q, want %q", kind, got, want)
		}
	}
}

// The conversation keeps people's steps in order and folds switchboard's
// own between them; a customer named like switchboard stays in view.
func TestThreadFoldsSwitchboardsSteps(t *testing.T) {
	ev := func(kind casestate.EventKind, actor string) casestate.Event {
		return casestate.Event{Kind: kind, Actor: actor}
	}
	events := []casestate.Event{ev(casestate.EventOpened, "@jane"), ev("triaged", policy.SystemActor), ev("queued", policy.SystemActor),
		ev(casestate.EventClaimed, "sam"), ev(casestate.EventReplied, "sam"), ev(casestate.EventBreach, policy.SystemActor), ev(casestate.EventCustomer, policy.SystemActor)}
	var got []string
	for _, it := range thread(events) {
		if it.Folded != nil {
			got = append(got, fmt.Sprintf("folded %d", len(it.Folded)))
		} else {
			got = append(got, string(it.Event.Kind))
		}
	}
	if want := []string{"opened", "folded 2", "claimed", "replied", "folded 1", "customer_wrote"}; !slices.Equal(got, want) {
		t.Fatalf("thread %v, want %v", got, want)
	}
}
