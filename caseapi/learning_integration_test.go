package caseapi_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/triage"
	"github.com/switchboard-care/switchboard/workflows"
)

// EnvRecordLearning makes TestSpamQueueRelabelAndRetraining save the
// rescued and the relabelled case's histories for the replay test, as
// workflows/testdata/<its value>-rescue.json and <its value>-relabel.json.
const EnvRecordLearning = "SWITCHBOARD_RECORD_LEARNING"

// On a real server: spam waits in the spam queue and a rescue makes it a
// case whose SLA runs from arrival; a relabel moves a case and records the
// correction; the retraining schedule learns from the corrections, promotes
// a model that is not worse, and the worker triages with it at once.
func TestSpamQueueRelabelAndRetraining(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retrain.Refresh = time.Second // how soon intake's triage follows a promotion
	h := newHarnessWith(t, cfg)

	spam := xPost("x-spam-1", "u-spam", "Earn money from home with crypto, 500 a day guaranteed https://t.co/x1y2z3")
	spam.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(h.ctx, spam); err != nil {
		t.Fatal(err)
	}
	spamID := spam.CaseID()
	queued := h.waitStatus(spamID, casestate.StatusSpam)
	if queued.Department != "support" || queued.Response != nil {
		t.Fatalf("in the spam queue: %+v", queued)
	}
	h.eventually("the spam queue lists it", func() error {
		list, err := h.cases.List(h.ctx, caseapi.Filter{Status: string(casestate.StatusSpam), Running: true})
		if err != nil || len(list) != 1 || list[0].CaseID != spamID {
			return fmt.Errorf("spam queue %+v, %v", list, err)
		}
		return nil
	})
	h.act(spamID, casestate.ActionRescue, "sam", casestate.Action{Intent: "question", Text: "a customer asking about a refund scam"})
	rescued, err := h.cases.State(h.ctx, spamID)
	if err != nil {
		t.Fatal(err)
	}
	if rescued.Status != casestate.StatusOpen || rescued.Department != "support" || rescued.Response == nil || !rescued.Response.StartedAt.Equal(rescued.OpenedAt) {
		t.Fatalf("rescued: %+v", rescued)
	}

	complaint := xPost("x-relabel-1", "u-relabel", "my order arrived with the box crushed and the blender cracked")
	complaint.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(h.ctx, complaint); err != nil {
		t.Fatal(err)
	}
	relabelID := complaint.CaseID()
	h.waitStatus(relabelID, casestate.StatusOpen)
	moved := h.act(relabelID, casestate.ActionRelabel, "sam", casestate.Action{Intent: "legal_threat", Text: "their solicitor wrote to us about it"})
	if moved.Department != "legal" || moved.Intent != "legal_threat" || moved.Priority != "P1" {
		t.Fatalf("relabelled: %+v", moved)
	}
	h.eventually("the case is listed in legal", func() error {
		list, err := h.cases.List(h.ctx, caseapi.Filter{Department: "legal", Running: true})
		if err != nil || len(list) != 1 || list[0].Intent != "legal_threat" {
			return fmt.Errorf("legal's cases %+v, %v", list, err)
		}
		return nil
	})
	shared, err := app.OpenStore(h.ctx, h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shared.Close() })
	store := retrain.NewStore(shared)
	h.eventually("both corrections are recorded", func() error {
		cs, err := store.All(h.ctx)
		if err != nil || len(cs) != 2 {
			return fmt.Errorf("corrections %+v, %v", cs, err)
		}
		byIntent := map[string]casestate.Correction{cs[0].Intent: cs[0], cs[1].Intent: cs[1]}
		if q, l := byIntent["question"], byIntent["legal_threat"]; q.Triaged != "spam" || l.Department != "legal" {
			return fmt.Errorf("corrections %+v", cs)
		}
		return nil
	})
	if name := os.Getenv(EnvRecordLearning); name != "" {
		h.saveHistory(h.history(spamID), name+"-rescue")
		h.saveHistory(h.history(relabelID), name+"-relabel")
	}

	// A brand's traffic as agents labelled it: the voices triage was not
	// written in (triage/data/heldout-voices2.jsonl), as corrections.
	f, err := os.Open(filepath.Join("..", "triage", "data", "heldout-voices2.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	labelled, err := triage.ReadLabelled(f)
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var seed []casestate.Correction
	for i, l := range labelled {
		seed = append(seed, casestate.Correction{Key: fmt.Sprintf("seed#%d", i), Post: l.Post, Intent: l.Expect.Intent, By: "seed", At: t0})
	}
	if err := store.Add(h.ctx, seed...); err != nil {
		t.Fatal(err)
	}

	if err := app.EnsureRetrainSchedule(h.ctx, h.tc, h.cfg); err != nil {
		t.Fatal(err)
	}
	if err := app.EnsureRetrainSchedule(h.ctx, h.tc, h.cfg); err != nil { // a restarted worker
		t.Fatalf("again: %v", err)
	}
	schedule := h.tc.ScheduleClient().GetHandle(h.ctx, workflows.RetrainScheduleID)
	if err := schedule.Trigger(h.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	var outcome workflows.RetrainOutcome
	h.eventually("the triggered retraining completes", func() error {
		desc, err := schedule.Describe(h.ctx)
		if err != nil {
			return err
		}
		runs := desc.Info.RecentActions
		if len(runs) == 0 {
			return errors.New("no run yet")
		}
		run := runs[len(runs)-1].StartWorkflowResult
		return h.tc.GetWorkflow(h.ctx, run.WorkflowID, run.FirstExecutionRunID).Get(h.ctx, &outcome)
	})
	c := outcome.Candidate
	t.Logf("corrections %d (trained on %d); held out %d: intent %.1f%% → %.1f%%, department %.1f%% → %.1f%%; %s",
		c.Corrections, c.Trained, c.Candidate.Posts, c.Current.Intent*100, c.Candidate.Intent*100, c.Current.Dept*100, c.Candidate.Dept*100, outcome.Verdict.Reason)
	if !outcome.Verdict.Promote || c.Candidate.Intent <= c.Current.Intent {
		t.Fatalf("not promoted: %+v", outcome)
	}
	current, err := retrain.NewModels(shared).Current(h.ctx)
	if err != nil || current != c.Version {
		t.Fatalf("current model %q, %v; want %s", current, err, c.Version)
	}
	// Intake triages new posts, and follows the promoted model within
	// retrain.refresh.
	next := xPost("x-after-1", "u-after", "the app logs me out every time I open it")
	h.eventually("intake's triage on the promoted model", func() error {
		if got := h.cases.Triager.Triage(next).ModelVersion; got != c.Version {
			return fmt.Errorf("model %q", got)
		}
		return nil
	})
	if _, err := h.cases.Submit(h.ctx, next); err != nil {
		t.Fatal(err)
	}
	v := h.waitStatus(next.CaseID(), casestate.StatusOpen)
	if v.ModelVersion != c.Version {
		t.Fatalf("the next case was triaged by model %q, want the promoted %s", v.ModelVersion, c.Version)
	}
}
