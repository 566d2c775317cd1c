package workflows_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	. "github.com/switchboard-care/switchboard/workflows"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/activities"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/logging"
	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/notify"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
)

// fixedTriage stands in for the language models in workflow unit tests: the
// workflow's behaviour, not triage's, is under test here (triage has its own
// tests, and the integration test runs the real engine).
type fixedTriage policy.Triage

// triager is what intake's triage does to a post; fixedTriage is the one
// these tests use.
type triager interface {
	Triage(post.Post) policy.Triage
}

func (f fixedTriage) Triage(p post.Post) policy.Triage {
	r := policy.Triage(f)
	r.Redacted = p.Text
	return r
}

type caseTest struct {
	t      *testing.T
	suite  testsuite.WorkflowTestSuite
	env    *testsuite.TestWorkflowEnvironment
	cfg    *config.Config
	outbox string
	// notifications is the notifier's file: every notice the case sent.
	notifications string
	post          post.Post
	errs          map[string]error // action label → refusal, filled as updates complete
	acts          *activities.Activities
	triage        triager // what intake's triage makes of the post
	// dispatched are the messages the case sent its dispatchers;
	// dispatchTakes is how long each takes, so signals can pile up meanwhile.
	dispatched    []DispatchRequest
	dispatchTakes time.Duration
	dispatchErr   error         // what every dispatcher message gets back
	publishTakes  time.Duration // how long the platform takes to accept a reply
	in            *CaseInput    // the run's input, when not a new case's
	result        CaseResult    // what the run left, once run
}

var friday1000 = time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)

func newCaseTest(t *testing.T, intent string, start time.Time) *caseTest {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	ct := &caseTest{t: t, cfg: cfg, errs: map[string]error{}}
	ct.suite.SetLogger(logging.Temporal(zap.NewNop()))
	ct.setEnv(fixedTriage{Intent: intent, Confidence: 0.9, Language: "en"}, start)
	ct.post = post.Post{ID: "x-100", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jane", Followers: 120},
		Text: "my app keeps crashing", CreatedAt: start}
	return ct
}

// setEnv gives the test a fresh workflow environment at start, with the
// worker's activities.
func (ct *caseTest) setEnv(tri triager, start time.Time) {
	t := ct.t
	ct.env = ct.suite.NewTestWorkflowEnvironment()
	ct.env.SetStartTime(start)
	dir := t.TempDir()
	ct.outbox = filepath.Join(dir, "outbox.jsonl")
	outbox, err := publish.NewOutbox(ct.outbox, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	shared, err := kv.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shared.Close() })
	ct.notifications = filepath.Join(dir, "notifications.jsonl")
	notifier, err := notify.New(ct.cfg, ct.notifications, shared, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	corrections := retrain.NewStore(shared)
	ct.triage = tri
	acts := &activities.Activities{Publisher: outbox, Notifier: notifier, Corrections: corrections, Log: zap.NewNop()}
	ct.acts = acts
	registerTrusting(ct.env)
	ct.env.RegisterActivityWithOptions(acts.Publish, activity.RegisterOptions{Name: ActivityPublish})
	ct.env.RegisterActivityWithOptions(acts.Notify, activity.RegisterOptions{Name: ActivityNotify})
	ct.env.RegisterActivityWithOptions(acts.RecordCorrections, activity.RegisterOptions{Name: ActivityRecordCorrections})
	// The dispatcher is another workflow; here we record what the case tells it.
	ct.env.RegisterActivityWithOptions(acts.Dispatch, activity.RegisterOptions{Name: ActivityDispatch})
	ct.env.OnActivity(ActivityPublish, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return ct.publishTakes }).Return(acts.Publish)
	ct.env.OnActivity(ActivityDispatch, mock.Anything, mock.Anything).AfterFn(func() time.Duration { return ct.dispatchTakes }).Return(func(_ context.Context, r DispatchRequest) error {
		if ct.dispatchErr != nil {
			return ct.dispatchErr
		}
		ct.dispatched = append(ct.dispatched, r)
		return nil
	})
}

