package console

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
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

// A lead's bulk action is each chosen case's own action, with the form's
// problems said before anything is done; an agent has none, and a case of
// another department is refused by name. The same form sent twice asks for
// the same actions (the request tokens repeat).
func TestBulkActionsForLeads(t *testing.T) {
	f := newFixture(t, Options{})
	sue := f.browser().signedIn("sue") // support's lead
	post := func(v url.Values) string {
		t.Helper()
		v.Set("csrf", sue.token("/inbox"))
		resp, _ := sue.do("POST", "/bulk", v)
		wantStatus(t, resp, http.StatusSeeOther)
		_, page := sue.get("/inbox")
		return page
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"action": {"handoff"}, "to": {"pr"}, "case": {"case/x/s1"}}, "Say why"},
		{url.Values{"action": {"handoff"}, "to": {"nowhere"}, "text": {"x"}, "case": {"case/x/s1"}}, "Choose the department"},
		{url.Values{"action": {"assign"}, "agent": {"nobody"}, "case": {"case/x/s1"}}, "Choose an agent"},
		{url.Values{"action": {"archive"}, "case": {"case/x/s1"}}, "There is no bulk action"},
		{url.Values{"action": {"spam"}}, "Choose the cases first"},
	} {
		if page := post(tc.form); !strings.Contains(page, tc.want) {
			t.Errorf("%v: the page does not say %q", tc.form, tc.want)
		}
	}
	if acts := f.cases.actCalls(); len(acts) != 0 {
		t.Fatalf("a form with a problem acted: %v", acts)
	}

	form := url.Values{"action": {"handoff"}, "to": {"pr"}, "text": {"a journalist asked"}, "request": {"form-1"},
		"case": {"case/x/s1", "case/x/s2", "case/x/p1"}}
	page := post(form)
	if !strings.Contains(page, "Handed over to PR &amp; Communications: 2 of 3 cases.") || !strings.Contains(page, "case/x/p1: not a case of your departments") {
		t.Fatalf("after the bulk handoff:\n%s", page)
	}
	if got := f.cases.actCalls(); !slices.Equal(got, []string{"handoff case/x/s1 sue", "handoff case/x/s2 sue"}) {
		t.Fatalf("acts %v", got)
	}
	first := []string{f.cases.actions[0].Request, f.cases.actions[1].Request}
	f.cases.views["case/x/s1"], f.cases.views["case/x/s2"] = caseView("s1", "support", time.Hour), caseView("s2", "support", time.Hour)
	post(form)
	if again := []string{f.cases.actions[2].Request, f.cases.actions[3].Request}; !slices.Equal(again, first) || first[0] == first[1] {
		t.Fatalf("request tokens %v, then %v: want one per case, the same when the form is sent again", first, again)
	}

	sam := f.browser().signedIn("sam")
	resp, _ := sam.do("POST", "/bulk", url.Values{"csrf": {sam.token("/inbox")}, "action": {"spam"}, "case": {"case/x/s1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if _, page := sam.get("/inbox"); !strings.Contains(page, "Bulk actions are for leads and heads.") || strings.Contains(page, "data-bulk") {
		t.Fatal("an agent has a bulk bar, or no refusal")
	}
	if got := len(f.cases.actCalls()); got != 4 {
		t.Fatalf("an agent's bulk action acted: %d acts", got)
	}
}
