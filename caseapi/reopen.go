package caseapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// A resolved case's run completes. A
// follow-up or an agent's reopen inside the reopen window starts the case's
// next run, under the same id, from the case the last run left; outside
// it the follow-up opens a case of its own.

// lastRun is what the case's latest run left when it completed, read from
// its history's close event: no worker need answer, and it reads the
// archive once the history is past retention. ok is false while the case
// runs, or when its run ended without leaving the case (terminated, or
// from before runs left it).
func (c *Client) lastRun(ctx context.Context, id string) (res workflows.CaseResult, ok bool, err error) {
	res, ok, err = c.resultOf(ctx, id, "")
	if !errors.Is(err, ErrNotFound) {
		return res, ok, err
	}
	// Past retention: the archive reads a run by its id.
	run, aerr := c.archivedRun(ctx, id)
	if aerr != nil || run == "" {
		return res, false, errors.Join(err, aerr)
	}
	return c.resultOf(ctx, id, run)
}

// resultOf is what run (empty: the latest) of case id left.
func (c *Client) resultOf(ctx context.Context, id, run string) (res workflows.CaseResult, ok bool, err error) {
	it := c.Temporal.GetWorkflowHistory(ctx, id, run, false, enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	var last *historypb.HistoryEvent
	for it.HasNext() {
		if last, err = it.Next(); err != nil {
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return res, false, fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			return res, false, fmt.Errorf("read how case %s ended: %w", id, err)
		}
	}
	done := last.GetWorkflowExecutionCompletedEventAttributes()
	if done == nil {
		return res, false, nil
	}
	if err := c.dataConverter().FromPayloads(done.GetResult(), &res); err != nil {
		return res, false, fmt.Errorf("read how case %s ended: %w", id, err)
	}
	return res, true, nil
}

// reopenable is the case's last run's case, if the case may be reopened
// now (casestate.Case.Reopenable; the run checks it again).
func (c *Client) reopenable(ctx context.Context, id string) (*workflows.CarriedCase, error) {
	res, ok, err := c.lastRun(ctx, id)
	if err != nil || !ok || res.Final == nil || !res.Final.Case.Reopenable(time.Now()) {
		return nil, err
	}
	return res.Final, nil
}

// nextRun is how the case's next run starts from final: with the case,
// and showing in its search attributes what the last run showed.
func (c *Client) nextRun(id string, final *workflows.CarriedCase) (client.StartWorkflowOptions, workflows.CaseInput) {
	p := final.Case.Post
	return client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             c.TaskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		StaticSummary:         c.summary(p),
		StaticDetails:         details(p),
		TypedSearchAttributes: workflows.StartAttributes(p, final.Shown, final.Case.OpenedAt),
	}, workflows.CaseInput{Post: p, Policy: final.Case.Policy, Carried: final}
}

// reopenWith reopens the customer's resolved case id with their
// follow-up p; ok is false when the window has ended (p opens its own case).
func (c *Client) reopenWith(ctx context.Context, id string, p post.Post) (Outcome, bool, error) {
	final, err := c.reopenable(ctx, id)
	if err != nil || final == nil {
		return Outcome{}, false, err
	}
	sig, err := c.followUp(id, p)
	if err != nil {
		return Outcome{}, false, err
	}
	opts, in := c.nextRun(id, final)
	// A run started meanwhile (another follow-up, an agent's reopen) takes
	// the signal instead.
	if _, err := c.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalCustomerPost, sig, opts, workflows.CaseWorkflowName, in); err != nil {
		return Outcome{}, false, fmt.Errorf("reopen case %s with follow-up %s: %w", id, p.ID, err)
	}
	return Outcome{CaseID: id, Joined: true}, true, nil
}

// reopen performs an agent's reopen of a resolved case, whose run has
// completed: the update comes with the start of its next run, whose
// validator verifies the agent as any run's does.
func (c *Client) reopen(ctx context.Context, caseID string, a casestate.Action) (casestate.Outcome, error) {
	final, err := c.reopenable(ctx, caseID)
	if err != nil {
		return casestate.Outcome{}, err
	}
	if final == nil {
		return casestate.Outcome{}, &RefusedError{CaseID: caseID, Action: casestate.ActionReopen,
			Reason: "rule reopen-window: the case is closed; a new post from the customer opens a new case"}
	}
	opts, in := c.nextRun(caseID, final)
	opts.WorkflowIDConflictPolicy = enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: c.Temporal.NewWithStartWorkflowOperation(opts, workflows.CaseWorkflowName, in),
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: a.Request, WorkflowID: caseID, UpdateName: workflows.UpdateName(casestate.ActionReopen),
			Args: []any{a}, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var out casestate.Outcome
	if err == nil {
		err = h.Get(ctx, &out)
	}
	if err != nil {
		return casestate.Outcome{}, c.explain(caseID, casestate.ActionReopen, err)
	}
	return out, nil
}
