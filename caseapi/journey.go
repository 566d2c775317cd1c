package caseapi

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// Customer returns who a customer is (following a linked identity to the
// journey it was merged into) and their cases, oldest first, without the
// cases' steps: what their journey keeps, joined with what visibility
// lists now (the cases still open, which report when they close, and any
// the journey no longer keeps).
func (c *Client) Customer(ctx context.Context, customerID string) (journey.Journey, error) {
	x, err := c.recorded(ctx, customerID)
	if err != nil {
		return journey.Journey{}, err
	}
	// The newest: older cases are in the index, and a customer with
	// thousands of cases must not make every case page slower.
	list, err := c.List(ctx, Filter{Customers: x.Handles(), Limit: journey.MaxCases})
	if err != nil {
		return journey.Journey{}, err
	}
	if len(x.Cases) == 0 && len(list) == 0 { // no journey, no retained case: perhaps only the archive holds them
		if list, err = c.archivedCasesOf(ctx, x.Identity); err != nil {
			return journey.Journey{}, err
		}
	}
	for _, s := range list {
		x.Record(s.asUpdate())
	}
	return journey.Journey{Identity: x.Identity, Cases: x.Cases}, nil
}

// asUpdate is what visibility says of a case, as a case reports itself.
func (s Summary) asUpdate() journey.CaseUpdate {
	return journey.CaseUpdate{Case: journey.Case{CaseID: s.CaseID, Channel: s.Channel, Department: s.Department,
		Assignee: s.Assignee, Status: s.Status, Since: s.OpenedAt}, Closed: s.Closed()}
}

// journeyReads bounds the cases a journey export reads at once.
const journeyReads = 8

