package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/metrics/metricname"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
)

// Activity names, shared with the worker's registration.
const (
	ActivityPublish  = "Publish"
	ActivityNotify   = "Notify"
	ActivityDispatch = "Dispatch"
	// ActivityRecordCorrections keeps agents' corrections of triage for
	// the retraining schedule.
	ActivityRecordCorrections = "RecordCorrections"
)

// Case is one customer post's case, from its triaged opening to resolve
// (or close). A reopen is the case's next run, started from the result of
// its last.
func (w *Workflows) Case(ctx workflow.Context, in CaseInput) (CaseResult, error) {
	r := &caseRun{in: in, trust: w}
	if err := r.setup(ctx); err != nil {
		return CaseResult{}, err
	}
	return r.run(ctx)
}

type caseRun struct {
	in       CaseInput
	trust    *Workflows  // verifies who acts
	signals  *signalGate // admits only signed signals
	c        *casestate.Case
	posts    workflow.ReceiveChannel
	assign   workflow.ReceiveChannel // from the dispatcher
	unassign workflow.ReceiveChannel
	edits    workflow.ReceiveChannel // the customer edited or deleted a post
	queue    queueState              // what the dispatcher was last told
	// outgoing are the dispatcher messages not yet delivered, sent in
	// order by their own coroutine, so the loop that fires SLA deadlines
	// never waits on a dispatcher.
	outgoing   []DispatchRequest
	background int            // activities running on their own coroutines (notices, corrections)
	actions    workflow.Mutex // one action at a time, so a reply is published once
	shown      casestate.Visibility
	timer      armedTimer
	// journeyID is the customer's journey, if they have one; milestones up
	// to reported went there.
	journeyID string
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
		r.resume(ctx, *r.in.Carried)
	case r.in.Prepared != nil && !r.in.Prepared.OpenedAt.IsZero():
		r.open(ctx, *r.in.Prepared)
	default:
		// Only a start by hand, past intake, comes without a triaged post
		// and the time intake took it (every SLA is counted from then).
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"case %s was started without intake's triage; posts enter through intake, `switchboard import` or caseapi.Submit", r.in.Post.CaseID()),
			"CaseNotPrepared", nil)
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (casestate.View, error) { return r.c.View(), nil }); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEvents, func() ([]casestate.Event, error) { return r.c.Events, nil }); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, QueryEventsPage, func(req EventsPageRequest) (EventsPage, error) {
		return PageOf(r.c, req), nil
	}); err != nil {
		return err
	}
	// What the actor may do, for a console to show only those forms; a
	// query, so an unsigned actor is harmless: each action is still
	// verified and checked when it is taken.
	if err := workflow.SetQueryHandler(ctx, QueryOffers, func(actor policy.Actor) ([]casestate.ActionKind, error) {
		return r.c.Offers(actor, workflow.Now(ctx)), nil
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
	return r.c.Check(kind, a, workflow.Now(ctx))
}

func (r *caseRun) run(ctx workflow.Context) (CaseResult, error) {
	workflow.Go(ctx, r.sendToDispatchers)
	var seen []assertion.Seen
	if r.in.Carried != nil {
		seen = r.in.Carried.Seen
	}
	r.signals = r.trust.newSignalGate(seen)
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
		r.tellDispatcher(ctx)
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
		if r.readyToContinue(ctx) {
			return CaseResult{View: r.c.View()}, workflow.NewContinueAsNewError(ctx, CaseWorkflowName, r.next(ctx))
		}
		r.armTimer(ctx)
		if err := workflow.Await(ctx, func() bool {
			return r.c.Revision != rev || r.posts.Len() > 0 || r.assign.Len() > 0 || r.unassign.Len() > 0 || r.edits.Len() > 0 ||
				(r.timer.fired != nil && r.timer.fired.IsReady()) || r.readyToContinue(ctx)
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
	r.tellDispatcher(ctx)
	// The dispatcher must hear the case is gone before it completes, and
	// the last notices and corrections must go out.
	if err := workflow.Await(ctx, func() bool { return len(r.outgoing) == 0 && r.background == 0 }); err != nil {
		return CaseResult{}, err
	}
	r.reportMilestones(ctx)
	r.count(ctx)
	log.Info("case run completed", "status", r.c.Status, "steps", r.c.Steps())
	return CaseResult{View: r.c.View(), Final: r.carry()}, nil
}

// over reports whether this run is done: the case is resolved or closed.
// A follow-up or an agent's reopen within the reopen window starts the
// case's next run from this run's result (caseapi); the window is a rule
// checked then (casestate.Case.Reopenable), not a timer kept running.
func (r *caseRun) over() bool {
	return r.c.Closed() || r.c.Status == casestate.StatusResolved
}

// carry is the case whole, as a reopen's run goes on from it, so the
// trail reads from the newest run even once this one's history is gone;
// next trims this run's steps from it for a continue-as-new (its history
// keeps them).
func (r *caseRun) carry() *CarriedCase {
	return &CarriedCase{Case: *r.c, JourneyID: r.journeyID, Queue: r.queue, Shown: r.shown, Seen: r.signals.seen}
}

// open opens the case as intake triaged it and found its customer, at the
// time intake took the post: intake started the case showing what Open
// shows, so the first pass upserts nothing.
func (r *caseRun) open(ctx workflow.Context, prep Preparation) {
	r.c = casestate.Open(r.in.Post, prep.Triage, r.in.Policy, prep.Continuity, prep.OpenedAt)
	r.c.LaxResolve = workflow.GetVersion(ctx, versionResolveNeedsReason, workflow.DefaultVersion, resolveNeedsReason) == workflow.DefaultVersion
	r.shown = r.c.Visibility()
	r.journeyID = prep.JourneyID
}

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
func (r *caseRun) resume(ctx workflow.Context, carried CarriedCase) {
	r.c = &carried.Case
	if workflow.GetVersion(ctx, versionResolveNeedsReason, workflow.DefaultVersion, resolveNeedsReason) == workflow.DefaultVersion {
		r.c.LaxResolve = true // a run begun before the rule replays its resolves as they ran
	}
	r.journeyID, r.queue, r.shown = carried.JourneyID, carried.Queue, carried.Shown
	r.metered = len(r.c.Events) // a reopen's run carries the steps its last run counted
}

// armTimer keeps exactly one timer, due no later than the next deadline.
func (r *caseRun) armTimer(ctx workflow.Context) {
	next, ok := r.c.NextDeadline()
	// A deadline that moved later keeps the armed timer (every timer is a
	// billable action): it fires early, the pass finds nothing due, and
	// the next deadline gets its timer then.
	if r.timer.fired != nil && (!ok || next.At.Before(r.timer.deadline.At)) {
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

// takeSignals applies the signals received since the last pass.
func (r *caseRun) takeSignals(ctx workflow.Context) {
	receiveEach(r.posts, func(in CustomerPost) {
		if !r.signals.admit(ctx, SignalCustomerPost, in.Proof, CustomerPost{Post: in.Post}) {
			return
		}
		if notices := r.c.CustomerWrote(in.Post, workflow.Now(ctx)); len(notices) > 0 &&
			workflow.GetVersion(ctx, versionCustomerWroteNotice, workflow.DefaultVersion, customerWroteNotice) == customerWroteNotice {
			r.notify(ctx, notices)
		}
	})
	receiveEach(r.assign, func(a CaseAssignment) {
		if !r.signals.admit(ctx, SignalAssign, a.Proof, a.unsigned()) || !r.c.AssignTo(r.deal(ctx, a), workflow.Now(ctx)) {
			return
		}
		if workflow.GetVersion(ctx, versionAssignmentNotEchoed, workflow.DefaultVersion, assignmentNotEchoed) == assignmentNotEchoed {
			r.queue = queueState{Department: r.c.Department, Kind: QueueClaimed, Agent: a.Agent}
		}
		if workflow.GetVersion(ctx, versionAssignmentNotice, workflow.DefaultVersion, assignmentNotice) == assignmentNotice {
			r.notify(ctx, []casestate.Notice{r.c.AssignedNotice(a.Agent)})
		}
	})
	receiveEach(r.unassign, func(a CaseAssignment) {
		if r.signals.admit(ctx, SignalUnassign, a.Proof, a.unsigned()) {
			r.c.Unassign(r.deal(ctx, a), workflow.Now(ctx))
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

// versionAssignmentNotEchoed: the baseline told the dispatcher "claimed"
// after taking its assignment; assignmentNotEchoed does not, since the
// dispatcher's board has had the case as the agent's from the moment it
// dealt it: one activity and one signal fewer per dealt case. Asked only
// when an assignment is taken, so other cases' histories carry no marker.
const (
	versionAssignmentNotEchoed = "assignment-not-echoed"
	assignmentNotEchoed        = 1
)

// deal is the dispatcher's signal as the case's rules take it.
func (r *caseRun) deal(ctx workflow.Context, a CaseAssignment) casestate.Deal {
	d := casestate.Deal{Department: a.Department, Agent: a.Agent, Mode: a.Mode, Reason: a.Reason}
	if workflow.GetVersion(ctx, versionDealNamesDepartment, workflow.DefaultVersion, dealNamesDepartment) == workflow.DefaultVersion {
		d.Department = r.c.Department // a deal then counted for whichever department held the case
	}
	return d
}

// versionDealNamesDepartment: before it, the case took a dispatcher's
// assignment whichever department's dispatcher dealt it, so one dealt by
// the old owner in the moment of a handoff made the case the old
// department's agent's while the new owner's board still queued it.
// dealNamesDepartment takes only the owning department's deals.
const (
	versionDealNamesDepartment = "deal-names-department"
	dealNamesDepartment        = 1
)

// versionAssignmentNotice: before it, an agent the dispatcher gave a case
// heard of it only from the inbox; assignmentNotice tells them (a Notify,
// delivered where they chose).
const (
	versionAssignmentNotice = "assignment-notice"
	assignmentNotice        = 1
)

// versionCustomerWroteNotice: before it, the agent holding a case heard of
// the customer's follow-up only from the inbox; customerWroteNotice tells
// them.
const (
	versionCustomerWroteNotice = "customer-wrote-notice"
	customerWroteNotice        = 1
)

// versionResolveNeedsReason: before it, any member could resolve a case,
// claimed by another or with the customer's reply still owed, without a
// word. Runs begun under resolveNeedsReason follow casestate's rule, and
// a case opened under the old one carries it (Case.LaxResolve) into its
// later runs; a run begun before the guard, opened or resumed, keeps the
// old rule, so its recorded resolves replay as they ran.
const (
	versionResolveNeedsReason = "resolve-needs-reason"
	resolveNeedsReason        = 1
)

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

// reportMilestones tells the customer's journey, once the run is over,
// where the case stands (the journey keeps a bounded index; readers find
// open cases by their search attributes and take the trail from the case).
// Every signal is a billable action, so there is one per run. A failed
// signal is logged, not fatal: the case's own trail stays the record.
func (r *caseRun) reportMilestones(ctx workflow.Context) {
	if r.journeyID == "" || r.reported == len(r.c.Events) || !r.over() {
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
func (r *caseRun) tellDispatcher(ctx workflow.Context) {
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
		return
	}
	r.queue = now
	if was.Department != "" && was.Department != now.Department && was.Kind != QueueGone {
		r.dispatch(was.Department, QueueEvent{Kind: QueueGone, CaseID: r.c.ID, At: workflow.Now(ctx)})
	}
	if was.Department == "" && now.Kind == QueueGone {
		return // closed at once (spam): no dispatcher ever knew it
	}
	r.dispatch(now.Department, QueueEvent{Kind: now.Kind, CaseID: r.c.ID, Priority: r.c.Priority, At: workflow.Now(ctx), Agent: now.Agent})
}

// dispatchRetries bound how long a case keeps trying one dispatcher
// message: long enough to ride out a worker restart, short enough that a
// dispatcher that stays unreachable shows up in the case.
var dispatchRetries = temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10}

// dispatch queues a message for dept's dispatcher, for sendToDispatchers.
func (r *caseRun) dispatch(dept string, ev QueueEvent) {
	mode := r.c.Policy.Departments[dept].Assignment
	if !mode.AutoAssigned() {
		return
	}
	r.outgoing = append(r.outgoing, DispatchRequest{Department: dept, Mode: mode.Mode, Event: ev})
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
	// The main loop ran while the message went out (an idle claim released,
	// an unassign, an automatic close): Published records it all the same.
	r.notify(ctx, r.c.Published(kind, a, msg, receipt.ID, workflow.Now(ctx)))
	return r.c.Outcome(), nil
}

// recordCorrections keeps what agents taught triage. Like notify, it runs
// on its own coroutine and a failure is logged: the case's trail holds the
// correction too.
func (r *caseRun) recordCorrections(ctx workflow.Context, corrections []casestate.Correction) {
	if len(corrections) == 0 {
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
	// A run that is over upserts nothing: it completes, and
	// ExecutionStatus says so for free (every upsert is a billable
	// action). A resolved case keeps the attributes it had before.
	if r.over() {
		return nil
	}
	v := r.c.Visibility()
	updates := attributeUpdates(v, r.shown)
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
		attributeUpdates(opened, casestate.Visibility{})...)
	return temporal.NewSearchAttributes(updates...)
}

// attributeUpdates are the search attribute changes that take a case shown
// as shown to show v.
func attributeUpdates(v, shown casestate.Visibility) []temporal.SearchAttributeUpdate {
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
	if v.NeedsReview != shown.NeedsReview {
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

// CustomerPost is the signal of a customer's follow-up in a case's thread.
type CustomerPost struct {
	Post  post.Post `json:"post"`
	Proof string    `json:"proof,omitempty"` // that intake sends it (package assertion)
}
