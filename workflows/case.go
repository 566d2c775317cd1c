package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/metrics/metricname"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
)

// Activity names, shared with the worker's registration.
const (
	ActivityTriage   = "Triage" // cases from before versionPrepare
	ActivityPrepare  = "Prepare"
	ActivityPublish  = "Publish"
	ActivityNotify   = "Notify"
	ActivityDispatch = "Dispatch"
	// ActivityRecordCorrections keeps agents' corrections of triage for
	// the retraining schedule.
	ActivityRecordCorrections = "RecordCorrections"
)

// Case is one customer post's case, from triage to resolve (and, for
// cases from before versionResolveCompletes, to close). A reopen is the
// case's next run, started from the result of its last.
func (w *Workflows) Case(ctx workflow.Context, in CaseInput) (CaseResult, error) {
	r := &caseRun{in: in, trust: w}
	if err := r.setup(ctx); err != nil {
		return CaseResult{}, err
	}
	return r.run(ctx)
}

type caseRun struct {
	in       CaseInput
	trust    *Workflows      // verifies who acts
	signals  *signalGate     // admits only signed signals
	c        *casestate.Case // nil until triage has run
	posts    workflow.ReceiveChannel
	assign   workflow.ReceiveChannel // from the dispatcher
	unassign workflow.ReceiveChannel
	edits    workflow.ReceiveChannel // the customer edited or deleted a post
	queue    queueState              // what the dispatcher was last told
	// outgoing are the dispatcher messages not yet delivered, sent in
	// order by their own coroutine (versionDispatchAside), so the loop
	// that fires SLA deadlines never waits on a dispatcher.
	outgoing      []DispatchRequest
	dispatchAside bool
	background    int            // activities running on their own coroutines (notices, corrections)
	actions       workflow.Mutex // one action at a time, so a reply is published once
	shown         casestate.Visibility
	timer         armedTimer
	keepEarlier   bool // keepEarlierTimer: a later deadline waits for the armed timer
	closeQuietly  bool // closedByCompletion: closing upserts nothing
	// resolveCompletes (versionResolveCompletes): the run completes when
	// the case is resolved, and a reopen starts the next run.
	resolveCompletes bool
	// journey is how the case reports to the customer's journey (a
	// versionJourney value); milestones up to reported went there.
	journeyID string
	journey   workflow.Version
	reported  int
	metered   int // events counted in metrics
}

type armedTimer struct {
	deadline casestate.Deadline
	fired    workflow.Future
	cancel   workflow.CancelFunc
}

func (r *caseRun) setup(ctx workflow.Context) error {
	r.posts = workflow.GetSignalChannel(ctx, SignalCustomerPost)
	r.assign = workflow.GetSignalChannel(ctx, SignalAssign)
	r.unassign = workflow.GetSignalChannel(ctx, SignalUnassign)
	r.edits = workflow.GetSignalChannel(ctx, SignalPostEdit)
	r.actions = workflow.NewMutex(ctx)
	// Resumed, or opened as intake prepared it, before any handler is
	// registered: an update that comes with the run's start (a reopen's,
	// or an agent's quick claim) is validated as soon as its handler is,
	// and must see the case.
	switch {
	case r.in.Carried != nil:
		r.resume(*r.in.Carried)
	case r.in.Prepared != nil:
		if err := r.open(ctx); err != nil {
			return err
		}
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (casestate.View, error) {
		if r.c == nil {
			return casestate.View{Outcome: casestate.Outcome{ID: r.in.Post.CaseID(), Status: StatusTriaging}, Post: r.in.Post, PolicyVersion: r.in.Policy.Version}, nil
		}
		return r.c.View(), nil
	}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEvents, func() ([]casestate.Event, error) {
		if r.c == nil {
			return nil, nil
		}
		return r.c.Events, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEventsPage, func(req EventsPageRequest) (EventsPage, error) {
		if r.c == nil {
			return EventsPage{}, nil
		}
		return PageOf(r.c, req), nil
	}); err != nil {
		return err
	}
	for _, kind := range casestate.Actions {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateName(kind),
			func(ctx workflow.Context, a casestate.Action) (casestate.Outcome, error) { return r.act(ctx, kind, a) },
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a casestate.Action) error { return r.check(ctx, kind, a) }},
		); err != nil {
			return err
		}
	}
	return nil
}