// Journey returns a customer's whole story: Customer, with every step of
// every case read from the case itself. A case whose history is gone stays
// listed, without steps.
func (c *Client) Journey(ctx context.Context, customerID string) (journey.Journey, error) {
	j, err := c.Customer(ctx, customerID)
	if err != nil {
		return j, err
	}
	trails := make([][]casestate.Event, len(j.Cases))
	versions := make([]string, len(j.Cases))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(journeyReads)
	for i, k := range j.Cases {
		g.Go(func() error {
			v, err := c.State(gctx, k.CaseID)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			versions[i] = v.PolicyVersion
			trails[i], err = c.Events(gctx, k.CaseID)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return j, err
	}
	for i, k := range j.Cases {
		j.Trail(k.CaseID, k.Channel, versions[i], trails[i])
	}
	return j, nil
}

// openCases lists the newest limit of the customer's cases still running,
// across their linked identities, as their search attributes say (no
// worker needed): cases report to the journey only when they close.
func (c *Client) openCases(ctx context.Context, who journey.Identity, limit int) ([]journey.Case, error) {
	list, err := c.List(ctx, Filter{Customers: who.Handles(), Running: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	return openOf(list), nil
}

// openOf is the open cases among list, oldest first.
func openOf(list []Summary) []journey.Case {
	open := make([]journey.Case, 0, len(list))
	for _, s := range list {
		if !s.Closed() {
			open = append(open, s.asUpdate().Case)
		}
	}
	slices.SortFunc(open, func(a, b journey.Case) int { return a.Since.Compare(b.Since) })
	return open
}

// recorded returns what the customer's journey workflow keeps.
func (c *Client) recorded(ctx context.Context, customerID string) (journey.Index, error) {
	who, _, err := c.identity(ctx, customerID)
	if err != nil {
		return journey.Index{}, err
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
// both. A journey whose memo is not written yet is queried.
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
		if err := c.dataConverter().FromPayload(p, &who); err != nil {
			return journey.Identity{}, false, fmt.Errorf("journey of %s: memo: %w", id, err)
		}
		return who, true, nil
	}
	x, err := c.queryJourney(ctx, id)
	return x.Identity, true, err
}

// queryJourney asks a journey workflow for its index.
func (c *Client) queryJourney(ctx context.Context, id string) (journey.Index, error) {
	res, err := c.Temporal.QueryWorkflow(ctx, workflows.JourneyID(id), "", workflows.QueryJourney)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return journey.Index{Identity: journey.Identity{CustomerID: id}}, nil
	}
	if err != nil {
		return journey.Index{}, fmt.Errorf("journey of %s: %w", id, err)
	}
	var x journey.Index
	return x, res.Get(&x)
}

// ensureJourney starts the customer's journey, so the case can report to
// it when it closes; it begins with the customer's earlier cases, which
// had none to report to.
func (c *Client) ensureJourney(ctx context.Context, customerID string, earlier []Summary) error {
	id := workflows.JourneyID(customerID)
	memo, in := seededJourney(customerID, earlier)
	// A start that finds the journey running (a race) starts nothing.
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: c.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, StaticSummary: "journey of " + customerID,
		Memo: memo}, workflows.JourneyWorkflowName, in)
	if err != nil {
		return fmt.Errorf("journey of %s: %w", customerID, err)
	}
	return nil
}

// seededJourney is a new journey of customerID that begins with the cases
// visibility lists for them.
func seededJourney(customerID string, cases []Summary) (memo map[string]any, in workflows.JourneyInput) {
	memo, in = workflows.NewJourney(customerID)
	for _, s := range cases {
		in.Index.Record(s.asUpdate())
	}
	return memo, in
}

// seededJourneyOf is seededJourney with the customer's cases listed now.
func (c *Client) seededJourneyOf(ctx context.Context, customerID string) (map[string]any, workflows.JourneyInput, error) {
	list, err := c.List(ctx, Filter{CustomerID: customerID, Limit: journey.MaxCases})
	if err != nil {
		return nil, workflows.JourneyInput{}, err
	}
	memo, in := seededJourney(customerID, list)
	return memo, in, nil
}

// ContextCases bounds the customer's open cases a new post's look-ups read:
// the newest are the ones a post continues, and a customer with thousands
// open must not make every new post slower than the last.
const ContextCases = 20

// CustomerContext finds the journey of a post's customer (following links;
// started at their second case, none before: "") and the open case the
// post's case should follow, among their ContextCases newest. It reads only
// what the server holds (memos, search attributes), so no worker is asked
// and nothing is billed but the journey's start. Concurrent look-ups of
// one customer share one call (NewClient).
func (c *Client) CustomerContext(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	if c.lookups == nil {
		return c.lookUpCustomer(ctx, p)
	}
	return c.lookups.do(ctx, p, c.lookUpCustomer)
}

func (c *Client) lookUpCustomer(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	who, running, err := c.identity(ctx, p.CustomerKey())
	if err != nil {
		return "", nil, err
	}
	if running {
		open, err := c.openCases(ctx, who, ContextCases)
		if err != nil {
			return "", nil, err
		}
		return workflows.JourneyID(who.CustomerID), continuityOf(open, p.CaseID()), nil
	}
	// A journey starts at the customer's second case: until then their one
	// case is all their journey holds, read from visibility and the case
	// itself (Customer), and a journey would cost two billable actions (its
	// start, the case's report) for nothing. Without a journey the
	// customer has few cases, so one list finds them, open or not.
	earlier, err := c.List(ctx, Filter{Customers: who.Handles(), Limit: ContextCases})
	if err != nil {
		return "", nil, err
	}
	earlier = slices.DeleteFunc(earlier, func(s Summary) bool { return s.CaseID == p.CaseID() })
	if len(earlier) == 0 {
		return "", nil, nil
	}
	if err := c.ensureJourney(ctx, who.CustomerID, earlier); err != nil {
		return "", nil, err
	}
	return workflows.JourneyID(who.CustomerID), continuityOf(openOf(earlier), p.CaseID()), nil
}

// continuityOf is the customer's open case a new case should follow.
func continuityOf(open []journey.Case, caseID string) *casestate.Continuity {
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
	memo, in, err := c.seededJourneyOf(ctx, primary.CustomerID)
	if err != nil {
		return journey.Journey{}, err
	}
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary: "journey of " + primary.CustomerID, Memo: memo,
	}, workflows.JourneyWorkflowName, in)
	req, request := workflows.LinkRequest{Actor: agent.Actor(), Identity: identity}, NewRequest()
	if req.Proof, err = c.vouch(req.Actor, id, workflows.UpdateLink, request, req); err != nil {
		return journey.Journey{}, err
	}
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: request, WorkflowID: id, UpdateName: workflows.UpdateLink,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{req}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return journey.Journey{}, fmt.Errorf("link %s to %s: %w", identity, primary.CustomerID, err)
	}
	other := workflows.JourneyID(identity)
	otherMemo, otherIn, err := c.seededJourneyOf(ctx, identity)
	if err != nil {
		return journey.Journey{}, err
	}
	merge := workflows.MergeInto{Primary: primary.CustomerID}
	if merge.Proof, err = c.signalProof(workflows.SenderAPI, other, workflows.SignalMergeInto, merge); err != nil {
		return journey.Journey{}, err
	}
	if _, err := c.Temporal.SignalWithStartWorkflow(ctx, other, workflows.SignalMergeInto, merge,
		client.StartWorkflowOptions{ID: other, TaskQueue: c.TaskQueue, StaticSummary: "journey of " + identity, Memo: otherMemo},
		workflows.JourneyWorkflowName, otherIn); err != nil {
		return journey.Journey{}, fmt.Errorf("merge the journey of %s into %s: %w", identity, primary.CustomerID, err)
	}
	return c.Customer(ctx, primary.CustomerID)
}
