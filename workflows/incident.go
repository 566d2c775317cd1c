package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
)

// ActivityDeliver takes an incident's statement or resolution to one of
// its member cases.
const ActivityDeliver = "Deliver"

// IncidentInput starts (or continues) an incident.
type IncidentInput struct {
	Incident incident.Incident `json:"incident"`
	Spike    string            `json:"spike"` // the watch to tell when it is resolved
	Notified bool              `json:"notified,omitempty"`
	Seen     []assertion.Seen  `json:"seen,omitempty"`
}

// Delivery is one member case's task, as the Deliver activity takes it.
type Delivery struct {
	CaseID string               `json:"case_id"`
	Kind   casestate.ActionKind `json:"kind"`
	Action casestate.Action     `json:"action"`
}

// Delivered is what the member case made of it.
type Delivered struct {
	Outcome incident.Outcome `json:"outcome"`
	Detail  string           `json:"detail,omitempty"`
}

// UpdateIncident is the Workflow Update of an incident action.
func UpdateIncident(kind incident.ActionKind) string { return "incident-" + string(kind) }

// Incident is many customers' one cause, worked by the centre of
// excellence (package incident): it tells its departments at once, takes
// the posts its watch says belong to it, and delivers its statement and
// its resolution to every member case, paced below the platforms' limits.
func (w *Workflows) Incident(ctx workflow.Context, in IncidentInput) (incident.Incident, error) {
	if err := checkNewIncident(ctx, in); err != nil {
		return in.Incident, err
	}
	r := &incidentRun{w: w, in: in, inc: &in.Incident, signals: w.newSignalGate(in.Seen)}
	r.joins = workflow.GetSignalChannel(ctx, SignalIncidentJoin)
	if err := workflow.SetQueryHandler(ctx, QueryIncident, func() (incident.Incident, error) { return *r.inc, nil }); err != nil {
		return *r.inc, err
	}
	for _, kind := range incident.Actions {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateIncident(kind),
			func(ctx workflow.Context, a incident.Action) (incident.Incident, error) {
				err := r.inc.Apply(kind, a, workflow.Now(ctx))
				return *r.inc, err
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a incident.Action) error {
				unsigned := a
				unsigned.Proof = ""
				if err := w.verifyActor(ctx, a.Proof, a.Actor, unsigned); err != nil {
					return err
				}
				return r.inc.Check(kind, a)
			}},
		); err != nil {
			return *r.inc, err
		}
	}
	if !in.Notified {
		r.notify(ctx, "incident opened on "+r.inc.Property+": "+r.inc.Trail[0].Text)
	}
	workflow.Go(ctx, r.deliver)
	for {
		if err := workflow.Await(ctx, func() bool {
			return r.joins.Len() > 0 || r.done() || r.mayContinue(ctx) ||
				(r.inc.Status == incident.StatusResolved && !r.told)
		}); err != nil {
			return *r.inc, err
		}
		r.drain(ctx)
		if r.inc.Status == incident.StatusResolved && !r.told {
			// The watch may open the next incident now: new posts no
			// longer join this one while its members are being resolved.
			r.tellSpike(ctx)
		}
		if r.done() {
			break
		}
		if r.mayContinue(ctx) {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return *r.inc, err
			}
			r.drain(ctx)
			r.in.Incident, r.in.Seen = *r.inc, r.signals.seen
			return *r.inc, workflow.NewContinueAsNewError(ctx, IncidentWorkflowName, r.in)
		}
	}
	return *r.inc, nil
}

// checkNewIncident: a new incident (not one continuing as new) is as the
// watch opens it, with no statement, delivery or resolution yet, so that
// no one with a Temporal client can start one whose statement is
// approved and sent already, for the worker to vouch for.
func checkNewIncident(ctx workflow.Context, in IncidentInput) error {
	inc := in.Incident
	if workflow.GetInfo(ctx).ContinuedExecutionRunID != "" {
		return nil
	}
	if len(inc.Statements) > 0 || len(inc.Deliveries) > 0 || inc.Resolution != nil || inc.Status != incident.StatusOpen || in.Notified || len(inc.Trail) == 0 {
		return temporal.NewNonRetryableApplicationError("an incident starts as the watch opens it: open, with no statement, delivery or resolution", "IncidentNotNew", nil)
	}
	return nil
}

