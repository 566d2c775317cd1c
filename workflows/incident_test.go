package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/spike"
	"github.com/switchboard-care/switchboard/spike/spiketest"
	. "github.com/switchboard-care/switchboard/workflows"
)

var (
	cora  = policy.Actor{ID: "cora", Departments: []string{"coe"}, Roles: []string{policy.RoleAgent}}
	colin = policy.Actor{ID: "colin", Departments: []string{"coe"}, Roles: []string{policy.RoleLead}}
	paul  = policy.Actor{ID: "paul", Departments: []string{"pr"}, Roles: []string{policy.RoleLead, policy.RoleApprover}}
	sam   = policy.Actor{ID: "sam", Departments: []string{"support"}, Roles: []string{policy.RoleAgent}}
)

// watchTest runs a property's watch in a test environment whose activities
// record what they were asked: the notices, and each delivery to a case.
type watchTest struct {
	t          *testing.T
	env        *testsuite.TestWorkflowEnvironment
	start      time.Time
	notices    []casestate.Notice
	noticedAt  time.Time
	deliveries map[string][]Delivery // by case
	refuse     map[string]string     // cases that refuse a delivery, and why
}

func newWatchTest(t *testing.T, start time.Time) *watchTest {
	wt := &watchTest{t: t, start: start, deliveries: map[string][]Delivery{}, refuse: map[string]string{}}
	var suite testsuite.WorkflowTestSuite
	wt.env = suite.NewTestWorkflowEnvironment()
	wt.env.SetStartTime(start)
	(&Workflows{Actors: assertion.NewKeys(testSigner.Public()), Signer: testSigner, Incidents: IncidentOptions{
		Detector: spike.DefaultOptions(), Rules: incident.Rules{CoE: "coe", Public: "pr"}, SendsPerMinute: 30,
	}}).Register(wt.env)
	wt.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: testWorkflowID})
	wt.env.RegisterActivityWithOptions(func(_ context.Context, ns []casestate.Notice) error {
		if wt.notices == nil {
			wt.noticedAt = wt.env.Now()
		}
		wt.notices = append(wt.notices, ns...)
		return nil
	}, activity.RegisterOptions{Name: ActivityNotify})
	wt.env.RegisterActivityWithOptions(func(_ context.Context, d Delivery) (Delivered, error) {
		wt.deliveries[d.CaseID] = append(wt.deliveries[d.CaseID], d)
		if why, ok := wt.refuse[d.CaseID]; ok {
			return Delivered{Outcome: incident.Refused, Detail: why}, nil
		}
		if d.Kind == casestate.ActionResolve {
			return Delivered{Outcome: incident.Resolved}, nil
		}
		return Delivered{Outcome: incident.Sent}, nil
	}, activity.RegisterOptions{Name: ActivityDeliver})
	return wt
}

// feed sends each post to the watch at its time, as intake does: one
// callback at a time, each registering the next (the environment holds
// only so many waiting).
func (wt *watchTest) feed(posts []spike.Post) {
	var next func(i int)
	next = func(i int) {
		if i == len(posts) {
			return
		}
		wt.env.RegisterDelayedCallback(func() {
			sig := SpikePost{Post: posts[i]}
			sig.Proof = signalProof(wt.env, SenderIntake, SignalSpikePost, sig)
			wt.env.SignalWorkflow(SignalSpikePost, sig)
			next(i + 1)
		}, max(0, posts[i].At.Sub(wt.start)-wt.env.Now().Sub(wt.start)))
	}
	next(0)
}

// act performs an incident action at after, as actor.
func (wt *watchTest) act(after time.Duration, kind incident.ActionKind, actor policy.Actor, text string) {
	wt.env.RegisterDelayedCallback(func() {
		id := wt.incidentID()
		a := incident.Action{Actor: actor, Text: text, Version: 1, Request: string(kind) + " by " + actor.ID}
		a.Proof = vouchTo(wt.env, id, actor, UpdateIncident(kind), a.Request, a)
		err := wt.env.UpdateWorkflowByID(id, UpdateIncident(kind), a.Request, &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { wt.t.Errorf("%s by %s refused: %v", kind, actor.ID, err) },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, a)
		if err != nil {
			wt.t.Errorf("%s by %s: %v", kind, actor.ID, err)
		}
	}, after)
}

func (wt *watchTest) incidentID() string {
	if len(wt.notices) == 0 {
		wt.t.Fatal("no incident opened")
	}
	return wt.notices[0].CaseID
}

func (wt *watchTest) incident() incident.Incident {
	v, err := wt.env.QueryWorkflowByID(wt.incidentID(), QueryIncident)
	if err != nil {
		wt.t.Fatal(err)
	}
	var inc incident.Incident
	if err := v.Get(&inc); err != nil {
		wt.t.Fatal(err)
	}
	return inc
}

