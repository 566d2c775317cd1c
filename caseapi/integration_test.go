package caseapi_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/workflows"
)

// EnvRecordHistory makes the integration test save the complete case's
// history for the replay test, as workflows/testdata/<its value>.json.
const EnvRecordHistory = "SWITCHBOARD_RECORD_HISTORY"

// EnvRecordJourneys makes TestOneCustomerAcrossChannels save its two
// journeys' histories for the replay test: workflows/testdata/<its
// value>-primary.json (a link, an absorbed journey, case reports) and
// <its value>-merged.json (the identity linked into it, forwarding).
const EnvRecordJourneys = "SWITCHBOARD_RECORD_JOURNEYS"

// EnvRecordDispatcher makes TestDealingOnARealServer save the marketing
// dispatcher's history, as far as it ran, as workflows/testdata/<its
// value>.json, and one of its cases' as <its value>-case.json.
const EnvRecordDispatcher = "SWITCHBOARD_RECORD_DISPATCHER"

// saveHistory writes a history where the replay test reads it.
func (h *harness) saveHistory(hist *historypb.History, name string) {
	h.t.Helper()
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "workflows", "testdata", name+".json"), data, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// harness is a stack with the helpers these tests share.
type harness struct {
	t     *testing.T
	ctx   context.Context
	cfg   *config.Config
	tc    client.Client
	cases *caseapi.Client
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with cfg (nil: the defaults).
func newHarnessWith(t *testing.T, cfg *config.Config) *harness {
	s := stacktest.ForTest(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return &harness{t: t, ctx: ctx, cfg: s.Config, tc: s.Temporal, cases: s.Cases}
}

func (h *harness) eventually(what string, check func() error) {
	h.t.Helper()
	stacktest.Eventually(h.t, what, check)
}

func (h *harness) waitStatus(id string, want casestate.Status) casestate.View {
	var v casestate.View
	h.eventually("case "+id+" "+string(want), func() (err error) {
		v, err = h.cases.State(h.ctx, id)
		if err == nil && v.Status != want {
			err = errors.New("status " + string(v.Status))
		}
		return err
	})
	return v
}

func (h *harness) act(id string, kind casestate.ActionKind, agent string, a casestate.Action) casestate.Outcome {
	h.t.Helper()
	v, err := h.cases.Act(h.ctx, id, kind, agent, a)
	if err != nil {
		h.t.Fatalf("%s by %s: %v", kind, agent, err)
	}
	return v
}

func (h *harness) list(query string) []string {
	h.t.Helper()
	resp, err := h.tc.ListWorkflow(h.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		h.t.Fatalf("list %q: %v", query, err)
	}
	var ids []string
	for _, e := range resp.Executions {
		ids = append(ids, e.Execution.WorkflowId)
	}
	slices.Sort(ids)
	return ids
}

func (h *harness) history(id string) *historypb.History {
	h.t.Helper()
	return h.runHistory(id, "")
}

func countEvents(hist *historypb.History, t enums.EventType) int {
	n := 0
	for _, e := range hist.Events {
		if e.EventType == t {
			n++
		}
	}
	return n
}

var t0 = time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)

func xPost(id, author, text string) post.Post {
	return post.Post{ID: id, Platform: "x", Property: "@acme_help", Author: post.Author{ID: author, Handle: "@" + author, Followers: 50}, Text: text, CreatedAt: t0}
}

func TestCaseEndToEndOnARealServer(t *testing.T) {
	h := newHarness(t)
	complaint := xPost("e2e-1", "jane", "The app crashes every time I open the basket, so annoying")
	out, err := h.cases.Submit(h.ctx, complaint)
	if err != nil || !out.Started {
		t.Fatalf("submit: %+v %v", out, err)
	}
	if again, err := h.cases.Submit(h.ctx, complaint); err != nil || !again.Duplicate {
		t.Fatalf("second delivery: %+v %v", again, err)
	}
	other := xPost("e2e-2", "omar", "How do I change the delivery address in the app?")
	if _, err := h.cases.Submit(h.ctx, other); err != nil {
		t.Fatal(err)
	}
	bad := xPost("", "x", "")
	if _, err := h.cases.Submit(h.ctx, bad); !errors.Is(err, caseapi.ErrInvalidPost) {
		t.Fatalf("invalid post: %v", err)
	}

	id := complaint.CaseID()
	v := h.waitStatus(id, casestate.StatusOpen)
	if v.Department != "support" || v.Response == nil {
		t.Fatalf("opened: %+v", v)
	}
	h.waitStatus(other.CaseID(), casestate.StatusOpen)
	h.eventually("search attributes", func() error {
		got := h.list(`Department = "support" AND CaseStatus = "open"`)
		if !slices.Equal(got, []string{id, other.CaseID()}) {
			return errors.New(strings.Join(got, ","))
		}
		return nil
	})

	// A follow-up in the thread joins the case instead of opening one.
	follow := xPost("e2e-3", "jane", "Still crashing, version 4.1 on Android")
	follow.InReplyTo = complaint.ID
	if out, err := h.cases.Submit(h.ctx, follow); err != nil || !out.Joined || out.CaseID != id {
		t.Fatalf("follow-up: %+v %v", out, err)
	}

	h.act(id, casestate.ActionClaim, "sam", casestate.Action{})
	_, err = h.cases.Act(h.ctx, id, casestate.ActionReply, "sofia", casestate.Action{Text: "hello"})
	var refused *caseapi.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "rule collision") {
		t.Fatalf("reply by another agent: %v", err)
	}
	if _, err := h.cases.Act(h.ctx, id, casestate.ActionClaim, "nobody", casestate.Action{}); err == nil || !strings.Contains(err.Error(), `unknown agent "nobody"`) {
		t.Fatalf("unknown agent: %v", err)
	}
	reply := casestate.Action{Text: "Sorry Jane! We're looking into it.", Request: caseapi.NewRequest()}
	replied := h.act(id, casestate.ActionReply, "sam", reply)
	if replied.Response != nil {
		t.Fatalf("reply did not stop the clock: %+v", replied.Response)
	}
	// Submitted again (a double click, a client retry): the same Update, so
	// the same outcome and nothing published again (the outbox, below).
	if again := h.act(id, casestate.ActionReply, "sam", reply); again.Response != nil || again.Status != replied.Status {
		t.Fatalf("resubmitted reply: %+v", again)
	}
	if moved := h.act(id, casestate.ActionHandoff, "sam", casestate.Action{To: "pr", Text: "a journalist picked this up"}); moved.Department != "pr" || moved.Assignee != "" {
		t.Fatalf("handoff: %+v", moved)
	}
	h.eventually("department changed", func() error {
		if got := h.list(`Department = "pr" AND CaseStatus = "open"`); !slices.Contains(got, id) {
			v, _ := h.cases.State(h.ctx, id)
			return fmt.Errorf("not listed under pr: %v; state %s %s", got, v.Status, v.Department)
		}
		return nil
	})
	h.act(id, casestate.ActionClaim, "priya", casestate.Action{})
	h.act(id, casestate.ActionResolve, "priya", casestate.Action{Text: "statement published"})

	// Resolving completes the run.
	var result workflows.CaseResult
	if err := h.tc.GetWorkflow(h.ctx, id, "").Get(h.ctx, &result); err != nil {
		t.Fatal(err)
	}
	if result.Status != casestate.StatusResolved || result.Final == nil {
		t.Fatalf("final %s, case left %t", result.Status, result.Final != nil)
	}

	// The refused reply left no trace: four accepted updates, four completed.
	hist := h.history(id)
	ownedFromItsStart(t, hist, "support")
	if n := countEvents(hist, enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED); n != 5 {
		t.Fatalf("%d updates accepted, want 5 (claim, reply, handoff, claim, resolve)", n)
	}
	sent, err := publish.ReadOutbox(filepath.Join(h.cfg.DataDir, "outbox.jsonl"))
	if err != nil || len(sent) != 1 || sent[0].InReplyTo != complaint.ID {
		t.Fatalf("outbox: %+v %v", sent, err)
	}
	if name := os.Getenv(EnvRecordHistory); name != "" {
		h.saveHistory(hist, name)
	}
}