type incidentRun struct {
	w       *Workflows
	in      IncidentInput
	inc     *incident.Incident
	signals *signalGate
	joins   workflow.ReceiveChannel
	idle    bool // no delivery in flight
	told    bool // the watch knows it is resolved
	notices int  // notices being sent
}

// mayContinue: the server suggests a new run, and nothing is in flight
// that the next run would not know of.
func (r *incidentRun) mayContinue(ctx workflow.Context) bool {
	return r.idle && r.notices == 0 && workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// done: resolved, and every member case has the resolution.
func (r *incidentRun) done() bool {
	return r.inc.Status == incident.StatusResolved && r.idle && r.notices == 0 && len(r.inc.Next()) == 0
}

func (r *incidentRun) drain(ctx workflow.Context) {
	for {
		var j IncidentJoin
		if !r.joins.ReceiveAsync(&j) {
			return
		}
		proof := j.Proof
		j.Proof = ""
		if !r.signals.admit(ctx, SignalIncidentJoin, proof, j) {
			continue
		}
		if j.Alert != nil {
			r.inc.Spike(*j.Alert, j.Posts)
			continue
		}
		r.inc.Join(j.Posts, workflow.Now(ctx))
	}
}

// deliver takes each task to its member case in turn, at most
// SendsPerMinute a minute. A case's answer, a refusal too, is recorded;
// a case that cannot be reached after the activity's retries is recorded
// as failed, so one broken case never holds up the rest.
func (r *incidentRun) deliver(ctx workflow.Context) {
	for {
		r.idle = true
		// Between two deliveries the run may continue as new: a big
		// incident's deliveries span several runs.
		if err := workflow.Await(ctx, func() bool { return len(r.inc.Next()) > 0 && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() }); err != nil {
			return
		}
		r.idle = false
		t := r.inc.Next()[0]
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
			Summary:             string(t.Kind) + " to " + t.CaseID,
		})
		var got Delivered
		if err := workflow.ExecuteActivity(actx, ActivityDeliver, Delivery{CaseID: t.CaseID, Kind: t.Kind, Action: t.Action}).Get(ctx, &got); err != nil {
			got = Delivered{Outcome: incident.Failed, Detail: err.Error()}
		}
		r.inc.Delivered(t, got.Outcome, got.Detail, workflow.Now(ctx))
		if per := r.w.incidentOptions(ctx).SendsPerMinute; per > 0 {
			if err := workflow.Sleep(ctx, time.Minute/time.Duration(per)); err != nil {
				return
			}
		}
	}
}

// notify tells the incident's departments, at once.
func (r *incidentRun) notify(ctx workflow.Context, text string) {
	var notices []casestate.Notice
	for _, dept := range r.inc.Departments {
		notices = append(notices, casestate.Notice{CaseID: r.inc.ID, To: dept, Kind: casestate.NoticeIncident, Text: text})
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 10},
		Summary:             "notify " + r.inc.Departments[0] + " of the incident",
	})
	r.notices++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.notices-- }()
		if err := workflow.ExecuteActivity(actx, ActivityNotify, notices).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("incident notice failed", "incident", r.inc.ID, "error", err)
			return
		}
		r.in.Notified = true
	})
}

// tellSpike frees the property's watch to open the next incident.
func (r *incidentRun) tellSpike(ctx workflow.Context) {
	r.told = true
	if r.in.Spike == "" {
		return
	}
	c := IncidentClosed{ID: r.inc.ID}
	c.Proof = r.w.signSignal(ctx, SenderIncident, r.in.Spike, SignalIncidentClosed, c)
	if err := workflow.SignalExternalWorkflow(ctx, r.in.Spike, "", SignalIncidentClosed, c).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("the watch did not hear the incident closed", "spike", r.in.Spike, "error", err)
	}
}
