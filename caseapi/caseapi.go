// Package caseapi is the client side of cases: submit posts, act as an
// agent, read a case, list cases. The starter, the CLI, the console and the
// tests use it, so no one spells a workflow, update or query name twice.
package caseapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// Client talks to cases through Temporal.
type Client struct {
	Temporal  client.Client
	Namespace string // the one Temporal was dialled with; empty is "default"
	TaskQueue string
	Policy    policy.Policy     // the snapshot new cases start with
	Directory *policy.Directory // resolves agent ids to actors
	// Signer vouches for the actor of every action this client sends
	// (package assertion); without one it can act for no one.
	Signer *assertion.Signer
	// Redact masks personal data (triage.Redactor): in a follow-up before
	// it is sent to its case, where it is stored, and in the Web UI summary.
	Redact func(string) string
	// DataConverter is the one Temporal was dialled with, which encoded
	// the memos this client reads; nil is the SDK's default.
	DataConverter converter.DataConverter
	// Triager reads a post before its case starts (retrain.Live, a
	// triage.Engine); a client without one opens no cases.
	Triager Triager

	// Watch, when set, tells each property's crisis watch of the posts
	// new cases open with (package spike); nil watches nothing.
	Watch *Watch

	lookups *sharedLookups // see NewClient
}

// Triager reads a post.
type Triager interface {
	Triage(p post.Post) policy.Triage
}

// NewClient is a client of the cases on taskQueue whose concurrent
// look-ups of one customer share a call (a client made otherwise looks
// each one up on its own).
func NewClient(tc client.Client, taskQueue string) *Client {
	return &Client{Temporal: tc, TaskQueue: taskQueue, lookups: &sharedLookups{}}
}

func (c *Client) dataConverter() converter.DataConverter {
	if c.DataConverter == nil {
		return converter.GetDefaultDataConverter()
	}
	return c.DataConverter
}

// Outcome says what submitting a post did.
type Outcome struct {
	CaseID    string `json:"case_id"`
	Started   bool   `json:"started"`   // a new case
	Joined    bool   `json:"joined"`    // a follow-up added to an open case
	Duplicate bool   `json:"duplicate"` // already submitted: nothing new
}

// ErrInvalidPost wraps a post that fails validation; nothing was started.
var ErrInvalidPost = errors.New("invalid post")

// Refused says Temporal refused a request for what it holds, not for a
// passing reason: an argument it will never take (a value over a limit).
// Retrying cannot help; the post belongs with the dead letters.
func Refused(err error) bool {
	var invalid *serviceerror.InvalidArgument
	return errors.As(err, &invalid)
}

// ErrNotFound is returned for a case id with no case.
var ErrNotFound = errors.New("case not found")

// Submit turns a post into a case. A post in the thread of an open case of
// the same customer joins it; a post submitted again starts nothing.
func (c *Client) Submit(ctx context.Context, p post.Post) (Outcome, error) {
	if err := p.Validate(); err != nil {
		return Outcome{}, fmt.Errorf("%w %q: %w", ErrInvalidPost, p.ID, err)
	}
	p, _ = p.Capped()
	if out, ok, err := c.join(ctx, p); ok || err != nil {
		return out, err
	}
	if out, ok, err := c.joinPrivate(ctx, p); ok || err != nil {
		return out, err
	}
	id := p.CaseID()
	prep, err := c.prepare(ctx, p)
	if err != nil {
		return Outcome{}, err
	}
	opened := casestate.Open(p, prep.Triage, c.Policy, prep.Continuity, prep.OpenedAt)
	_, err = c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             c.TaskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// Without this the SDK hands back the running case as if it had
		// started it, and a redelivered webhook would look new.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            c.summary(p),
		StaticDetails:                            details(p),
		TypedSearchAttributes:                    workflows.StartAttributes(p, opened.Visibility(), prep.OpenedAt),
	}, workflows.CaseWorkflowName, workflows.CaseInput{Post: p, Policy: c.Policy, Prepared: &prep})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return Outcome{CaseID: id, Duplicate: true}, nil
	case err != nil:
		return Outcome{}, fmt.Errorf("start case %s: %w", id, err)
	}
	c.tellWatch(ctx, p, prep)
	return Outcome{CaseID: id, Started: true}, nil
}