func (r *caseRun) check(ctx workflow.Context, kind casestate.ActionKind, a casestate.Action) error {
	unsigned := a
	unsigned.Proof = ""
	if err := r.trust.verifyActor(ctx, a.Proof, a.Actor, unsigned); err != nil {
		return err
	}
	if r.c == nil {
		return errors.New("the case is still being triaged; try again in a moment")
	}
	return r.c.Check(kind, a, workflow.Now(ctx))
}

func (r *caseRun) run(ctx workflow.Context) (CaseResult, error) {
	if r.c == nil {
		if err := r.open(ctx); err != nil {
			return CaseResult{}, err
		}
	}
	if workflow.GetVersion(ctx, versionDispatchAside, workflow.DefaultVersion, dispatchAside) == dispatchAside {
		r.dispatchAside = true
		workflow.Go(ctx, r.sendToDispatchers)
	}
	// Cases that began before journeys existed never report to one.
	r.journey = workflow.GetVersion(ctx, versionJourney, workflow.DefaultVersion, journeyAtClose)
	if r.journeyID == "" {
		r.journey = workflow.DefaultVersion
	}
	mayContinue := workflow.GetVersion(ctx, versionContinueAsNew, workflow.DefaultVersion, continueAsNew) == continueAsNew
	r.keepEarlier = workflow.GetVersion(ctx, versionKeepTimer, workflow.DefaultVersion, keepEarlierTimer) == keepEarlierTimer
	r.closeQuietly = workflow.GetVersion(ctx, versionClosedUpsert, workflow.DefaultVersion, closedByCompletion) == closedByCompletion
	r.resolveCompletes = workflow.GetVersion(ctx, versionResolveCompletes, workflow.DefaultVersion, resolveCompletes) == resolveCompletes
	var seen []assertion.Seen
	if r.in.Carried != nil {
		seen = r.in.Carried.Seen
	}
	r.signals = r.trust.newSignalGate(ctx, seen)
	log := workflow.GetLogger(ctx)
	log.Info("case running", "department", r.c.Department, "priority", r.c.Priority, "intent", r.c.Triage.Intent, "steps", r.c.Steps())

	for {
		// Taken before this pass's blocking steps: a change made while they
		// wait (an update, say) must bring another pass.
		rev := r.c.Revision
		r.takeSignals(ctx)
		if err := r.show(ctx); err != nil {
			return CaseResult{}, err
		}
		if err := r.tellDispatcher(ctx); err != nil {
			return CaseResult{}, err
		}
		r.reportMilestones(ctx)
		r.count(ctx)
		if r.over() {
			// Let in-flight actions finish, and take the signals that came
			// meanwhile: either may reopen a resolved case (a reopen's run
			// starts resolved, with its update or follow-up delivered at
			// the start).
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return CaseResult{}, err
			}
			r.takeSignals(ctx)
			if r.over() {
				break
			}
			continue
		}
		if mayContinue && r.readyToContinue(ctx) {
			return CaseResult{View: r.c.View()}, workflow.NewContinueAsNewError(ctx, CaseWorkflowName, r.next(ctx))
		}
		r.armTimer(ctx)
		if err := workflow.Await(ctx, func() bool {
			return r.c.Revision != rev || r.posts.Len() > 0 || r.assign.Len() > 0 || r.unassign.Len() > 0 || r.edits.Len() > 0 ||
				(r.timer.fired != nil && r.timer.fired.IsReady()) || (mayContinue && r.readyToContinue(ctx))
		}); err != nil {
			return CaseResult{}, err
		}
		if r.timer.fired != nil && r.timer.fired.IsReady() {
			if err := r.timer.fired.Get(ctx, nil); err != nil && !temporal.IsCanceledError(err) {
				return CaseResult{}, err
			}
			r.timer = armedTimer{}
			r.notify(ctx, r.c.Advance(workflow.Now(ctx)))
		}
	}
	if err := r.tellDispatcher(ctx); err != nil {
		return CaseResult{}, err
	}
	// The dispatcher must hear the case is gone before it completes, and
	// the last notices and corrections must go out (cases from before
	// versionAwaitBackground completed without them).
	if err := workflow.Await(ctx, func() bool { return len(r.outgoing) == 0 }); err != nil {
		return CaseResult{}, err
	}
	if workflow.GetVersion(ctx, versionAwaitBackground, workflow.DefaultVersion, awaitBackground) == awaitBackground {
		if err := workflow.Await(ctx, func() bool { return r.background == 0 }); err != nil {
			return CaseResult{}, err
		}
	}
	r.reportMilestones(ctx)
	r.count(ctx)
	log.Info("case run completed", "status", r.c.Status, "steps", r.c.Steps())
	return CaseResult{View: r.c.View(), Final: r.carry()}, nil
}

