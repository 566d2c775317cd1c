// Package activities holds the workflows' side effects: publishing
// replies, notifying people, telling dispatchers, keeping and learning from
// agents' corrections. Each is a thin call into a domain package or an
// adapter; none calls back into caseapi.
package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/learning"
	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/notify"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/workflows"
)

// Activities are registered on the worker as one struct, so they share the
// publisher, the notifier and the retrainer.
type Activities struct {
	// Temporal and TaskQueue let a case reach its department's dispatcher.
	Temporal  client.Client
	TaskQueue string
	Publisher publish.Publisher
	Notifier  *notify.Notifier
	// Corrections keeps agents' corrections of triage; Retrainer learns
	// from them.
	Corrections *retrain.Store
	Retrainer   *retrain.Retrainer
	// Signer signs the signals activities send for their workflow.
	Signer *assertion.Signer
	Log    *zap.Logger
}

// Publish sends a reply through the configured publisher.
func (a *Activities) Publish(ctx context.Context, r publish.Reply) (publish.Receipt, error) {
	// An earlier attempt may have run on another worker, or before a
	// crash: the publisher looks for the reply on the platform first.
	r.Retry = activity.GetInfo(ctx).Attempt > 1
	receipt, err := a.Publisher.Publish(ctx, r)
	if publish.Permanent(err) { // the private-channel rule, a platform refusal: retrying cannot help
		return publish.Receipt{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("publish reply on %s for %s: %v", r.Platform, r.CaseID, err), "PublishRefused", err)
	}
	if err != nil {
		return publish.Receipt{}, fmt.Errorf("publish reply on %s for %s: %w", r.Platform, r.CaseID, err)
	}
	a.Log.Info("reply published", zap.String("case_id", r.CaseID), zap.String("ref", receipt.ID),
		zap.Int32("attempt", activity.GetInfo(ctx).Attempt))
	return receipt, nil
}

// Notify delivers notices about a case to people. A retry delivers only
// what an earlier attempt did not: its deliveries are kept under the
// activity's run and id.
func (a *Activities) Notify(ctx context.Context, notices []casestate.Notice) error {
	info := activity.GetInfo(ctx)
	return a.Notifier.Deliver(ctx, info.WorkflowExecution.RunID+"/"+info.ActivityID, notices)
}

// Dispatch tells a department's dispatcher where a case stands, starting
// the dispatcher if it is not running yet.
func (a *Activities) Dispatch(ctx context.Context, r workflows.DispatchRequest) error {
	// One token for every attempt, so the dispatcher takes a retried
	// event whose first delivery did arrive only once.
	info := activity.GetInfo(ctx)
	f := assertion.For{Target: workflows.DispatcherID(r.Department), Action: workflows.SignalQueueEvent,
		Request: info.WorkflowExecution.RunID + "/" + info.ActivityID, Digest: assertion.Digest(r.Event)}
	proof, err := a.Signer.SignSignal(workflows.SenderCase, f, time.Now())
	if err != nil {
		return fmt.Errorf("sign queue event for %s: %w", r.Event.CaseID, err)
	}
	r.Event.Proof = proof
	_, err = a.Temporal.SignalWithStartWorkflow(ctx, workflows.DispatcherID(r.Department), workflows.SignalQueueEvent, r.Event,
		client.StartWorkflowOptions{ID: workflows.DispatcherID(r.Department), TaskQueue: a.TaskQueue,
			StaticSummary: "dispatcher of " + r.Department + " (" + r.Mode + ")"},
		workflows.DispatcherWorkflowName, workflows.DispatcherInput{Board: dispatch.Board{Department: r.Department, Mode: r.Mode}})
	if err != nil {
		return fmt.Errorf("tell dispatcher of %s about %s: %w", r.Department, r.Event.CaseID, err)
	}
	return nil
}

// RecordCorrections keeps what agents taught triage on a case.
func (a *Activities) RecordCorrections(ctx context.Context, cs []casestate.Correction) error {
	return a.Corrections.Add(ctx, cs...)
}

// TrainTriageCandidate trains and measures a candidate model.
func (a *Activities) TrainTriageCandidate(ctx context.Context) (learning.Candidate, error) {
	return a.Retrainer.Train(ctx)
}

// PromoteTriageModel makes a candidate the model every worker uses; this
// worker switches at once, the others within retrain.refresh.
func (a *Activities) PromoteTriageModel(ctx context.Context, version string) error {
	if err := a.Retrainer.Models.Promote(ctx, version); err != nil {
		return err
	}
	return a.Retrainer.Live.Refresh(ctx)
}

// Deliver takes an incident's statement or resolution to one of its
// member cases, as the incident's verified sender (the worker vouches for
// who the incident checked). The Update ID is the task's own, the same on
// every attempt, so a case takes it once; what the case says, a refusal
// too, is the incident's to record, and only an unreachable case is
// retried.
func (a *Activities) Deliver(ctx context.Context, d workflows.Delivery) (workflows.Delivered, error) {
	name := workflows.UpdateName(d.Kind)
	act := d.Action
	act.Proof = ""
	proof, err := a.Signer.Sign(act.Actor, assertion.For{Target: d.CaseID, Action: name, Request: act.Request, Digest: assertion.Digest(act)}, time.Now())
	if err != nil {
		return workflows.Delivered{}, temporal.NewNonRetryableApplicationError("sign the delivery to "+d.CaseID+": "+err.Error(), "Unsigned", err)
	}
	act.Proof = proof
	h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: act.Request, WorkflowID: d.CaseID, UpdateName: name, Args: []any{act},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var notFound *serviceerror.NotFound
	var refused *temporal.ApplicationError
	switch {
	case err == nil && d.Kind == casestate.ActionResolve:
		return workflows.Delivered{Outcome: incident.Resolved}, nil
	case err == nil:
		return workflows.Delivered{Outcome: incident.Sent}, nil
	case errors.As(err, &notFound):
		return workflows.Delivered{Outcome: incident.Refused, Detail: "the case is no longer open"}, nil
	case errors.As(err, &refused) && strings.HasPrefix(refused.Message(), "rule duplicate-request:"):
		// An earlier attempt's Update landed in a run the case has since
		// continued from: the customer has it.
		return workflows.Delivered{Outcome: incident.Sent, Detail: "already on the case"}, nil
	case errors.As(err, &refused):
		return workflows.Delivered{Outcome: incident.Refused, Detail: refused.Message()}, nil
	}
	return workflows.Delivered{}, fmt.Errorf("%s to %s: %w", d.Kind, d.CaseID, err)
}