// prepare triages the post and finds its customer, before its case starts,
// so the case has its owner and search attributes in its first event. A
// look-up that fails fails the submission (intake answers 503 and the
// platform sends the post again): a case never starts without its
// customer's context, nor fails later for it.
func (c *Client) prepare(ctx context.Context, p post.Post) (workflows.Preparation, error) {
	if c.Triager == nil {
		return workflows.Preparation{}, fmt.Errorf("open case %s: this client has no triage (caseapi.Client.Triager)", p.CaseID())
	}
	journeyID, cont, err := c.CustomerContext(ctx, p)
	if err != nil {
		return workflows.Preparation{}, fmt.Errorf("look up the customer of %s: %w", p.CaseID(), err)
	}
	return workflows.Preparation{Triage: c.Triager.Triage(p), JourneyID: journeyID, Continuity: cont, OpenedAt: time.Now().UTC()}, nil
}

// join signals the post to the open case its thread belongs to, if that
// case is the same customer's; ok is false when the post opens its own case.
func (c *Client) join(ctx context.Context, p post.Post) (Outcome, bool, error) {
	root := p.ThreadRoot()
	if root == "" || root == p.ID {
		return Outcome{}, false, nil
	}
	id := post.CaseID(p.Platform, root)
	// Describe, not a query: the case's customer is a search attribute set
	// at its start, so no worker need answer while a webhook waits.
	d, err := c.Temporal.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("look up case %s: %w", id, err)
	}
	info := d.GetWorkflowExecutionInfo()
	var customer string
	if sa, ok := info.GetSearchAttributes().GetIndexedFields()[workflows.SACustomerID.GetName()]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(sa, &customer)
	}
	switch {
	case customer != p.CustomerKey():
		return Outcome{}, false, nil
	case info.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return c.reopenWith(ctx, id, p)
	case info.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return Outcome{}, false, nil
	}
	return c.addFollowUp(ctx, id, p)
}

// joinPrivate adds a private message, which has no thread, to the
// customer's open case on that channel (found by its search attributes,
// without a worker), preferring one someone is working on.
func (c *Client) joinPrivate(ctx context.Context, p post.Post) (Outcome, bool, error) {
	if !p.Private || p.ThreadRoot() != "" {
		return Outcome{}, false, nil
	}
	open, err := c.List(ctx, Filter{CustomerID: p.CustomerKey(), Running: true, Limit: ContextCases})
	if err != nil {
		return Outcome{}, false, err
	}
	better := func(a, b *Summary) bool {
		if (a.Assignee != "") != (b.Assignee != "") {
			return a.Assignee != ""
		}
		return a.OpenedAt.After(b.OpenedAt)
	}
	var best *Summary
	for i := range open {
		o := &open[i]
		if o.Channel == p.Platform && o.CaseID != p.CaseID() && (best == nil || better(o, best)) {
			best = o
		}
	}
	if best == nil {
		return Outcome{}, false, nil
	}
	return c.addFollowUp(ctx, best.CaseID, p)
}

// addFollowUp signals a customer's post to an open case; ok is false if the
// case closed meanwhile.
func (c *Client) addFollowUp(ctx context.Context, id string, p post.Post) (Outcome, bool, error) {
	sig, err := c.followUp(id, p)
	if err != nil {
		return Outcome{}, false, err
	}
	err = c.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalCustomerPost, sig)
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) { // closed since we looked
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("add follow-up %s to case %s: %w", p.ID, id, err)
	}
	return Outcome{CaseID: id, Joined: true}, true, nil
}

// followUp is the signed signal of the customer's follow-up p to case id,
// redacted as triage redacts the opening post.
func (c *Client) followUp(id string, p post.Post) (workflows.CustomerPost, error) {
	if c.Redact != nil {
		p.Text = c.Redact(p.Text)
	}
	sig := workflows.CustomerPost{Post: p}
	proof, err := c.IntakeProof(id, workflows.SignalCustomerPost, sig)
	sig.Proof = proof
	return sig, err
}

// IntakeProof is the proof that intake sends the signal name to the
// workflow id with unsigned as its body.
func (c *Client) IntakeProof(id, name string, unsigned any) (string, error) {
	return c.signalProof(workflows.SenderIntake, id, name, unsigned)
}