// nextRun is the case's next run, as caseapi starts it when a follow-up
// or an agent's reopen comes after after the last run completed: a fresh
// environment whose input carries the case from the last run's result.
func (ct *caseTest) nextRun(after time.Duration) *caseTest {
	ct.t.Helper()
	if ct.result.Final == nil {
		ct.t.Fatal("the last run left no case to go on from")
	}
	next := &caseTest{t: ct.t, cfg: ct.cfg, errs: map[string]error{}, post: ct.post}
	next.suite.SetLogger(logging.Temporal(zap.NewNop()))
	next.setEnv(ct.triage, ct.result.Final.Case.ResolvedAt.Add(after))
	final := *ct.result.Final
	next.in = &CaseInput{Post: final.Case.Post, Policy: final.Case.Policy, Carried: &final}
	return next
}

// at runs fn after d of (skipped) workflow time.
func (ct *caseTest) at(d time.Duration, fn func()) { ct.env.RegisterDelayedCallback(fn, d) }

// act sends an agent action; label keys its outcome in ct.errs.
func (ct *caseTest) act(label string, kind casestate.ActionKind, agent string, a casestate.Action) {
	ag, err := ct.cfg.Directory().Lookup(agent)
	if err != nil {
		ct.t.Fatal(err)
	}
	a.Actor = ag.Actor()
	a.Proof = vouch(ct.env, a.Actor, UpdateName(kind), label, a)
	ct.env.UpdateWorkflow(UpdateName(kind), label, &testsuite.TestUpdateCallback{
		OnReject:   func(err error) { ct.errs[label] = err },
		OnAccept:   func() {},
		OnComplete: func(_ any, err error) { ct.errs[label] = err },
	}, a)
}

func (ct *caseTest) state() casestate.View {
	ct.t.Helper()
	res, err := ct.env.QueryWorkflow(QueryState)
	if err != nil {
		ct.t.Fatal(err)
	}
	var v casestate.View
	if err := res.Get(&v); err != nil {
		ct.t.Fatal(err)
	}
	return v
}

func (ct *caseTest) events() []casestate.Event {
	ct.t.Helper()
	res, err := ct.env.QueryWorkflow(QueryEvents)
	if err != nil {
		ct.t.Fatal(err)
	}
	var ev []casestate.Event
	if err := res.Get(&ev); err != nil {
		ct.t.Fatal(err)
	}
	return ev
}

func (ct *caseTest) run() casestate.View {
	ct.t.Helper()
	ct.env.ExecuteWorkflow(CaseWorkflowName, ct.input())
	if !ct.env.IsWorkflowCompleted() {
		ct.t.Fatal("case did not complete")
	}
	if err := ct.env.GetWorkflowError(); err != nil {
		ct.t.Fatal(err)
	}
	if err := ct.env.GetWorkflowResult(&ct.result); err != nil {
		ct.t.Fatal(err)
	}
	return ct.result.View
}

// input is the case as intake starts it: triaged, the customer looked up
// (or, for a next run, as caseapi starts it).
func (ct *caseTest) input() CaseInput {
	if ct.in != nil {
		return *ct.in
	}
	prep := Preparation{Triage: ct.triage.Triage(ct.post), OpenedAt: ct.env.Now()}
	return CaseInput{Post: ct.post, Policy: ct.cfg.Policy, Prepared: &prep}
}