// versionResolveCompletes: DefaultVersion kept a resolved case running
// until its reopen window ended (one more timer, one more upsert);
// resolveCompletes completes the run at resolve. A follow-up or an agent's
// reopen within the window starts the case's next run from the last run's
// result (caseapi), and the window is a rule checked then
// (casestate.Case.Reopenable), not a timer.
const (
	versionResolveCompletes = "resolve-completes"
	resolveCompletes        = 1
)

// over reports whether this run is done: the case closed, or (under
// versionResolveCompletes) resolved.
func (r *caseRun) over() bool {
	return r.c.Done() || (r.resolveCompletes && r.c.Status == casestate.StatusResolved)
}

// carry is the case whole, as a reopen's run goes on from it, so the
// trail reads from the newest run even once this one's history is gone;
// next trims this run's steps from it for a continue-as-new (its history
// keeps them).
func (r *caseRun) carry() *CarriedCase {
	return &CarriedCase{Case: *r.c, JourneyID: r.journeyID, Queue: r.queue, Shown: r.shown, Seen: r.signals.seen}
}

// open triages the post, finds the customer and opens the case.
func (r *caseRun) open(ctx workflow.Context) error {
	prep, err := r.prepare(ctx)
	if err != nil {
		return err
	}
	if prep.OpenedAt.IsZero() {
		r.c = casestate.Open(r.in.Post, prep.Triage, r.in.Policy, prep.Continuity, workflow.Now(ctx))
	} else {
		// Opened as intake opened it, which started the case showing it.
		r.c = casestate.Open(r.in.Post, prep.Triage, r.in.Policy, prep.Continuity, prep.OpenedAt)
		r.shown = r.c.Visibility()
	}
	if prep.ContextUnavailable != "" {
		r.c.SystemNote("the customer's other cases could not be looked up ("+prep.ContextUnavailable+
			"): routed on triage alone, and the journey is told nothing when the case closes", workflow.Now(ctx))
	}
	r.journeyID = prep.JourneyID
	return nil
}

// versionContinueAsNew: DefaultVersion ran a case in one run however long
// its history grew; continueAsNew continues it as new when Temporal
// suggests (its history's event count or size), carrying the case.
const (
	versionContinueAsNew = "continue-as-new"
	continueAsNew        = 1
)

// readyToContinue says whether the run should continue as new now: its
// history is long enough for Temporal to suggest it, and nothing is in
// flight (an action, a notice, a dispatcher message, a signal not taken),
// and every step is counted (a pass has run since the last change).
func (r *caseRun) readyToContinue(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() && workflow.AllHandlersFinished(ctx) &&
		r.background == 0 && len(r.outgoing) == 0 && r.metered == len(r.c.Events) &&
		r.posts.Len() == 0 && r.assign.Len() == 0 && r.unassign.Len() == 0 && r.edits.Len() == 0
}

// next is the input of the case's next run.
func (r *caseRun) next(ctx workflow.Context) CaseInput {
	in := r.in
	in.Carried = r.carry()
	in.Carried.Case = r.c.Carried(workflow.GetInfo(ctx).WorkflowExecution.RunID)
	return in
}

// resume takes up a case an earlier run carried.
func (r *caseRun) resume(carried CarriedCase) {
	r.c = &carried.Case
	r.journeyID, r.queue, r.shown = carried.JourneyID, carried.Queue, carried.Shown
	r.metered = len(r.c.Events) // a reopen's run carries the steps its last run counted
}