func (c *Client) signalProof(sender, id, name string, unsigned any) (string, error) {
	if c.Signer == nil {
		return "", fmt.Errorf("%s to %s: this client has no signing key (security.signing_key)", name, id)
	}
	return c.Signer.SignSignal(sender, assertion.For{Target: id, Action: name, Digest: assertion.Digest(unsigned)}, time.Now())
}

// details is the Web UI's line on the post a case opened with.
func details(p post.Post) string {
	return fmt.Sprintf("post %s by %s (%s) at %s", p.ID, p.Author.Handle, p.Author.ID, p.CreatedAt.UTC().Format("2006-01-02 15:04 MST"))
}

func (c *Client) summary(p post.Post) string {
	if c.Redact == nil {
		return casestate.Summary(p.Platform, p.Property, p.Author.Handle, "post "+p.ID)
	}
	return casestate.Summary(p.Platform, p.Property, p.Author.Handle, c.Redact(p.Text))
}

// NewRequest is a fresh token for one human intent (Action.Request): a
// console form gets one when it is rendered, a CLI invocation one per run.
func NewRequest() string { return rand.Text() }

// Act performs an agent action on a case as the agent with id agentID, and
// returns where the case stands after it. a.Request is the Update ID: the same
// request submitted again (a double click, a retry) is the same Update, so
// a reply is published once. An action without one is a new intent.
func (c *Client) Act(ctx context.Context, caseID string, kind casestate.ActionKind, agentID string, a casestate.Action) (casestate.Outcome, error) {
	if kind == casestate.ActionStatement { // its approval is the incident's; the incident's workflow sends it
		return casestate.Outcome{}, &RefusedError{CaseID: caseID, Action: kind, Reason: "a holding statement is sent from its incident, once approved there (switchboard incident send)"}
	}
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return casestate.Outcome{}, err
	}
	a.Actor, a.Proof = agent.Actor(), ""
	if kind == casestate.ActionAssign { // the case knows agents only by id: the directory says who they are, and the proof covers it
		to, err := c.Directory.Lookup(a.To)
		if err != nil {
			return casestate.Outcome{}, err
		}
		assignee := to.Actor()
		a.To, a.Assignee = to.ID, &assignee
	}
	if a.Request == "" {
		a.Request = NewRequest()
	}
	if a.Proof, err = c.vouch(a.Actor, caseID, workflows.UpdateName(kind), a.Request, a); err != nil {
		return casestate.Outcome{}, err
	}
	h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     a.Request,
		WorkflowID:   caseID,
		UpdateName:   workflows.UpdateName(kind),
		Args:         []any{a},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) && kind == casestate.ActionReopen { // resolved: its run has completed
		return c.reopen(ctx, caseID, a)
	}
	if err != nil {
		return casestate.Outcome{}, c.explain(caseID, kind, err)
	}
	var out casestate.Outcome
	if err := h.Get(ctx, &out); err != nil {
		return casestate.Outcome{}, c.explain(caseID, kind, err)
	}
	return out, nil
}

// vouch signs that actor sends the Update named action, with ID request
// and body (its proof left out), to the workflow target.
func (c *Client) vouch(actor policy.Actor, target, action, request string, body any) (string, error) {
	if c.Signer == nil {
		return "", errors.New("this client has no signing key (security.signing_key), so it cannot act for anyone")
	}
	return c.Signer.Sign(actor, assertion.For{Target: target, Action: action, Request: request, Digest: assertion.Digest(body)}, time.Now())
}

// RefusedError is an action the case refused; the message names the rule.
type RefusedError struct {
	CaseID string
	Action casestate.ActionKind
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s on %s refused: %s", e.Action, e.CaseID, e.Reason)
}

func (c *Client) explain(caseID string, kind casestate.ActionKind, err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%w: %s (it may have closed; list open cases with `switchboard cases list`)", ErrNotFound, caseID)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return &RefusedError{CaseID: caseID, Action: kind, Reason: appErr.Message()}
	}
	return fmt.Errorf("%s on %s: %w", kind, caseID, err)
}

// State returns the case as an agent sees it: from its workflow, or, once
// its history is past retention, from what its last run left in the archive.
func (c *Client) State(ctx context.Context, caseID string) (casestate.View, error) {
	var v casestate.View
	err := c.query(ctx, caseID, workflows.QueryState, &v)
	if !errors.Is(err, ErrNotFound) {
		return v, err
	}
	if res, ok, lerr := c.lastRun(ctx, caseID); lerr == nil && ok {
		return res.View, nil
	}
	return v, err
}

