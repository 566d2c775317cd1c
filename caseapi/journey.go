package caseapi

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// Journey returns a customer's whole journey, following a linked identity
// to the journey it was merged into: what the cases reported, and the live
// trail of the cases still open (they report when they close).
func (c *Client) Journey(ctx context.Context, customerID string) (journey.Journey, error) {
	j, err := c.recorded(ctx, customerID)
	if err != nil {
		return j, err
	}
	if j.Open, err = c.openCases(ctx, j.Identity(), 0); err != nil {
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

// openCases lists the customer's cases still running (the newest limit of
// them, if limit is set), across their linked identities, as their search
// attributes say (no worker needed): cases report to the journey only when
// they close.
func (c *Client) openCases(ctx context.Context, who journey.Identity, limit int) ([]journey.OpenCase, error) {
	list, err := c.List(ctx, Filter{Customers: who.Handles(), Running: true, Limit: limit})
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
	who, _, err := c.identity(ctx, customerID)
	if err != nil {
		return journey.Journey{}, err
	}
	return c.queryJourney(ctx, who.CustomerID)
}

// identity finds who customerID is: the primary identity of their journey
// (a merged identity points at it; the primary is never merged itself) with
// its linked handles, and whether that journey runs yet.
func (c *Client) identity(ctx context.Context, customerID string) (journey.Identity, bool, error) {
	id := customerID
	for range 3 {
		who, running, err := c.identityOf(ctx, id)
		if err != nil || who.MergedInto == "" {
			return who, running, err
		}
		id = who.MergedInto
	}
	return journey.Identity{}, false, fmt.Errorf("journey of %s: linked identities form a loop", customerID)
}

// identityOf reads one journey's identity from its memo: a describe, which
// no worker answers and Temporal Cloud does not bill, where a query would be
// both. A journey from before versionJourneyMemo is queried.
func (c *Client) identityOf(ctx context.Context, id string) (journey.Identity, bool, error) {
	d, err := c.Temporal.DescribeWorkflowExecution(ctx, workflows.JourneyID(id), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return journey.Identity{CustomerID: id}, false, nil
	}
	if err != nil {
		return journey.Identity{}, false, fmt.Errorf("journey of %s: %w", id, err)
	}
	if p, ok := d.GetWorkflowExecutionInfo().GetMemo().GetFields()[workflows.MemoIdentity]; ok {
		var who journey.Identity
		if err := converter.GetDefaultDataConverter().FromPayload(p, &who); err != nil {
			return journey.Identity{}, false, fmt.Errorf("journey of %s: memo: %w", id, err)
		}
		return who, true, nil
	}
	j, err := c.queryJourney(ctx, id)
	return j.Identity(), true, err
}

// queryJourney asks a journey workflow for everything it holds.
func (c *Client) queryJourney(ctx context.Context, id string) (journey.Journey, error) {
	res, err := c.Temporal.QueryWorkflow(ctx, workflows.JourneyID(id), "", workflows.QueryJourney)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return journey.Journey{CustomerID: id}, nil
	}
	if err != nil {
		return journey.Journey{}, fmt.Errorf("journey of %s: %w", id, err)
	}
	var j journey.Journey
	return j, res.Get(&j)
}

// ensureJourney starts the customer's journey, so the case can report to
// it when it closes.
func (c *Client) ensureJourney(ctx context.Context, customerID string) error {
	id := workflows.JourneyID(customerID)
	// A start that finds the journey running (a race) starts nothing.
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, StaticSummary: "journey of " + customerID,
		Memo: workflows.JourneyMemo(customerID)},
		workflows.JourneyWorkflowName, workflows.JourneyInput{Journey: journey.Journey{CustomerID: customerID}})
	if err != nil {
		return fmt.Errorf("journey of %s: %w", customerID, err)
	}
	return nil
}

// ContextCases bounds the customer's open cases a new post's look-ups read:
// the newest are the ones a post continues, and a customer with thousands
// open must not make every new post slower than the last.
const ContextCases = 20

// CustomerContext finds the journey of a post's customer (following links;
// started if new) and the open case the post's case should follow, among
// their ContextCases newest. It reads only what the server holds (memos,
// search attributes), so no worker is asked and nothing is billed but a new
// customer's journey start.
func (c *Client) CustomerContext(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	who, running, err := c.identity(ctx, p.CustomerKey())
	if err != nil {
		return "", nil, err
	}
	open, err := c.openCases(ctx, who, ContextCases)
	if err != nil {
		return "", nil, err
	}
	if !running {
		if err := c.ensureJourney(ctx, who.CustomerID); err != nil {
			return "", nil, err
		}
	}
	return workflows.JourneyID(who.CustomerID), continuityOf(open, p.CaseID()), nil
}

// continuityOf is the customer's open case a new case should follow.
func continuityOf(open []journey.OpenCase, caseID string) *casestate.Continuity {
	latest, ok := journey.Latest(open, caseID)
	if !ok {
		return nil
	}
	return &casestate.Continuity{CaseID: latest.CaseID, Department: latest.Department, Assignee: latest.Assignee}
}

// Link makes identity part of customer's journey, as the agent agentID:
// the two timelines merge, and later posts from either join one journey.
func (c *Client) Link(ctx context.Context, customerID, identity, agentID string) (journey.Journey, error) {
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return journey.Journey{}, err
	}
	primary, _, err := c.identity(ctx, customerID)
	if err != nil {
		return journey.Journey{}, err
	}
	id := workflows.JourneyID(primary.CustomerID)
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary: "journey of " + primary.CustomerID, Memo: workflows.JourneyMemo(primary.CustomerID),
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
		client.StartWorkflowOptions{ID: other, TaskQueue: c.TaskQueue, StaticSummary: "journey of " + identity, Memo: workflows.JourneyMemo(identity)},
		workflows.JourneyWorkflowName, workflows.JourneyInput{Journey: journey.Journey{CustomerID: identity}}); err != nil {
		return journey.Journey{}, fmt.Errorf("merge the journey of %s into %s: %w", identity, primary.CustomerID, err)
	}
	return c.Journey(ctx, primary.CustomerID)
}