// A case intake prepared opens at once, as intake opened it: no activity
// of its own, its clocks from when intake took the post, and nothing to
// upsert (intake started it with those attributes).
func TestAPreparedCaseOpensAsIntakeOpenedIt(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000) // support, P3: first response 1h
	ran := 0
	ct.env.SetOnLocalActivityStartedListener(func(*activity.Info, context.Context, []any) { ran++ })
	ct.env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { ran++ })
	upserts := 0
	ct.env.OnUpsertTypedSearchAttributes(mockAny).Run(func(mock.Arguments) { upserts++ }).Return(nil)
	in := ct.input()
	in.Prepared.OpenedAt = friday1000.Add(-time.Minute) // intake took it a minute before the case ran
	ct.at(time.Minute, func() {
		v := ct.state()
		if ran != 0 || upserts != 0 || v.Department != "support" || !v.Response.DueAt.Equal(friday1000.Add(59*time.Minute)) {
			t.Errorf("%d activities, %d upserts, department %q, first response due %v", ran, upserts, v.Department, v.Response.DueAt)
		}
		ct.act("resolve", casestate.ActionResolve, "sue", casestate.Action{Text: "answered elsewhere"})
	})
	ct.env.ExecuteWorkflow(CaseWorkflowName, in)
	if err := ct.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if opened := ct.events()[0]; !opened.At.Equal(in.Prepared.OpenedAt) {
		t.Errorf("opened at %v, want %v", opened.At, in.Prepared.OpenedAt)
	}
}

// A case started past intake (no triage, or no time intake took the post)
// fails at once with a reason, not a case whose clocks start in year 1.
func TestACaseIntakeDidNotPrepareIsRefused(t *testing.T) {
	for name, edit := range map[string]func(*CaseInput){
		"no preparation": func(in *CaseInput) { in.Prepared = nil },
		"no time taken":  func(in *CaseInput) { in.Prepared.OpenedAt = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			ct := newCaseTest(t, "complaint", friday1000)
			in := ct.input()
			edit(&in)
			ct.env.ExecuteWorkflow(CaseWorkflowName, in)
			var appErr *temporal.ApplicationError
			if err := ct.env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != "CaseNotPrepared" || !appErr.NonRetryable() {
				t.Fatalf("error %v, want a non-retryable CaseNotPrepared", err)
			}
		})
	}
}

// Resolving is the run completing: no upsert says "resolved" or "closed"
// (the execution status does), and the case keeps the attributes it had.
func TestResolvingUpsertsNothing(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	var statuses []string
	ct.env.OnUpsertTypedSearchAttributes(mockAny).Run(func(args mock.Arguments) {
		if status, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(SACaseStatus); ok {
			statuses = append(statuses, status)
		}
	}).Return(nil)
	ct.at(time.Minute, func() {
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: "fixed in 4.2"})
	})
	if final := ct.run(); final.Status != casestate.StatusResolved {
		t.Fatalf("final status %s", final.Status)
	}
	if len(statuses) != 0 {
		t.Errorf("CaseStatus upserts %v, want none", statuses)
	}
}

func kinds(ev []casestate.Event) []string {
	var out []string
	for _, e := range ev {
		out = append(out, string(e.Kind))
	}
	return out
}

func findEvent(ev []casestate.Event, kind casestate.EventKind) (casestate.Event, bool) {
	for _, e := range ev {
		if e.Kind == kind {
			return e, true
		}
	}
	return casestate.Event{}, false
}

// A reply moves the next deadline later (from the first-response warning
// to the resolution warning): the armed timer is kept, fires early, finds
// nothing due and arms the next. No timer is cancelled and restarted, and
// the resolution warning still comes at its time.
func TestAReplyKeepsTheArmedTimer(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000) // support, P3: first response 1h
	var fireAt []time.Time
	cancelled := 0
	ct.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { fireAt = append(fireAt, ct.env.Now().Add(d)) })
	ct.env.SetOnTimerCanceledListener(func(string) { cancelled++ })
	var firstWarn, resolutionWarn time.Time
	ct.at(time.Second, func() { firstWarn = ct.state().Response.WarnAt })
	ct.at(10*time.Minute, func() {
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Sorry about that! Which version are you on?"})
	})
	ct.at(20*time.Minute, func() {
		resolutionWarn = ct.state().Resolution.WarnAt
		ct.env.RegisterDelayedCallback(func() {
			ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: "fixed in 4.2"})
		}, resolutionWarn.Sub(ct.env.Now())+time.Minute)
	})
	ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	if len(fireAt) < 2 || !fireAt[0].Equal(firstWarn) || !fireAt[1].Equal(resolutionWarn) || cancelled != 0 {
		t.Errorf("timers due %v, %d cancelled; want the first-response warning (%v), then the resolution warning (%v), none cancelled",
			fireAt, cancelled, firstWarn, resolutionWarn)
	}
	warning, ok := findEvent(ct.events(), casestate.EventWarning)
	if !ok || !warning.At.Equal(resolutionWarn) || !strings.Contains(warning.Detail, "resolution") {
		t.Errorf("warning %+v, want the resolution warning at %v", warning, resolutionWarn)
	}
}

