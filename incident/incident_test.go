package incident_test

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/spike"
)

var (
	at    = time.Date(2015, 3, 2, 15, 0, 0, 0, time.UTC)
	cora  = policy.Actor{ID: "cora", Departments: []string{"coe"}, Roles: []string{policy.RoleAgent}}
	colin = policy.Actor{ID: "colin", Departments: []string{"coe"}, Roles: []string{policy.RoleLead}}
	paul  = policy.Actor{ID: "paul", Departments: []string{"pr"}, Roles: []string{policy.RoleApprover}}
)

func open(public bool) *incident.Incident {
	a := spike.Alert{Property: "x:@acme_help", Series: "term outage", At: at, Why: "why"}
	posts := []spike.Post{{CaseID: "c1", Text: "outage", Private: !public}, {CaseID: "c2", Text: "outage!", Private: !public}, {CaseID: "c1", Text: "again", Private: !public}}
	return incident.Open("incident/t", a, posts, public, incident.Rules{CoE: "coe", Public: "pr"})
}

func must(t *testing.T, inc *incident.Incident, kind incident.ActionKind, a policy.Actor, text string) {
	t.Helper()
	if err := inc.Apply(kind, incident.Action{Actor: a, Text: text, Version: current(inc)}, at); err != nil {
		t.Fatalf("%s by %s: %v", kind, a.ID, err)
	}
}

// current is the version a person reading the incident decides.
func current(inc *incident.Incident) int {
	if s := inc.Current(); s != nil {
		return s.Version
	}
	return 0
}

func refusedBy(t *testing.T, err error, rule string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "rule "+rule+":") {
		t.Errorf("got %v, want rule %s", err, rule)
	}
}

// A statement is sent once per member, a member that joins later gets it
// too, a second statement goes to every member again, and the resolution
// to every member once; a task recorded twice counts once.
func TestEachMemberGetsEachStatementOnce(t *testing.T) {
	inc := open(true)
	if len(inc.Members) != 2 || len(inc.Samples) != 2 {
		t.Fatalf("members %+v samples %+v: a case is a member once", inc.Members, inc.Samples)
	}
	must(t, inc, incident.ActionPropose, cora, "first draft")
	must(t, inc, incident.ActionPropose, cora, "We are on it.") // replaces the unapproved draft
	if len(inc.Statements) != 1 || inc.Current().Version != 2 { // a version is never reused
		t.Fatalf("statements %+v", inc.Statements)
	}
	if len(inc.Next()) != 0 {
		t.Fatal("tasks before the statement was sent")
	}
	must(t, inc, incident.ActionApprove, paul, "")
	must(t, inc, incident.ActionSend, colin, "")
	inc.Join([]spike.Post{{CaseID: "c3"}}, at)
	tasks := inc.Next()
	if len(tasks) != 3 || tasks[2].CaseID != "c3" || tasks[0].Kind != casestate.ActionStatement || tasks[0].Action.Actor.ID != "colin" || tasks[0].Action.Incident != "incident/t" {
		t.Fatalf("tasks %+v", tasks)
	}
	for _, task := range tasks {
		inc.Delivered(task, incident.Sent, "", at)
		inc.Delivered(task, incident.Refused, "twice", at)
	}
	if n := inc.Tally(2)[incident.Sent]; n != 3 || len(inc.Next()) != 0 {
		t.Fatalf("tally %v, next %+v", inc.Tally(2), inc.Next())
	}
	must(t, inc, incident.ActionPropose, cora, "Fixed now, thank you for your patience.")
	must(t, inc, incident.ActionApprove, paul, "")
	must(t, inc, incident.ActionSend, colin, "")
	if tasks := inc.Next(); len(tasks) != 3 || tasks[0].Version != 3 || tasks[0].Action.Request == inc.Deliveries[0].CaseID {
		t.Fatalf("the update's tasks %+v", tasks)
	}
	must(t, inc, incident.ActionResolve, colin, "back up")
	tasks = inc.Next()
	if len(tasks) != 3 || tasks[0].Kind != casestate.ActionResolve || !strings.Contains(tasks[0].Action.Text, "incident/t") {
		t.Fatalf("resolve tasks %+v: a resolved incident sends no statement, only its resolution", tasks)
	}
	inc.Join([]spike.Post{{CaseID: "c4"}}, at)
	if inc.Member("c4") {
		t.Error("a post joined a resolved incident")
	}
}