// A week of a property's ordinary traffic opens no incident; an outage —
// complaints sharing a word, four a minute — opens one within five
// minutes that tells the centre of excellence and PR why. Its holding
// statement, proposed, approved by PR and sent by the centre's lead,
// reaches every member case once, those that join after it was sent too;
// a case that refuses it is recorded, not retried; the resolution
// resolves every member and frees the watch.
func TestAnOutageOpensAnIncidentWhoseStatementReachesEveryMemberOnce(t *testing.T) {
	start := time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	wt := newWatchTest(t, start)
	week := start.Add(7 * 24 * time.Hour)
	burst := week.Add(15 * time.Hour) // Monday afternoon, the busiest hours
	bg := spiketest.NewBackground(3)
	outage := spiketest.Outage(burst, 120, 15*time.Second) // thirty minutes
	wt.feed(spiketest.Merge(bg.Posts(start, burst.Add(time.Hour)), outage))
	wt.refuse[outage[3].CaseID] = "rule case-active: case is resolved; an incident's statement goes only to cases still being worked"

	var beforeBurst int
	wt.env.RegisterDelayedCallback(func() { beforeBurst = len(wt.notices) }, burst.Sub(start))
	wt.act(burst.Sub(start)+8*time.Minute, incident.ActionPropose, cora, "We know the app is down for many of you and are fixing it now. Sorry! We will post here when it is back.")
	wt.act(burst.Sub(start)+10*time.Minute, incident.ActionApprove, paul, "")
	wt.act(burst.Sub(start)+11*time.Minute, incident.ActionSend, colin, "")
	wt.act(burst.Sub(start)+50*time.Minute, incident.ActionResolve, colin, "the app is back since 15:45")
	var atEnd incident.Incident
	wt.env.RegisterDelayedCallback(func() { atEnd = wt.incident() }, burst.Sub(start)+49*time.Minute)
	var open *OpenIncident
	wt.env.RegisterDelayedCallback(func() {
		v, err := wt.env.QueryWorkflow(QuerySpike)
		if err != nil {
			t.Fatal(err)
		}
		var in SpikeInput
		if err := v.Get(&in); err != nil {
			t.Fatal(err)
		}
		open = in.Open
		// What the watch carries into its next run, after a week.
		carried, _ := json.Marshal(in)
		if len(carried) > 1<<20 {
			t.Errorf("the watch carries %d bytes into its next run", len(carried))
		}
		t.Logf("the watch carries %d KiB into its next run", len(carried)>>10)
		wt.env.CancelWorkflow()
	}, burst.Sub(start)+2*time.Hour)
	wt.env.ExecuteWorkflow(SpikeWorkflowName, SpikeInput{Property: "x:@acme_help", PostsPerRun: 1 << 20})

	if beforeBurst != 0 {
		t.Fatalf("the background opened an incident: %+v", wt.notices)
	}
	if after := wt.noticedAt.Sub(burst); after > 5*time.Minute {
		t.Errorf("the incident was told %s after the outage began", after)
	}
	t.Logf("incident opened %s after the outage began", wt.noticedAt.Sub(burst))
	told := map[string]bool{}
	for _, n := range wt.notices {
		told[n.To] = n.Kind == casestate.NoticeIncident && strings.Contains(n.Text, "probability")
	}
	if !told["coe"] || !told["pr"] {
		t.Errorf("the centre and PR were not both told why: %+v", wt.notices)
	}

	outageCases := map[string]bool{}
	for _, p := range outage {
		outageCases[p.CaseID] = true
	}
	members := len(atEnd.Members)
	if members != len(outage) {
		t.Errorf("%d members, want the outage's %d posts and none of the background", members, len(outage))
	}
	for _, m := range atEnd.Members {
		if !outageCases[m.CaseID] {
			t.Errorf("background case %s joined the outage's incident", m.CaseID)
		}
		got := wt.deliveries[m.CaseID]
		var statements, resolves int
		for _, d := range got {
			switch d.Kind {
			case casestate.ActionStatement:
				statements++
				if d.Action.Incident != atEnd.ID || d.Action.Actor.ID != "colin" || !strings.Contains(d.Action.Text, "app is down") {
					t.Errorf("%s got %+v", m.CaseID, d)
				}
			case casestate.ActionResolve:
				resolves++
				if !strings.Contains(d.Action.Text, atEnd.ID) {
					t.Errorf("%s resolved without the incident's link: %q", m.CaseID, d.Action.Text)
				}
			}
		}
		if statements != 1 || resolves != 1 {
			t.Errorf("%s: %d statements, %d resolves; want 1 of each", m.CaseID, statements, resolves)
		}
	}
	for id := range outageCases {
		if !atEnd.Member(id) && wt.env.Now().After(burst) {
			t.Errorf("outage case %s did not join the incident", id)
		}
	}
	if tally := atEnd.Tally(1); tally[incident.Refused] != 1 || tally[incident.Sent] != members-1 {
		t.Errorf("statement tally %v for %d members", tally, members)
	}
	if open != nil {
		t.Errorf("the watch still holds the resolved incident open: %+v", open)
	}
	t.Logf("%d members; first alert: %s", members, atEnd.Alerts[0].Why)
}

