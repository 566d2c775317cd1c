package app

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/metrics"
	"github.com/switchboard-care/switchboard/post"
)

// TestWorkerExposesMetrics runs a worker wired as in production against a
// real server and reads its /metrics after a case is opened and answered.
func TestWorkerExposesMetrics(t *testing.T) {
	srv := devservertest.ForTest(t)
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.Address, cfg.DataDir = srv.Address, t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	tc, err := Dial(ctx, cfg, zap.NewNop(), m)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	workerCtx, stopWorker := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- RunWorker(workerCtx, cfg, tc, zap.NewNop()) }()
	defer func() { stopWorker(); <-done }()

	store, err := OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cases, err := SubmittingCases(ctx, cfg, tc, store, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	p := post.Post{ID: "m-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u9", Handle: "@kim"},
		Text: "The app crashes whenever I open my basket", CreatedAt: time.Now()}
	if _, err := cases.Submit(ctx, p); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := cases.Act(ctx, p.CaseID(), casestate.ActionClaim, "sam", casestate.Action{}); err == nil {
			break
		} else if time.Since(p.CreatedAt) > 30*time.Second {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := cases.Act(ctx, p.CaseID(), casestate.ActionReply, "sam", casestate.Action{Text: "Sorry Kim, on it"}); err != nil {
		t.Fatal(err)
	}
	// The SDK's OpenTelemetry handler adds its own labels (namespace, task
	// queue, workflow type) to every series.
	wants := []string{
		`switchboard_cases_opened{activity_type="none",channel="x",client_name="temporal_go",department="support",intent="complaint",namespace="default",task_queue="switchboard",worker_type="none",workflow_type="Case"} 1`,
		`switchboard_first_response_time_seconds_count{activity_type="none",client_name="temporal_go",department="support",namespace="default",priority="P3",task_queue="switchboard",worker_type="none",workflow_type="Case"} 1`,
		"temporal_workflow_task_execution_latency", // the SDK's own
		"go_goroutines",
	}
	var body []byte
	lacking := func() (missing []string) { // the case counts after its reply is acknowledged
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ = io.ReadAll(rec.Body)
		for _, want := range wants {
			if !strings.Contains(string(body), want) {
				missing = append(missing, want)
			}
		}
		return missing
	}
	for deadline := time.Now().Add(15 * time.Second); len(lacking()) > 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range lacking() {
		t.Errorf("/metrics lacks %s", want)
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