// versionPrepare: how the case triages the post and finds the customer.
// DefaultVersion: the starter looked the customer up and the case ran the
// Triage activity; prepareActivity: one Prepare activity did both, so the
// starter makes one call per post; prepareLocal: Prepare runs as a local
// activity, inside the first workflow task, so the owner is assigned one
// activity dispatch and one workflow task sooner; preparedAtIntake: intake
// triages and looks up before it starts the case, which has its owner and
// search attributes in its first event (a case an older intake started
// still prepares itself as a local activity).
const (
	versionPrepare   = "prepare"
	prepareActivity  = 1
	prepareLocal     = 2
	preparedAtIntake = 3
)

func (r *caseRun) prepare(ctx workflow.Context) (Preparation, error) {
	const timeout = 30 * time.Second
	var prep Preparation
	v := workflow.GetVersion(ctx, versionPrepare, workflow.DefaultVersion, preparedAtIntake)
	if v == preparedAtIntake && r.in.Prepared != nil {
		return *r.in.Prepared, nil
	}
	switch v {
	case workflow.DefaultVersion:
		prep = Preparation{JourneyID: r.in.JourneyID, Continuity: r.in.Continuity}
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout, Summary: "triage"})
		if err := workflow.ExecuteActivity(actx, ActivityTriage, r.in.Post).Get(ctx, &prep.Triage); err != nil {
			return prep, fmt.Errorf("triage: %w", err)
		}
	case prepareActivity:
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout,
			Summary: "triage, and find " + r.in.Post.CustomerKey() + "'s journey"})
		if err := workflow.ExecuteActivity(actx, ActivityPrepare, r.in.Post).Get(ctx, &prep); err != nil {
			return prep, fmt.Errorf("prepare: %w", err)
		}
	default:
		// Retried for a day: Prepare gives up on the customer's context by
		// itself (activities.ContextAttempts), and triage is pure, so only
		// a bug fails every attempt; the case waits for its fix rather
		// than failing at once. (A local activity's schedule-to-close
		// defaults to its start-to-close: one timed-out attempt, and the
		// case failed.)
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: timeout, ScheduleToCloseTimeout: 24 * time.Hour,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
			Summary:     "triage, and find " + r.in.Post.CustomerKey() + "'s journey"})
		if err := workflow.ExecuteLocalActivity(lctx, ActivityPrepare, r.in.Post).Get(ctx, &prep); err != nil {
			return prep, fmt.Errorf("prepare: %w", err)
		}
	}
	return prep, nil
}

// versionKeepTimer: DefaultVersion replaced the armed timer whenever the
// next deadline changed; keepEarlierTimer replaces it only when the next
// deadline is sooner. Every timer started is a billable action, and one
// cancelled because a reply moved the deadline later bought nothing: kept,
// it fires early, the pass finds nothing due and arms the next deadline.
const (
	versionKeepTimer = "keep-earlier-timer"
	keepEarlierTimer = 1
)

// armTimer keeps exactly one timer, due no later than the next deadline.
func (r *caseRun) armTimer(ctx workflow.Context) {
	next, ok := r.c.NextDeadline()
	if r.timer.fired != nil && (!ok || r.replaces(next)) {
		r.timer.cancel()
		r.timer = armedTimer{}
	}
	if !ok || r.timer.fired != nil {
		return
	}
	tctx, cancel := workflow.WithCancel(ctx)
	wait := max(next.At.Sub(workflow.Now(ctx)), 0)
	r.timer = armedTimer{
		deadline: next,
		fired:    workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{Summary: next.Label}),
		cancel:   cancel,
	}
}

// replaces says whether next needs a timer in place of the armed one.
func (r *caseRun) replaces(next casestate.Deadline) bool {
	if r.keepEarlier {
		return next.At.Before(r.timer.deadline.At)
	}
	return !sameDeadline(next, r.timer.deadline)
}

func sameDeadline(a, b casestate.Deadline) bool {
	return a.At.Equal(b.At) && a.Kind == b.Kind && a.Clock == b.Clock
}