// What a statement may say, and who may decide it.
func TestStatementRules(t *testing.T) {
	inc := open(false)
	refusedBy(t, inc.Check(incident.ActionPropose, incident.Action{Actor: cora, Text: strings.Repeat("long ", 60)}), "reply-too-long")
	refusedBy(t, inc.Check(incident.ActionPropose, incident.Action{Actor: cora, Text: "Call us on +44 20 7946 0958"}), "personal-data")
	refusedBy(t, inc.Check(incident.ActionPropose, incident.Action{Actor: paul, Text: "ok"}), "incident-member") // private posts: PR is not in it
	must(t, inc, incident.ActionPropose, cora, "We are on it.")
	refusedBy(t, inc.Check(incident.ActionApprove, incident.Action{Actor: cora, Version: 1}), "four-eyes")
	refusedBy(t, inc.Check(incident.ActionReject, incident.Action{Actor: colin, Version: 1}), "text-required")
	refusedBy(t, inc.Check(incident.ActionApprove, incident.Action{Actor: colin}), "statement-version")
	must(t, inc, incident.ActionReject, colin, "too vague")
	if inc.Current() != nil {
		t.Fatal("a rejected statement is still current")
	}
	must(t, inc, incident.ActionPropose, cora, "We know checkout fails and are fixing it.")
	if v := current(inc); v != 2 {
		t.Errorf("after a rejected 1 the next statement is %d: a version is never reused", v)
	}
	must(t, inc, incident.ActionApprove, colin, "") // private posts: the centre's lead approves
	refusedBy(t, inc.Check(incident.ActionSend, incident.Action{Actor: cora, Version: 2}), "incident-sender")
	must(t, inc, incident.ActionSend, colin, "")
	if len(inc.Next()) != 2 {
		t.Fatalf("tasks %+v", inc.Next())
	}
	// A public post joins: PR joins, the sending stops, and the statement
	// waits for PR's approval as version 3.
	inc.Join([]spike.Post{{CaseID: "c9", Text: "outage"}}, at)
	if !inc.Public || len(inc.Next()) != 0 || current(inc) != 3 || inc.Current().ApprovedBy != "" {
		t.Fatalf("public %v, next %+v, statement %+v", inc.Public, inc.Next(), inc.Current())
	}
	refusedBy(t, inc.Check(incident.ActionApprove, incident.Action{Actor: colin, Version: 3}), "incident-approver")
	must(t, inc, incident.ActionApprove, paul, "")
	must(t, inc, incident.ActionSend, colin, "")
	if n := len(inc.Next()); n != 3 {
		t.Errorf("%d tasks after PR approved, want the 3 members", n)
	}
}

// Proposing an update does not stop the statement being sent: members
// that join meanwhile get the sent one.
func TestAProposedUpdateKeepsTheSentStatementGoing(t *testing.T) {
	inc := open(true)
	must(t, inc, incident.ActionPropose, cora, "We are on it.")
	must(t, inc, incident.ActionApprove, paul, "")
	must(t, inc, incident.ActionSend, colin, "")
	must(t, inc, incident.ActionPropose, cora, "Fixed now.")
	inc.Join([]spike.Post{{CaseID: "c3"}}, at)
	if tasks := inc.Next(); len(tasks) != 3 || tasks[2].Version != 1 {
		t.Errorf("tasks %+v, want statement 1 to all three", tasks)
	}
}
