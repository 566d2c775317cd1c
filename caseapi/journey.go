package caseapi

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// Journey returns a customer's whole journey, following a linked identity
// to the journey it was merged into: what the cases reported, and the live
// trail of the cases still open (they report when they open and close).
func (c *Client) Journey(ctx context.Context, customerID string) (journey.Journey, error) {
	j, err := c.recorded(ctx, customerID)
	if err != nil {
		return j, err
	}
	if j.Open, err = c.openCases(ctx, j); err != nil {
		return j, err
	}
	for _, o := range j.Open {
		v, err := c.State(ctx, o.CaseID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return j, err
		}
		events, err := c.Events(ctx, o.CaseID)
		if err != nil {
			return j, err
		}
		j.Record(journey.CaseUpdate{Case: o, Milestones: journey.FromEvents(o.CaseID, v.Channel, v.PolicyVersion, events, 0)})
	}
	return j, nil
}

// openCases lists the customer's cases still running, across their linked
// identities, as their search attributes say (no worker needed): cases
// report to the journey only when they close.
func (c *Client) openCases(ctx context.Context, j journey.Journey) ([]journey.OpenCase, error) {
	list, err := c.List(ctx, Filter{Customers: append([]string{j.CustomerID}, j.Aliases...), Running: true})
	if err != nil {
		return nil, err
	}
	open := make([]journey.OpenCase, 0, len(list))
	for _, s := range list {
		if s.Status == string(casestate.StatusClosed) {
			continue
		}
		open = append(open, journey.OpenCase{CaseID: s.CaseID, Channel: s.Channel, Department: s.Department,
			Assignee: s.Assignee, Status: s.Status, Since: s.OpenedAt})
	}
	slices.SortFunc(open, func(a, b journey.OpenCase) int { return a.Since.Compare(b.Since) })
	return open, nil
}

// recorded returns what the customer's journey workflow holds.
func (c *Client) recorded(ctx context.Context, customerID string) (journey.Journey, error) {
	id := customerID
	for range 3 { // a merged identity points at its primary, which is never merged itself
		var j journey.Journey
		res, err := c.Temporal.QueryWorkflow(ctx, workflows.JourneyID(id), "", workflows.QueryJourney)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return journey.Journey{CustomerID: id}, nil
		}
		if err != nil {
			return journey.Journey{}, fmt.Errorf("journey of %s: %w", id, err)
		}
		if err := res.Get(&j); err != nil {
			return journey.Journey{}, err
		}
		if j.MergedInto == "" {
			return j, nil
		}
		id = j.MergedInto
	}
	return journey.Journey{}, fmt.Errorf("journey of %s: linked identities form a loop", customerID)
}

// ensureJourney starts the customer's journey if it does not run yet, so
// the case can report to it from its first step.
func (c *Client) ensureJourney(ctx context.Context, customerID string) error {
	id := workflows.JourneyID(customerID)
	// A start that finds the journey running is no signal and starts nothing.
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, StaticSummary: "journey of " + customerID},
		workflows.JourneyWorkflowName, workflows.JourneyInput{Journey: journey.Journey{CustomerID: customerID}})
	if err != nil {
		return fmt.Errorf("journey of %s: %w", customerID, err)
	}
	return nil
}

// journeyFor returns the customer's journey (following links), making sure
// it runs so the case can report to it from its first step.
func (c *Client) journeyFor(ctx context.Context, customerID string) (journey.Journey, error) {
	j, err := c.recorded(ctx, customerID)
	if err == nil {
		j.Open, err = c.openCases(ctx, j)
	}
	if err != nil {
		return journey.Journey{}, err
	}
	return j, c.ensureJourney(ctx, j.CustomerID)
}

// CustomerContext finds the journey of a post's customer (following links;
// started if new) and the open case the post's case should follow.
func (c *Client) CustomerContext(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	j, err := c.journeyFor(ctx, p.CustomerKey())
	if err != nil {
		return "", nil, err
	}
	return workflows.JourneyID(j.CustomerID), continuityOf(j, p.CaseID()), nil
}

// continuityOf is the customer's open case a new case should follow.
func continuityOf(j journey.Journey, caseID string) *casestate.Continuity {
	open, ok := j.Latest(caseID)
	if !ok {
		return nil
	}
	return &casestate.Continuity{CaseID: open.CaseID, Department: open.Department, Assignee: open.Assignee}
}

// Link makes identity part of customer's journey, as the agent agentID:
// the two timelines merge, and later posts from either join one journey.
func (c *Client) Link(ctx context.Context, customerID, identity, agentID string) (journey.Journey, error) {
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return journey.Journey{}, err
	}
	primary, err := c.recorded(ctx, customerID)
	if err != nil {
		return journey.Journey{}, err
	}
	id := workflows.JourneyID(primary.CustomerID)
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary: "journey of " + primary.CustomerID,
	}, workflows.JourneyWorkflowName, workflows.JourneyInput{Journey: journey.Journey{CustomerID: primary.CustomerID}})
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateLink, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.LinkRequest{Actor: agent.Actor(), Identity: identity}}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return journey.Journey{}, fmt.Errorf("link %s to %s: %w", identity, primary.CustomerID, err)
	}
	other := workflows.JourneyID(identity)
	if _, err := c.Temporal.SignalWithStartWorkflow(ctx, other, workflows.SignalMergeInto, workflows.MergeInto{Primary: primary.CustomerID},
		client.StartWorkflowOptions{ID: other, TaskQueue: c.TaskQueue, StaticSummary: "journey of " + identity},
		workflows.JourneyWorkflowName, workflows.JourneyInput{Journey: journey.Journey{CustomerID: identity}}); err != nil {
		return journey.Journey{}, fmt.Errorf("merge the journey of %s into %s: %w", identity, primary.CustomerID, err)
	}
	return c.Journey(ctx, primary.CustomerID)
}