// takeSignals applies the signals received since the last pass.
func (r *caseRun) takeSignals(ctx workflow.Context) {
	receiveEach(r.posts, func(in CustomerPost) {
		if r.signals.admit(ctx, SignalCustomerPost, in.Proof, CustomerPost{Post: in.Post}) {
			r.c.CustomerWrote(in.Post, workflow.Now(ctx))
		}
	})
	receiveEach(r.assign, func(a CaseAssignment) {
		if r.signals.admit(ctx, SignalAssign, a.Proof, a.unsigned()) {
			r.c.AssignTo(a.Agent, a.Mode, workflow.Now(ctx))
		}
	})
	receiveEach(r.unassign, func(a CaseAssignment) {
		if r.signals.admit(ctx, SignalUnassign, a.Proof, a.unsigned()) {
			r.c.Unassign(a.Agent, a.Reason, workflow.Now(ctx))
		}
	})
	receiveEach(r.edits, func(edit PostEdit) {
		unsigned := edit
		unsigned.Proof = ""
		if !r.signals.admit(ctx, SignalPostEdit, edit.Proof, unsigned) {
			return
		}
		kind := casestate.EventPostEdited
		if edit.Deleted {
			kind = casestate.EventPostDeleted
		}
		r.c.PostChanged(kind, edit.PostID, edit.Text, workflow.Now(ctx))
	})
}

// receiveEach hands fn every signal waiting on ch, each decoded into a fresh
// value: a field missing from a payload must read as its zero value, not as
// the previous signal's.
func receiveEach[T any](ch workflow.ReceiveChannel, fn func(T)) {
	for {
		var v T
		if !ch.ReceiveAsync(&v) {
			return
		}
		fn(v)
	}
}

// versionJourney guards how a case reports to the customer's journey:
// DefaultVersion not at all (cases from before journeys), journeyEveryPass
// after every change, journeyAtOpenAndClose once triaged and once closed,
// journeyAtClose once, closed. Every signal is a billable action; readers
// find open cases by their search attributes and merge their live trails
// (caseapi.Client.Journey).
const (
	versionJourney        = "customer-journey"
	journeyEveryPass      = 1
	journeyAtOpenAndClose = 2
	journeyAtClose        = 3
)

// reportMilestones tells the customer's journey where the case stands (the
// journey keeps a bounded index; readers take the trail from the case). A
// failed signal is logged, not fatal: the case's own trail stays the record.
func (r *caseRun) reportMilestones(ctx workflow.Context) {
	switch {
	case r.journey == workflow.DefaultVersion || r.reported == len(r.c.Events):
		return
	case r.journey == journeyAtOpenAndClose && r.reported > 0 && !r.over():
		return
	case r.journey == journeyAtClose && !r.over():
		return
	}
	v := r.c.View()
	u := journey.CaseUpdate{Case: journey.Case{CaseID: r.c.ID, Channel: v.Channel, Department: v.Department,
		Assignee: v.Assignee, Status: string(v.Status), Since: r.c.OpenedAt, Steps: r.c.Steps()}, Closed: !r.c.Active()}
	if n := len(r.c.Events); n > 0 {
		u.Case.Last, u.Case.LastAt = string(r.c.Events[n-1].Kind), r.c.Events[n-1].At
	}
	u.Case.Closed = u.Closed
	r.reported = len(r.c.Events)
	report := CaseReport{CaseUpdate: u}
	report.Proof = r.trust.signSignal(ctx, SenderCase, r.journeyID, SignalCaseUpdate, report)
	if err := workflow.SignalExternalWorkflow(ctx, r.journeyID, "", SignalCaseUpdate, report).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("report to journey failed", "journey", r.journeyID, "error", err)
	}
}