// ownedFromItsStart checks that intake triaged the case before it started:
// its first event names its department and SLA due time, and no upsert or
// marker comes before the first action or follow-up.
func ownedFromItsStart(t *testing.T, hist *historypb.History, department string) {
	t.Helper()
	fields := hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetSearchAttributes().GetIndexedFields()
	var dept, status string
	_ = converter.GetDefaultDataConverter().FromPayload(fields[workflows.SADepartment.GetName()], &dept)
	_ = converter.GetDefaultDataConverter().FromPayload(fields[workflows.SACaseStatus.GetName()], &status)
	if _, due := fields[workflows.SASlaDueAt.GetName()]; dept != department || status != string(casestate.StatusOpen) || !due {
		t.Fatalf("started with department %q, status %q, SLA due set %t", dept, status, due)
	}
	for _, e := range hist.Events {
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			return
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: // but versioning's own, which is not billed
			upserted := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, versioning := upserted["TemporalChangeVersion"]; len(upserted) != 1 || !versioning {
				t.Fatalf("event %d, before any action or follow-up, upserts %v", e.GetEventId(), upserted)
			}
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if name := e.GetMarkerRecordedEventAttributes().GetMarkerName(); name != "Version" {
				t.Fatalf("event %d, before any action or follow-up: a %s marker", e.GetEventId(), name)
			}
		}
	}
}

// The Web UI shows who posted what where, with personal data masked.
func TestSummaryInTheWebUIIsRedacted(t *testing.T) {
	h := newHarness(t)
	p := xPost("sum-1", "mo", "Refund me to mo.khan@example.com, card 4111 1111 1111 1111, order 4471-220!")
	if _, err := h.cases.Submit(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	d, err := h.tc.DescribeWorkflowExecution(h.ctx, p.CaseID(), "")
	if err != nil {
		t.Fatal(err)
	}
	var summary string
	if err := converter.GetDefaultDataConverter().FromPayload(d.GetExecutionConfig().GetUserMetadata().GetSummary(), &summary); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(summary, "@mo on x:@acme_help") || strings.Contains(summary, "example.com") || strings.Contains(summary, "4111") {
		t.Fatalf("summary %q", summary)
	}
	if !strings.Contains(summary, "[email]") || !strings.Contains(summary, "[card]") {
		t.Fatalf("summary %q does not show what was masked", summary)
	}
}
