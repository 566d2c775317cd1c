package caseapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/spike"
	"github.com/switchboard-care/switchboard/workflows"
)

// Watch says what counts as negative for the crisis watch, and hears of
// a post it missed.
type Watch struct {
	// NegativeSentiment is the sentiment at or below which a post is
	// negative, as a complaint is.
	NegativeSentiment float64
	// Missed hears of a post the watch could not be told of (nil: none
	// hears).
	Missed func(caseID string, err error)
}

// watchTimeout bounds telling the watch: a busy watch never holds up a
// webhook.
const watchTimeout = 5 * time.Second

// tellWatch tells the post's property's watch of a new case's post,
// starting the watch if need be. Only a live post counts: an imported or
// replayed one is history, not a spike. The case has started: the watch
// counts posts, and one it missed (a busy or unreachable watch) is
// reported, never a reason to refuse the post, which its case holds.
func (c *Client) tellWatch(ctx context.Context, p post.Post, prep workflows.Preparation) {
	if c.Watch == nil || prep.OpenedAt.Sub(p.CreatedAt) > workflows.Freshness {
		return
	}
	if err := c.signalWatch(ctx, p, prep); err != nil && c.Watch.Missed != nil {
		c.Watch.Missed(p.CaseID(), err)
	}
}

func (c *Client) signalWatch(ctx context.Context, p post.Post, prep workflows.Preparation) error {
	ctx, cancel := context.WithTimeout(ctx, watchTimeout)
	defer cancel()
	t := prep.Triage
	sig := workflows.SpikePost{Post: spike.Post{CaseID: p.CaseID(), At: prep.OpenedAt, Intent: t.Intent, Private: p.Private,
		Negative: t.Intent == "complaint" || t.Sentiment <= c.Watch.NegativeSentiment, Text: watchedText(t.Redacted)}}
	id := workflows.SpikeID(p.PropertyKey())
	// One token per case, so the watch counts a post told twice once.
	proof, err := c.Signer.SignSignal(workflows.SenderIntake, assertion.For{Target: id, Action: workflows.SignalSpikePost, Request: p.CaseID(), Digest: assertion.Digest(sig)}, time.Now())
	if err != nil {
		return fmt.Errorf("tell the watch of %s: %w", p.CaseID(), err)
	}
	sig.Proof = proof
	_, err = c.Temporal.SignalWithStartWorkflow(ctx, id, workflows.SignalSpikePost, sig,
		client.StartWorkflowOptions{ID: id, TaskQueue: c.TaskQueue, StaticSummary: "crisis watch of " + p.PropertyKey()},
		workflows.SpikeWorkflowName, workflows.SpikeInput{Property: p.PropertyKey()})
	if err != nil {
		return fmt.Errorf("tell the watch of %s about %s: %w", p.PropertyKey(), p.CaseID(), err)
	}
	return nil
}

// watchedText is as much of a post as the watch keeps: its words, and a
// sample for people, while every post of the window fits the watch's
// state.
func watchedText(s string) string {
	if r := []rune(s); len(r) > maxWatchedRunes {
		return string(r[:maxWatchedRunes])
	}
	return s
}

const maxWatchedRunes = 280

// Incident is an incident as its workflow holds it.
func (c *Client) Incident(ctx context.Context, id string) (incident.Incident, error) {
	var inc incident.Incident
	resp, err := c.Temporal.QueryWorkflow(ctx, id, "", workflows.QueryIncident)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return inc, fmt.Errorf("%w: incident %s", ErrNotFound, id)
	}
	if err != nil {
		return inc, fmt.Errorf("read incident %s: %w", id, err)
	}
	return inc, resp.Get(&inc)
}

// IncidentSummary is an incident as the list shows it.
type IncidentSummary struct {
	ID       string    `json:"id"`
	Open     bool      `json:"open"`
	OpenedAt time.Time `json:"opened_at"`
	Summary  string    `json:"summary"`
}

// Incidents lists the incidents, the newest first: the open ones, and
// with closed those resolved too.
func (c *Client) Incidents(ctx context.Context, closed bool) ([]IncidentSummary, error) {
	q := fmt.Sprintf("WorkflowType = '%s'", workflows.IncidentWorkflowName)
	if !closed {
		q += " AND ExecutionStatus = 'Running'"
	}
	var out []IncidentSummary
	var token []byte
	for {
		resp, err := c.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		for _, e := range resp.Executions {
			s := IncidentSummary{ID: e.GetExecution().GetWorkflowId(), Open: e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING,
				OpenedAt: e.GetStartTime().AsTime()}
			if d, err := c.Temporal.DescribeWorkflow(ctx, s.ID, e.GetExecution().GetRunId()); err == nil {
				s.Summary, _ = d.GetStaticSummary()
			}
			out = append(out, s)
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out, nil
		}
	}
}

// ActIncident performs an incident action as the agent agentID; a.Request
// is the Update ID, so a resubmission is the same action.
func (c *Client) ActIncident(ctx context.Context, id string, kind incident.ActionKind, agentID string, a incident.Action) (incident.Incident, error) {
	var inc incident.Incident
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return inc, err
	}
	a.Actor, a.Proof = agent.Actor(), ""
	if a.Request == "" {
		a.Request = NewRequest()
	}
	name := workflows.UpdateIncident(kind)
	if a.Proof, err = c.vouch(a.Actor, id, name, a.Request, a); err != nil {
		return inc, err
	}
	h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{UpdateID: a.Request, WorkflowID: id, UpdateName: name,
		Args: []any{a}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, &inc)
	}
	var notFound *serviceerror.NotFound
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &notFound):
		return inc, fmt.Errorf("%w: incident %s (resolved incidents take no action)", ErrNotFound, id)
	case errors.As(err, &appErr):
		return inc, &RefusedError{CaseID: id, Action: casestate.ActionKind("incident " + string(kind)), Reason: appErr.Message()}
	case err != nil:
		return inc, fmt.Errorf("%s on %s: %w", kind, id, err)
	}
	return inc, nil
}