// count turns the case's new steps into metrics. The SDK's workflow
// metrics handler skips replays, so nothing is counted twice.
func (r *caseRun) count(ctx workflow.Context) {
	m := workflow.GetMetricsHandler(ctx)
	for _, e := range r.c.Events[r.metered:] {
		dept := map[string]string{"department": orNone(e.Department)}
		switch e.Kind {
		case casestate.EventOpened:
			m.WithTags(map[string]string{"department": r.c.Decision.Department, "intent": r.c.Triage.Intent, "channel": r.c.Post.Platform}).
				Counter(metricname.CasesOpened).Inc(1)
		case casestate.EventWarning:
			m.WithTags(dept).Counter(metricname.SLAWarnings).Inc(1)
		case casestate.EventBreach:
			m.WithTags(dept).Counter(metricname.SLABreaches).Inc(1)
		case casestate.EventEscalated:
			m.WithTags(dept).Counter(metricname.Escalations).Inc(1)
		case casestate.EventHandedOff:
			m.WithTags(map[string]string{"to": e.Department}).Counter(metricname.Handoffs).Inc(1)
		case casestate.EventReplied:
			if e.Clock == casestate.ClockFirstResponse {
				m.WithTags(map[string]string{"department": e.Department, "priority": string(r.c.Priority)}).
					Timer(metricname.FirstResponseTime).Record(e.Took)
			}
		}
	}
	r.metered = len(r.c.Events)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// queueState is where the case stands for a department's dispatcher.
type queueState struct {
	Department string `json:"department"`
	Kind       string `json:"kind"`
	Agent      string `json:"agent,omitempty"`
}

// tellDispatcher keeps the owning department's dispatcher in step with the
// case (queued, claimed, gone), and tells the previous department's after a
// handoff. Departments that assign by claim have no dispatcher. Messages go
// out one at a time, in order.
func (r *caseRun) tellDispatcher(ctx workflow.Context) error {
	now := queueState{Department: r.c.Department}
	switch {
	case !r.c.Active():
		now.Kind = QueueGone
	case r.c.Queued():
		now.Kind = QueueQueued
	default:
		now.Kind, now.Agent = QueueClaimed, r.c.Assignee
	}
	was := r.queue
	if now == was {
		return nil
	}
	r.queue = now
	if was.Department != "" && was.Department != now.Department && was.Kind != QueueGone {
		if err := r.dispatch(ctx, was.Department, QueueEvent{Kind: QueueGone, CaseID: r.c.ID, At: workflow.Now(ctx)}); err != nil {
			return err
		}
	}
	if was.Department == "" && now.Kind == QueueGone {
		return nil // closed at once (spam): no dispatcher ever knew it
	}
	return r.dispatch(ctx, now.Department, QueueEvent{Kind: now.Kind, CaseID: r.c.ID, Priority: r.c.Priority, At: workflow.Now(ctx), Agent: now.Agent})
}

// versionDispatchAside: DefaultVersion told the dispatcher inline, retrying
// for ever, so SLA deadlines stalled while a dispatcher was unreachable;
// dispatchAside queues the message for a coroutine that sends them in
// order with bounded retries and notes a failure in the case.
const (
	versionDispatchAside = "dispatch-aside"
	dispatchAside        = 1
)

// dispatchRetries bound how long a case keeps trying one dispatcher
// message: long enough to ride out a worker restart, short enough that a
// dispatcher that stays unreachable shows up in the case.
var dispatchRetries = temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10}

func (r *caseRun) dispatch(ctx workflow.Context, dept string, ev QueueEvent) error {
	mode := r.c.Policy.Departments[dept].Assignment
	if !mode.AutoAssigned() {
		return nil
	}
	req := DispatchRequest{Department: dept, Mode: mode.Mode, Event: ev}
	if r.dispatchAside {
		r.outgoing = append(r.outgoing, req)
		return nil
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		Summary:             ev.Kind + " → " + DispatcherID(dept),
	})
	return workflow.ExecuteActivity(actx, ActivityDispatch, req).Get(ctx, nil)
}

// sendToDispatchers delivers the queued dispatcher messages one at a
// time, in order. A message that fails every retry is noted in the case's
// trail and counted, and the next one goes out: the department's board
// then disagrees with the case until the next message, which the note says.
func (r *caseRun) sendToDispatchers(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return len(r.outgoing) > 0 }); err != nil {
			return
		}
		req := r.outgoing[0]
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &dispatchRetries,
			Summary:             req.Event.Kind + " → " + DispatcherID(req.Department),
		})
		if err := workflow.ExecuteActivity(actx, ActivityDispatch, req).Get(ctx, nil); err != nil {
			r.c.SystemNote(fmt.Sprintf("%s's dispatcher could not be told the case is %s (%v); its board may be out of step until the case next changes",
				req.Department, req.Event.Kind, err), workflow.Now(ctx))
			workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"department": req.Department}).Counter(metricname.DispatchFailures).Inc(1)
		}
		r.outgoing = r.outgoing[1:]
	}
}