// Offers returns the actions agentID may take on the case now (the case's
// rule book decides), for a console to offer only those. A reopen is not
// among them: it starts a resolved case's next run (Act), so whoever
// shows it decides from the case's status.
func (c *Client) Offers(ctx context.Context, caseID, agentID string) ([]casestate.ActionKind, error) {
	agent, err := c.Directory.Lookup(agentID)
	if err != nil {
		return nil, err
	}
	var kinds []casestate.ActionKind
	return kinds, c.query(ctx, caseID, workflows.QueryOffers, &kinds, agent.Actor())
}

// Events returns the case's whole audit trail, a page at a time. Steps an
// earlier run recorded whose history is gone (retention ran out while the
// case went on) are left out.
func (c *Client) Events(ctx context.Context, caseID string) ([]casestate.Event, error) {
	var all []casestate.Event
	for from := 0; ; {
		page, err := c.EventsPage(ctx, caseID, from, 0)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Events...)
		from += len(page.Events) + page.Gone
		if len(page.Events)+page.Gone == 0 || from >= page.Total {
			return all, nil
		}
	}
}

// LatestEvents returns at most n of the trail's newest events, and the
// trail's length.
func (c *Client) LatestEvents(ctx context.Context, caseID string, n int) ([]casestate.Event, int, error) {
	head, err := c.EventsPage(ctx, caseID, math.MaxInt32, 0) // the length only: no step is read
	if err != nil {
		return nil, 0, err
	}
	var out []casestate.Event
	for from := max(head.Total-n, 0); from < head.Total; {
		page, err := c.EventsPage(ctx, caseID, from, head.Total-from)
		if err != nil {
			return nil, 0, err
		}
		if len(page.Events)+page.Gone == 0 {
			break
		}
		out = append(out, page.Events...)
		from += len(page.Events) + page.Gone
	}
	return out, head.Total, nil
}

// Page is a stretch of a case's trail: its events, the trail's length, and
// how many steps from the stretch's start are gone with the earlier run that
// recorded them (its history passed retention).
type Page struct {
	Events []casestate.Event
	Total  int
	Gone   int
}

// EventsPage returns limit events of the trail from index from (0: as many
// as a page holds), from whichever run of the case recorded them.
func (c *Client) EventsPage(ctx context.Context, caseID string, from, limit int) (Page, error) {
	req := workflows.EventsPageRequest{From: from, Limit: limit}
	var page workflows.EventsPage
	err := c.query(ctx, caseID, workflows.QueryEventsPage, &page, req)
	if errors.Is(err, ErrNotFound) { // past retention: the case its last run left, from the archive
		if res, ok, lerr := c.lastRun(ctx, caseID); lerr == nil && ok && res.Final != nil {
			page, err = workflows.PageOf(&res.Final.Case, req), nil
		}
	}
	if err != nil {
		return Page{}, err
	}
	if page.Run == "" {
		return Page{Events: page.Events, Total: page.Total}, nil
	}
	// The current run names the run that recorded the step; that run's
	// state holds its steps.
	held := workflows.EventsPage{}
	err = c.queryRun(ctx, caseID, page.Run, workflows.QueryEventsPage, &held, req)
	if errors.Is(err, ErrNotFound) {
		return Page{Total: page.Total, Gone: max(page.RunLast-from, 1)}, nil
	}
	if err != nil {
		return Page{}, fmt.Errorf("step %d of %s, in run %s: %w", from+1, caseID, page.Run, err)
	}
	return Page{Events: held.Events, Total: page.Total}, nil
}

func (c *Client) query(ctx context.Context, caseID, name string, out any, args ...any) error {
	return c.queryRun(ctx, caseID, "", name, out, args...)
}

func (c *Client) queryRun(ctx context.Context, caseID, runID, name string, out any, args ...any) error {
	res, err := c.Temporal.QueryWorkflow(ctx, caseID, runID, name, args...)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, caseID)
	}
	if err != nil {
		return fmt.Errorf("query %s of %s: %w", name, caseID, err)
	}
	return res.Get(out)
}