// An incident's actions are its departments' and follow the four-eyes
// rule; a forged actor is refused before anything is recorded.
func TestIncidentActionsAreChecked(t *testing.T) {
	start := time.Date(2015, 3, 2, 15, 0, 0, 0, time.UTC)
	wt := newWatchTest(t, start)
	a := spike.Alert{Property: "x:@acme_help", Series: "term outage", At: start, Observed: 9, Expected: 1, Why: "9 posts (term outage)"}
	posts := spiketest.Outage(start, 3, time.Second)
	inc := incident.Open("incident/test", a, posts, true, incident.Rules{CoE: "coe", Public: "pr"})
	wt.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "incident/test"})
	type attempt struct {
		kind    incident.ActionKind
		actor   policy.Actor
		text    string
		want    string // the refusal's rule, or "" when it is taken
		forge   bool
		version int // the statement decided
	}
	attempts := []attempt{
		{incident.ActionPropose, sam, "We are on it.", "incident-member", false, 0},
		{incident.ActionPropose, cora, "We are on it.", "", true, 0},
		{incident.ActionPropose, cora, "We are on it.", "", false, 0},
		{incident.ActionApprove, cora, "", "four-eyes", false, 1},
		{incident.ActionApprove, colin, "", "incident-approver", false, 1}, // public posts: PR approves
		{incident.ActionSend, colin, "", "statement-approved", false, 1},
		{incident.ActionApprove, paul, "", "statement-version", false, 2}, // not the text paul read
		{incident.ActionApprove, paul, "", "", false, 1},
		{incident.ActionSend, paul, "", "incident-sender", false, 1},
		{incident.ActionSend, colin, "", "", false, 1},
		{incident.ActionSend, colin, "", "statement-sent", false, 1},
		{incident.ActionResolve, colin, "", "text-required", false, 0},
	}
	for i, at := range attempts {
		wt.env.RegisterDelayedCallback(func() {
			a := incident.Action{Actor: at.actor, Text: at.text, Version: at.version, Request: fmt.Sprint(i)}
			a.Proof = vouchTo(wt.env, "incident/test", at.actor, UpdateIncident(at.kind), a.Request, a)
			if at.forge {
				a.Actor = colin // signed as cora
			}
			wt.env.UpdateWorkflow(UpdateIncident(at.kind), a.Request, &testsuite.TestUpdateCallback{
				OnReject: func(err error) {
					switch {
					case at.forge && strings.Contains(err.Error(), "signed-actor"):
					case at.want == "" || !strings.Contains(err.Error(), "rule "+at.want+":"):
						t.Errorf("%d %s by %s refused: %v", i, at.kind, at.actor.ID, err)
					}
				},
				OnAccept: func() {
					if at.want != "" || at.forge {
						t.Errorf("%d %s by %s taken; want rule %s", i, at.kind, at.actor.ID, at.want)
					}
				},
				OnComplete: func(any, error) {},
			}, a)
		}, time.Duration(i+1)*time.Second)
	}
	wt.env.RegisterDelayedCallback(wt.env.CancelWorkflow, time.Hour)
	wt.env.ExecuteWorkflow(IncidentWorkflowName, IncidentInput{Incident: *inc})
	if n := len(wt.deliveries); n != 3 {
		t.Errorf("the statement reached %d cases, want the 3 members", n)
	}
}

// No one starts an incident whose statement is approved and sent already,
// for the worker to vouch for: a new incident is as the watch opens it.
func TestAnIncidentStartsAsTheWatchOpensIt(t *testing.T) {
	wt := newWatchTest(t, time.Date(2015, 3, 2, 15, 0, 0, 0, time.UTC))
	a := spike.Alert{Property: "x:@acme_help", Series: "term outage", At: wt.start, Why: "why"}
	inc := incident.Open("incident/forged", a, spiketest.Outage(wt.start, 3, time.Second), true, incident.Rules{CoE: "coe", Public: "pr"})
	inc.Statements = []incident.Statement{{Version: 1, Text: "Visit evil.example", By: "cora", ApprovedBy: "paul", SentBy: "colin", Sender: &colin}}
	wt.env.ExecuteWorkflow(IncidentWorkflowName, IncidentInput{Incident: *inc})
	if err := wt.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "IncidentNotNew") {
		t.Fatalf("a forged incident ran: %v", err)
	}
	if len(wt.deliveries) != 0 {
		t.Errorf("the forged statement went to %d cases", len(wt.deliveries))
	}
}