// act performs an agent action: replies are published first, so the case
// records only what the customer actually received, and a reply published
// is always recorded.
func (r *caseRun) act(ctx workflow.Context, kind casestate.ActionKind, a casestate.Action) (casestate.Outcome, error) {
	if err := r.actions.Lock(ctx); err != nil {
		return casestate.Outcome{}, err
	}
	defer r.actions.Unlock()
	if err := r.c.Check(kind, a, workflow.Now(ctx)); err != nil { // the case may have moved while we queued
		return casestate.Outcome{}, err
	}
	msg, publishing := r.c.ToPublish(kind, a)
	if !publishing {
		before := len(r.c.Events)
		notices, err := r.c.Apply(kind, a, "", workflow.Now(ctx))
		if err != nil {
			return casestate.Outcome{}, err
		}
		r.notify(ctx, notices)
		r.recordCorrections(ctx, r.c.CorrectionsSince(before))
		return r.c.Outcome(), nil
	}
	receipt, err := r.publish(ctx, a.Actor.ID, msg)
	if err != nil {
		return casestate.Outcome{}, err
	}
	// The main loop ran while the message went out: an idle claim released,
	// an unassign or an automatic close may refuse the action now.
	if err := r.c.Check(kind, a, workflow.Now(ctx)); err != nil &&
		workflow.GetVersion(ctx, versionRecordPublished, workflow.DefaultVersion, recordPublished) == workflow.DefaultVersion {
		return casestate.Outcome{}, err // cases from before: refused, the reply unrecorded
	}
	r.notify(ctx, r.c.Published(kind, a, msg, receipt.ID, workflow.Now(ctx)))
	return r.c.Outcome(), nil
}

// versionRecordPublished: DefaultVersion refused a published reply the
// case had moved past while it went out, leaving it off the trail;
// recordPublished records it. Asked only when that happens, so other
// cases' histories carry no marker.
const (
	versionRecordPublished = "record-published"
	recordPublished        = 1
)

// versionCorrections: DefaultVersion kept no corrections; recordCorrections
// sends each relabel, rescue and handoff to the corrections store. Asked
// only when a correction is made, so other cases' histories carry no marker.
const (
	versionCorrections = "record-corrections"
	recordCorrections  = 1
)

// recordCorrections keeps what agents taught triage. Like notify, it runs
// on its own coroutine and a failure is logged: the case's trail holds the
// correction too.
func (r *caseRun) recordCorrections(ctx workflow.Context, corrections []casestate.Correction) {
	if len(corrections) == 0 || workflow.GetVersion(ctx, versionCorrections, workflow.DefaultVersion, recordCorrections) == workflow.DefaultVersion {
		return
	}
	r.inBackground(ctx, "record "+corrections[0].Key+" for triage", ActivityRecordCorrections, corrections)
}

// reply is the platform message for a case's answer. A customer who wrote
// privately is answered privately.
func (r *caseRun) reply(msg casestate.Message) publish.Reply {
	p := r.c.Post
	return publish.Reply{
		CaseID: r.c.ID, Platform: p.Platform, Property: p.Property, InReplyTo: p.ID, AuthorID: p.Author.ID,
		Text: msg.Text, Private: msg.Private || p.Private, InReplyToPrivate: p.Private,
		Intent: r.c.Triage.Intent, PrivateMatter: r.c.Decision.Private,
	}
}

func (r *caseRun) publish(ctx workflow.Context, by string, msg casestate.Message) (publish.Receipt, error) {
	p := r.c.Post
	reply := r.reply(msg)
	reply.IdempotencyKey = r.c.ID + "/" + workflow.GetCurrentUpdateInfo(ctx).ID
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             "reply on " + p.PropertyKey() + " by " + by,
	})
	var receipt publish.Receipt
	err := workflow.ExecuteActivity(actx, ActivityPublish, reply).Get(ctx, &receipt)
	return receipt, err
}

// notify tells people about SLA warnings, breaches, escalations and
// handoffs. It runs on its own coroutine: a slow notifier never holds up the
// case, and a failed notice is logged, not fatal.
func (r *caseRun) notify(ctx workflow.Context, notices []casestate.Notice) {
	if len(notices) == 0 {
		return
	}
	r.inBackground(ctx, "notify "+notices[0].To, ActivityNotify, notices)
}

// versionAwaitBackground: DefaultVersion could complete a case while its
// last notice was still going out, and the notice was lost with it.
const (
	versionAwaitBackground = "await-background"
	awaitBackground        = 1
)