func TestFirstResponseMet(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000) // support, P3: first response 1h
	ct.at(10*time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(20*time.Minute, func() {
		ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Sorry about that! Which version are you on?"})
	})
	ct.at(30*time.Minute, func() {
		v := ct.state()
		if v.Response != nil || v.SLABreached || v.Assignee != "sam" {
			t.Errorf("after reply: %+v", v)
		}
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: "fixed in 4.2"})
	})
	final := ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	if final.Status != casestate.StatusResolved {
		t.Fatalf("final status %s", final.Status)
	}
	ev := ct.events()
	reply, _ := findEvent(ev, casestate.EventReplied)
	if !strings.Contains(reply.SLA, "first response met in 20m (target 1h of working time)") || reply.Ref == "" {
		t.Fatalf("reply event %+v", reply)
	}
	if _, warned := findEvent(ev, casestate.EventWarning); warned {
		t.Fatalf("warning fired although the reply came in time: %v", kinds(ev))
	}
	sent, err := publish.ReadOutbox(ct.outbox)
	if err != nil || len(sent) != 1 || sent[0].InReplyTo != "x-100" {
		t.Fatalf("outbox %+v, %v", sent, err)
	}
	want := "opened triaged queued claimed replied resolved"
	if got := strings.Join(kinds(ev), " "); got != want {
		t.Fatalf("timeline %q, want %q", got, want)
	}
}

