package caseapi

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/workflows"
)

// Shift puts agent on or off shift in dept, as actorID (the agent themself
// or a lead). It starts the department's dispatcher if it is not running.
func (c *Client) Shift(ctx context.Context, dept, agentID string, on bool, actorID string) (dispatch.Board, error) {
	d, ok := c.Policy.Department(dept)
	if !ok {
		return dispatch.Board{}, fmt.Errorf("unknown department %q (known: %v)", dept, c.Policy.DepartmentIDs())
	}
	if !d.Assignment.AutoAssigned() {
		return dispatch.Board{}, &RefusedError{CaseID: "the " + dept + " queue", Action: "shift", Reason: dept + " assigns by claim: agents pick cases from the queue, so there is no shift to join (modes round_robin and least_loaded deal cases to agents on shift)"}
	}
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return dispatch.Board{}, err
	}
	actor, err := c.Directory.Lookup(actorID)
	if err != nil {
		return dispatch.Board{}, err
	}
	id := workflows.DispatcherID(dept)
	start := c.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: c.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary: "dispatcher of " + dept + " (" + d.Assignment.Mode + ")",
	}, workflows.DispatcherWorkflowName, workflows.DispatcherInput{Board: dispatch.Board{Department: dept, Mode: d.Assignment.Mode}})
	req, request := workflows.ShiftRequest{Actor: actor.Actor(), Agent: agent.ID, Capacity: agent.Capacity, On: on}, NewRequest()
	if req.Proof, err = c.vouch(req.Actor, id, workflows.UpdateShift, request, req); err != nil {
		return dispatch.Board{}, err
	}
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: request, WorkflowID: id, UpdateName: workflows.UpdateShift, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{req},
		},
	})
	if err != nil {
		return dispatch.Board{}, fmt.Errorf("shift of %s in %s: %w", agentID, dept, err)
	}
	var b dispatch.Board
	if err := h.Get(ctx, &b); err != nil {
		return dispatch.Board{}, fmt.Errorf("shift of %s in %s refused: %w", agentID, dept, err)
	}
	return b, nil
}

// Board returns a department's dispatcher board: its queue and who is on
// shift. A department whose dispatcher never ran has an empty board.
func (c *Client) Board(ctx context.Context, dept string) (dispatch.Board, error) {
	d, ok := c.Policy.Department(dept)
	if !ok {
		return dispatch.Board{}, fmt.Errorf("unknown department %q", dept)
	}
	empty := dispatch.Board{Department: dept, Mode: d.Assignment.Mode}
	if !d.Assignment.AutoAssigned() {
		return empty, nil
	}
	var b dispatch.Board
	err := c.query(ctx, workflows.DispatcherID(dept), workflows.QueryBoard, &b)
	if errors.Is(err, ErrNotFound) {
		return empty, nil
	}
	return b, err
}