// inBackground runs an activity on its own coroutine, with bounded retries;
// its failure is logged, never fatal to the case.
func (r *caseRun) inBackground(ctx workflow.Context, summary, activity string, arg any) {
	r.background++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.background-- }()
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10},
			Summary:             summary,
		})
		if err := workflow.ExecuteActivity(actx, activity, arg).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error(activity+" failed", "error", err)
		}
	})
}

// show keeps search attributes and the Web UI details current, upserting
// only what changed, once per pass.
func (r *caseRun) show(ctx workflow.Context) error {
	workflow.SetCurrentDetails(ctx, r.c.Details())
	if r.closeQuietly && r.over() {
		return nil
	}
	v := r.c.Visibility()
	// Asked only when a case needs review: other cases' histories carry no
	// marker, and cases from before the attribute never set it.
	updates := attributeUpdates(v, r.shown, func() bool {
		return workflow.GetVersion(ctx, versionNeedsReview, workflow.DefaultVersion, needsReviewAttribute) == needsReviewAttribute
	})
	r.shown = v
	if len(updates) == 0 {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// StartAttributes are the search attributes a case starts with: its
// customer, channel and opening time, and what opened shows (the case
// intake opened to find them), so its first pass upserts nothing.
func StartAttributes(p post.Post, opened casestate.Visibility, at time.Time) temporal.SearchAttributes {
	updates := append([]temporal.SearchAttributeUpdate{SACustomerID.ValueSet(p.CustomerKey()), SAChannel.ValueSet(p.Platform), SAOpenedAt.ValueSet(at.UTC())},
		attributeUpdates(opened, casestate.Visibility{}, func() bool { return true })...)
	return temporal.NewSearchAttributes(updates...)
}

// attributeUpdates are the search attribute changes that take a case shown
// as shown to show v; review says whether NeedsReview may be set.
func attributeUpdates(v, shown casestate.Visibility, review func() bool) []temporal.SearchAttributeUpdate {
	var updates []temporal.SearchAttributeUpdate
	keyword := func(key temporal.SearchAttributeKeyKeyword, now, was string) {
		if now != was {
			if now == "" {
				updates = append(updates, key.ValueUnset())
			} else {
				updates = append(updates, key.ValueSet(now))
			}
		}
	}
	keyword(SADepartment, v.Department, shown.Department)
	keyword(SAAssignee, v.Assignee, shown.Assignee)
	keyword(SACaseStatus, v.Status, shown.Status)
	keyword(SAPriority, v.Priority, shown.Priority)
	keyword(SAIntent, v.Intent, shown.Intent)
	keyword(SAEscalatedTo, v.EscalatedTo, shown.EscalatedTo)
	if v.NeedsReview != shown.NeedsReview && review() {
		updates = append(updates, SANeedsReview.ValueSet(v.NeedsReview))
	}
	if !v.SLADueAt.Equal(shown.SLADueAt) {
		if v.SLADueAt.IsZero() {
			updates = append(updates, SASlaDueAt.ValueUnset())
		} else {
			updates = append(updates, SASlaDueAt.ValueSet(v.SLADueAt))
		}
	}
	if v.SLABreached != shown.SLABreached || shown.Status == "" {
		updates = append(updates, SASlaBreached.ValueSet(v.SLABreached))
	}
	if v.EscalationLevel != shown.EscalationLevel || shown.Status == "" {
		updates = append(updates, SAEscalationLevel.ValueSet(int64(v.EscalationLevel)))
	}
	return updates
}

// versionClosedUpsert: DefaultVersion upserted CaseStatus "closed" when the
// case closed; closedByCompletion upserts nothing then: the workflow
// completes, and ExecutionStatus says so for free (every upsert is a
// billable action). A closed case keeps the attributes it had before.
const (
	versionClosedUpsert = "closed-upsert"
	closedByCompletion  = 1
)

// versionNeedsReview: DefaultVersion kept no NeedsReview search attribute;
// needsReviewAttribute sets it while a case needs review.
const (
	versionNeedsReview   = "needs-review-attribute"
	needsReviewAttribute = 1
)

// CustomerPost is the signal of a customer's follow-up in a case's thread.
type CustomerPost struct {
	Post  post.Post `json:"post"`
	Proof string    `json:"proof,omitempty"` // that intake sends it (package assertion)
}