func TestWarningBreachAndTheFullEscalationLadder(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000) // support P3: 1h; ladder lead 30m → head 1h → coe
	ct.at(44*time.Minute, func() {
		if v := ct.state(); v.Response.Warned {
			t.Error("warned before 75% of the target")
		}
	})
	ct.at(46*time.Minute, func() {
		if v := ct.state(); !v.Response.Warned || v.SLABreached {
			t.Errorf("at 46m: warned %t breached %t", v.Response.Warned, v.SLABreached)
		}
	})
	ct.at(61*time.Minute, func() {
		v := ct.state()
		if !v.SLABreached || v.Escalation.Level != 1 || v.Escalation.To != "lead" {
			t.Errorf("at 61m: breached %t escalation %+v", v.SLABreached, v.Escalation)
		}
	})
	ct.at(91*time.Minute, func() {
		if v := ct.state(); v.Escalation.Level != 2 || v.Escalation.To != "head" {
			t.Errorf("at 91m: escalation %+v", v.Escalation)
		}
	})
	ct.at(151*time.Minute, func() {
		if v := ct.state(); v.Escalation.Level != 3 || v.Escalation.To != "coe" {
			t.Errorf("at 151m: escalation %+v", v.Escalation)
		}
	})
	ct.at(10*time.Hour, func() {
		v := ct.state()
		if v.Escalation.Level != 3 {
			t.Errorf("ladder moved past its top: %+v", v.Escalation)
		}
		ct.act("claim", casestate.ActionClaim, "cora", casestate.Action{})
		ct.act("reply", casestate.ActionReply, "cora", casestate.Action{Text: "We're on it, sorry for the wait."})
	})
	ct.at(11*time.Hour, func() {
		v := ct.state()
		if v.Escalation.Level != 0 || v.Response != nil {
			t.Errorf("acting did not stop the ladder: %+v", v.Escalation)
		}
		ct.act("resolve", casestate.ActionResolve, "cora", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	ev := ct.events()
	var ladder []string
	for _, e := range ev {
		if e.Kind == casestate.EventEscalated {
			ladder = append(ladder, e.Detail[:strings.Index(e.Detail, " called in")])
		}
	}
	if got := strings.Join(ladder, ", "); got != "level 1: lead, level 2: head, level 3: coe" {
		t.Fatalf("ladder %q", got)
	}
	reply, _ := findEvent(ev, casestate.EventReplied)
	if !strings.Contains(reply.SLA, "first response breached") {
		t.Fatalf("reply outcome %q", reply.SLA)
	}
}

func TestHandoffGivesTheNewDepartmentAFreshClock(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.at(5*time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(50*time.Minute, func() { // warned already, 10 minutes before breach
		ct.act("handoff", casestate.ActionHandoff, "sam", casestate.Action{To: "pr", Text: "journalist asking for a statement"})
	})
	ct.at(55*time.Minute, func() {
		v := ct.state()
		if v.Department != "pr" || v.Assignee != "" || v.Response == nil || v.Response.Warned {
			t.Errorf("after handoff: dept %s assignee %q response %+v", v.Department, v.Assignee, v.Response)
		}
		// pr P3: 2h first response, in pr's hours (Mon–Fri 08–20 London).
		if want := friday1000.Add(50*time.Minute + 2*time.Hour); !v.Response.DueAt.Equal(want) {
			t.Errorf("pr due %s, want %s", v.Response.DueAt, want)
		}
	})
	ct.at(70*time.Minute, func() {
		if v := ct.state(); v.SLABreached {
			t.Error("the old department's clock breached the new owner")
		}
		ct.act("claim-pr", casestate.ActionClaim, "priya", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "priya", casestate.Action{Text: "statement sent"})
	})
	final := ct.run()
	if final.Department != "pr" {
		t.Fatalf("department %s", final.Department)
	}
	ev := ct.events()
	h, ok := findEvent(ev, casestate.EventHandedOff)
	if !ok || h.Department != "pr" || h.Text != "journalist asking for a statement" || !strings.Contains(h.Detail, "from support to pr") {
		t.Fatalf("handoff event %+v", h)
	}
	if _, ok := findEvent(ev, casestate.EventReplied); ok {
		t.Fatal("unexpected reply")
	}
	if ev[0].Kind != casestate.EventOpened {
		t.Fatal("history lost at handoff")
	}
}

func TestFollowUpStartsTheNextResponseClock(t *testing.T) {
	ct := newCaseTest(t, "question", friday1000) // support P3: next response 1h
	ct.at(5*time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(10*time.Minute, func() {
		ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Which store?", AwaitCustomer: true})
	})
	ct.at(2*time.Hour, func() {
		v := ct.state()
		if v.Status != casestate.StatusWaitingCustomer || !v.Resolution.Paused || v.Response != nil {
			t.Errorf("waiting: %+v", v)
		}
		follow := ct.post
		follow.ID, follow.InReplyTo, follow.Text = "x-101", "x-100", "The one in Leeds"
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, follow))
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, follow)) // delivered twice
	})
	ct.at(2*time.Hour+time.Minute, func() {
		v := ct.state()
		if v.Status != casestate.StatusOpen || v.Response == nil || v.Response.Kind != casestate.ClockNextResponse {
			t.Fatalf("after follow-up: status %s response %+v", v.Status, v.Response)
		}
		if want := friday1000.Add(2*time.Hour + time.Hour); !v.Response.DueAt.Equal(want) {
			t.Errorf("next response due %s, want %s", v.Response.DueAt, want)
		}
		// Resolution was paused for 1h50m, so its due moved out by as much.
		if want := friday1000.Add(24*time.Hour + 110*time.Minute); !v.Resolution.DueAt.Equal(want) {
			t.Errorf("resolution due %s, want %s", v.Resolution.DueAt, want)
		}
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	n := 0
	for _, e := range ct.events() {
		if e.Kind == casestate.EventCustomer {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("follow-up recorded %d times", n)
	}
}

func TestCustomerSilenceResolvesTheCase(t *testing.T) {
	ct := newCaseTest(t, "question", friday1000)
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() {
		ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Can you DM us a screenshot?", AwaitCustomer: true})
	})
	final := ct.run()
	ev := ct.events()
	res, ok := findEvent(ev, casestate.EventResolved)
	if !ok || res.Actor != policy.SystemActor || !strings.Contains(res.Text, "customer silent for 72h") {
		t.Fatalf("no auto-resolve: %v", kinds(ev))
	}
	if !res.At.Equal(friday1000.Add(2*time.Minute + 72*time.Hour)) {
		t.Fatalf("resolved at %s", res.At)
	}
	if final.Status != casestate.StatusResolved {
		t.Fatalf("status %s", final.Status)
	}
}

// A resolved case's run completes; a follow-up inside the reopen window
// starts its next run, which reopens it with the whole trail and a fresh
// next-response clock, and so does an agent's reopen.
func TestReopenWithinTheWindow(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() { ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Fixed now!"}) })
	ct.at(3*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	if first := ct.run(); first.Status != casestate.StatusResolved || first.CloseAt == nil {
		t.Fatalf("first run left %+v", first)
	}

	// The customer writes again two days later, inside the 7-day window:
	// caseapi starts the next run with the follow-up.
	second := ct.nextRun(48 * time.Hour)
	follow := ct.post
	follow.ID, follow.ThreadID, follow.Text = "x-102", "x-100", "It's crashing again"
	second.at(0, func() { second.env.SignalWorkflow(SignalCustomerPost, signedPost(second.env, follow)) })
	second.at(time.Minute, func() {
		v := second.state()
		if v.Status != casestate.StatusOpen || v.Response == nil || v.CloseAt != nil || v.Assignee != "sam" {
			t.Errorf("not reopened by the customer: %+v", v)
		}
		second.act("reply2", casestate.ActionReply, "sam", casestate.Action{Text: "Sorry! Reinstall 4.2.1 please"})
		second.act("resolve2", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	second.run()

	// An agent reopens it a day later, as caseapi does: the reopen update
	// is delivered with the next run's start.
	third := second.nextRun(24 * time.Hour)
	third.at(0, func() { third.act("reopen", casestate.ActionReopen, "sam", casestate.Action{Text: "customer DM'd us"}) })
	third.at(time.Hour, func() {
		if v := third.state(); v.Status != casestate.StatusOpen || v.Resolution == nil {
			t.Errorf("agent reopen: %+v", v)
		}
		third.act("resolve3", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	final := third.run()
	for _, run := range []*caseTest{ct, second, third} {
		for label, err := range run.errs {
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
		}
	}
	ev := third.events()
	got := strings.Join(kinds(ev), " ")
	want := "opened triaged queued claimed replied resolved customer_wrote reopened replied resolved reopened resolved"
	if got != want {
		t.Fatalf("timeline\n got %s\nwant %s", got, want)
	}
	for i, e := range ev {
		if e.Seq != i+1 {
			t.Fatalf("step %d has seq %d", i, e.Seq)
		}
	}
	if final.Status != casestate.StatusResolved || !final.CloseAt.Equal(friday1000.Add(4*time.Minute+73*time.Hour+168*time.Hour)) {
		t.Fatalf("final %s, window ends %v", final.Status, final.CloseAt)
	}
	if sent, err := publish.ReadOutbox(second.outbox); err != nil || len(sent) != 1 {
		t.Fatalf("the second run published %+v, %v", sent, err)
	}
}

// Outside the window the resolved case stays so: the follow-up is noted and
// the case closes (caseapi opens a new case for the post instead), and an
// agent's reopen is refused.
func TestAfterTheReopenWindowNothingReopens(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()

	late := ct.nextRun(8 * 24 * time.Hour)
	late.at(0, func() { late.act("reopen", casestate.ActionReopen, "sam", casestate.Action{Text: "customer DM'd us"}) })
	late.run()
	if err := late.errs["reopen"]; err == nil || !strings.Contains(err.Error(), "rule reopen-window") {
		t.Fatalf("late reopen: %v, want rule reopen-window", err)
	}

	follow := ct.post
	follow.ID, follow.ThreadID, follow.Text = "x-102", "x-100", "It's crashing again"
	lateFollowUp := ct.nextRun(8 * 24 * time.Hour)
	lateFollowUp.at(0, func() { lateFollowUp.env.SignalWorkflow(SignalCustomerPost, signedPost(lateFollowUp.env, follow)) })
	final := lateFollowUp.run()
	ev := lateFollowUp.events()
	if got := strings.Join(kinds(ev), " "); final.Status != casestate.StatusClosed || got != "opened triaged queued claimed resolved closed customer_wrote" {
		t.Fatalf("%s: %s", final.Status, got)
	}
	if last := ev[len(ev)-1]; last.Detail != "arrived after the reopen window; not reopened" {
		t.Fatalf("follow-up %+v", last)
	}
}

func TestInvalidActionsAreRejected(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	refused := map[string]string{}
	expect := func(label string, kind casestate.ActionKind, agent string, a casestate.Action, rule string) {
		refused[label] = rule
		ct.act(label, kind, agent, a)
	}
	ct.at(time.Minute, func() {
		expect("reply before claim", casestate.ActionReply, "sam", casestate.Action{Text: "hi"}, "rule claim-first")
		expect("handoff to unknown", casestate.ActionHandoff, "sam", casestate.Action{To: "sales", Text: "x"}, `rule handoff-target: unknown department "sales"`)
		expect("handoff to same", casestate.ActionHandoff, "sam", casestate.Action{To: "support", Text: "x"}, "rule handoff-target: case is already owned by support")
		expect("handoff without reason", casestate.ActionHandoff, "sam", casestate.Action{To: "pr"}, "rule text-required")
		expect("outsider", casestate.ActionClaim, "maya", casestate.Action{}, "rule department-member")
		expect("reopen open case", casestate.ActionReopen, "sam", casestate.Action{Text: "why"}, "rule case-resolved")
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
	})
	ct.at(2*time.Minute, func() {
		expect("empty reply", casestate.ActionReply, "sam", casestate.Action{Text: "  "}, "rule text-required")
		expect("empty note", casestate.ActionNote, "sam", casestate.Action{}, "rule text-required")
		expect("collision", casestate.ActionClaim, "sofia", casestate.Action{}, "rule collision: case is claimed by sam")
		expect("reply by other", casestate.ActionReply, "sofia", casestate.Action{Text: "hi"}, "rule collision")
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, rule := range refused {
		err := ct.errs[label]
		if err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("%s: error %v, want %q", label, err, rule)
		}
	}
	if err := ct.errs["resolve"]; err != nil {
		t.Fatal(err)
	}
	// Nothing refused reached the trail.
	if got := strings.Join(kinds(ct.events()), " "); got != "opened triaged queued claimed resolved" {
		t.Fatalf("timeline %s", got)
	}
}

// Without a spam queue (and in cases from before it), spam closes at once:
// no SLA, no owner.
func TestSpamClosesAtOnceWithoutAQueue(t *testing.T) {
	ct := newCaseTest(t, "spam", friday1000)
	ct.cfg.Policy.SLA.SpamQueue = 0
	final := ct.run()
	if final.Status != casestate.StatusClosed || final.Department != "" || final.Response != nil || final.Resolution != nil {
		t.Fatalf("spam case: %+v", final)
	}
	if got := strings.Join(kinds(ct.events()), " "); got != "opened triaged closed" {
		t.Fatalf("timeline %s", got)
	}
}

func TestBusinessHoursFridayEveningIsDueMonday(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	fridayEvening := time.Date(2015, 11, 20, 19, 0, 0, 0, ny)
	ct := newCaseTest(t, "praise", fridayEvening) // marketing: Mon–Fri 09–18 New York, P4 first response 8h
	ct.at(time.Minute, func() {
		v := ct.state()
		if v.Department != "marketing" {
			t.Fatalf("department %s", v.Department)
		}
		due := v.Response.DueAt.In(ny)
		if due.Weekday() != time.Monday || due.Hour() != 17 {
			t.Errorf("first response due %s, want Monday 17:00 New York", due)
		}
		ct.act("claim", casestate.ActionClaim, "maya", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "maya", casestate.Action{Text: "thanked"})
	})
	ct.run()
}

// A reply the platform accepted is on the trail even when the case moved
// while it went out: here the idle claim (2h for support) is released
// during a slow publish.
func TestAReplyPublishedWhileTheClaimWasReleasedIsRecorded(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.publishTakes = 5 * time.Minute
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	// The claim goes idle at 2h01m, while this reply is being published.
	ct.at(2*time.Hour, func() {
		ct.act("reply", casestate.ActionReply, "sam", casestate.Action{Text: "Sorry! A fix ships today."})
	})
	ct.at(3*time.Hour, func() {
		if v := ct.state(); v.Response != nil || v.Status != casestate.StatusOpen {
			t.Errorf("the reply did not stop the clock: status %s response %+v", v.Status, v.Response)
		}
		ct.act("claim again", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label, err := range ct.errs {
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
	}
	sent, err := publish.ReadOutbox(ct.outbox)
	if err != nil || len(sent) != 1 {
		t.Fatalf("outbox %+v, %v", sent, err)
	}
	ev := ct.events()
	if got := strings.Join(kinds(ev), " "); got != "opened triaged queued claimed sla_warning sla_breach escalated escalated released replied claimed resolved" {
		t.Fatalf("timeline %s", got)
	}
	reply, _ := findEvent(ev, casestate.EventReplied)
	if reply.Actor != "sam" || reply.Ref != sent[0].Receipt.ID || !strings.Contains(reply.Detail, "rule claim-first") ||
		!reply.At.Equal(friday1000.Add(2*time.Hour+5*time.Minute)) || !strings.Contains(reply.SLA, "first response breached") {
		t.Fatalf("reply event %+v", reply)
	}
}

// A reply submitted twice with one request token is published once: a
// resubmission as the same Update (a double click) gets the first one's
// outcome, and one that reaches the case as another Update is refused.
func TestAReplySubmittedTwiceIsPublishedOnce(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	ct.publishTakes = time.Minute
	reply := casestate.Action{Text: "Sorry! A fix ships today.", Request: "form-1"}
	ct.at(time.Minute, func() { ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{}) })
	ct.at(2*time.Minute, func() {
		ct.act(reply.Request, casestate.ActionReply, "sam", reply)
		ct.act(reply.Request, casestate.ActionReply, "sam", reply) // double click, while the first publishes
	})
	ct.at(10*time.Minute, func() { ct.act("form-1 by another update", casestate.ActionReply, "sam", reply) })
	ct.at(11*time.Minute, func() {
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	if err := ct.errs[reply.Request]; err != nil {
		t.Fatalf("reply: %v", err)
	}
	if err := ct.errs["form-1 by another update"]; err == nil || !strings.Contains(err.Error(), "rule duplicate-request") {
		t.Fatalf("second reply: %v, want rule duplicate-request", err)
	}
	sent, err := publish.ReadOutbox(ct.outbox)
	if err != nil || len(sent) != 1 {
		t.Fatalf("outbox %+v, %v", sent, err)
	}
	ev := ct.events()
	if got := strings.Join(kinds(ev), " "); got != "opened triaged queued claimed replied resolved" {
		t.Fatalf("timeline %s", got)
	}
	if r, _ := findEvent(ev, casestate.EventReplied); r.Request != "form-1" {
		t.Fatalf("reply event %+v", r)
	}
}
