//go:build faults

package faults

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/bench"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/workflows"
)

// switchboardBin is the switchboard command built once for every test,
// so workers run as the real processes a deployment runs.
var switchboardBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	switchboardBin, err = stack.Binary(ctx, dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// question is a post from a customer of its own that triages to support
// (claim mode, P3).
func question(tag string, i int) post.Post {
	return post.Post{ID: fmt.Sprintf("%s-%d", tag, i), Platform: "x", Property: "@acme_help",
		Author: post.Author{ID: fmt.Sprintf("%s-u%d", tag, i), Handle: fmt.Sprintf("@cust%d", i)},
		Text:   "Is the Leeds store open on Sunday?", CreatedAt: time.Now().UTC()}
}

// withWorkerProcess starts a dev server with cfg and a `switchboard worker`
// process on it; the returned context bounds the test to three minutes.
func withWorkerProcess(t *testing.T, cfg *config.Config) (*stack.Stack, *stack.Process, context.Context) {
	t.Helper()
	s := stacktest.ForTestNoWorker(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	w, err := s.StartWorkerProcess(ctx, switchboardBin)
	if err != nil {
		t.Fatal(err)
	}
	return s, w, ctx
}

// count is how many workflows a visibility query matches. A server just
// restarted may not answer the first calls in time: they are asked again
// until ctx ends.
func count(t *testing.T, ctx context.Context, s *stack.Stack, query string) int {
	t.Helper()
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err := s.Temporal.CountWorkflow(cctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		cancel()
		if err == nil {
			return int(res.GetCount())
		}
		if ctx.Err() != nil {
			t.Fatalf("count %q: %v", query, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitTriaged waits until the case answers a query (it starts triaged,
// but queries fail while no worker runs), so errors are retried until ctx
// ends.
func waitTriaged(ctx context.Context, c *caseapi.Client, id string) error {
	for {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.State(qctx, id)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("case %s not triaged: %v", id, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestWorkerKilledMidRun kills the worker with SIGKILL while posts arrive
// and agents act on them, starts a new one, and checks that every case ran
// to completion once: one workflow per post, one reply per case in the
// outbox, nothing left open.
func TestWorkerKilledMidRun(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, w, ctx := withWorkerProcess(t, cfg)

	const n = 40
	const every = 100 * time.Millisecond // 4 s of posts; the worker is dead from 1.5 s to 4.5 s
	const killAt, heldBack = 15, 10      // posts 10 to 14 are answered only after the kill
	var wg sync.WaitGroup
	errs := make(chan error, n)
	killed := make(chan struct{})
	var submittedWhileDead int
	for i := range n {
		if i == killAt {
			if err := w.Kill(); err != nil {
				t.Fatal(err)
			}
			close(killed)
			t.Logf("killed the worker (pid %d) with SIGKILL after %d posts", w.Pid(), i)
		}
		if i >= killAt {
			submittedWhileDead++
		}
		p := question("kill", i)
		if _, err := s.Cases.Submit(ctx, p); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		wg.Add(1)
		go func() { // an agent answers every case, waiting through the outage
			defer wg.Done()
			if i >= heldBack && i < killAt {
				<-killed // opened by the first worker, answered through the second
			}
			errs <- answer(ctx, s.Cases, p.CaseID())
		}()
		time.Sleep(every)
	}
	<-killed
	time.Sleep(500 * time.Millisecond)
	w2, err := s.StartWorkerProcess(ctx, switchboardBin)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	t.Logf("started a new worker (pid %d)", w2.Pid())
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		return
	}

	completed, spanned, interrupted := 0, 0, 0
	for i := range n {
		id := question("kill", i).CaseID()
		if err := s.Temporal.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			t.Errorf("case %s did not complete: %v", id, err)
			continue
		}
		completed++
		h, err := bench.History(ctx, s.Temporal, id)
		if err != nil {
			t.Fatal(err)
		}
		workers := map[string]bool{}
		cut := false
		for _, e := range h {
			switch e.GetEventType() {
			case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				workers[e.GetWorkflowTaskCompletedEventAttributes().GetIdentity()] = true
			case enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, enums.EVENT_TYPE_WORKFLOW_TASK_FAILED:
				cut = true
			case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				cut = cut || e.GetActivityTaskStartedEventAttributes().GetAttempt() > 1
			}
		}
		if len(workers) > 1 {
			spanned++
		}
		if cut {
			interrupted++
		}
	}
	cases := count(t, ctx, s, "WorkflowType = '"+workflows.CaseWorkflowName+"'")
	journeys := count(t, ctx, s, "WorkflowType = '"+workflows.JourneyWorkflowName+"'")
	replies, err := publish.ReadOutbox(app.OutboxPath(s.Config))
	if err != nil {
		t.Fatal(err)
	}
	perCase := map[string]int{}
	for _, r := range replies {
		perCase[r.CaseID]++
	}
	doubled := 0
	for _, k := range perCase {
		if k != 1 {
			doubled++
		}
	}
	t.Logf("checked: %d posts (%d submitted while no worker ran); %d case workflows, %d journeys, %d completed; "+
		"%d cases lived across the kill (workflow tasks completed by both workers), %d of them with work cut off "+
		"(a workflow task timed out or failed, or an activity retried); "+
		"%d replies in the outbox for %d cases, %d cases with other than one",
		n, submittedWhileDead, cases, journeys, completed, spanned, interrupted, len(replies), len(perCase), doubled)
	// Each post is a new customer's only case: no journey (one starts at a
	// customer's second case).
	if cases != n || journeys != 0 || completed != n || len(replies) != n || len(perCase) != n || doubled != 0 {
		t.Fatalf("want %d cases, completed and replied to once each, and no journey", n)
	}
	// A case the new worker finished from a history the killed one began
	// is what the kill must produce (the held-back posts make sure of it);
	// whether it also catches a task mid-flight is a matter of
	// milliseconds, so that is reported, not required.
	if spanned == 0 {
		t.Fatal("no case lived across the kill: the test proved nothing; kill earlier or post faster")
	}
}

// answer waits until the case is triaged (through the outage), then lets
// the scripted agent answer it.
func answer(ctx context.Context, c *caseapi.Client, id string) error {
	if err := waitTriaged(ctx, c, id); err != nil {
		return err
	}
	return bench.Answer(ctx, c, id)
}

// TestServerRestartTimersResume stops the Temporal server while open cases
// wait on their SLA timers, with warnings falling due during the outage,
// restarts it on the same database file, and checks that every case is
// still there and every warning and breach fires, none early.
func TestServerRestartTimersResume(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	const target = 12 * time.Second // warning at 9 s, breach at 12 s
	d := cfg.Policy.Departments["support"]
	tg := d.Targets[policy.P3]
	tg.FirstResponse = target
	d.Targets[policy.P3] = tg
	s, w, ctx := withWorkerProcess(t, cfg)
	defer w.Stop()

	const n = 20
	for i := range n {
		if _, err := s.Cases.Submit(ctx, question("restart", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if err := waitTriaged(ctx, s.Cases, question("restart", i).CaseID()); err != nil {
			t.Fatal(err)
		}
	}
	opened := time.Now()
	time.Sleep(3 * time.Second)
	if err := s.Server.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	time.Sleep(8 * time.Second) // the warnings fall due while the server is down
	if err := s.Server.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	t.Logf("server down for %.1fs, from %.1fs to %.1fs after the cases opened (warnings due at 9s, breaches at 12s)",
		time.Since(stopped).Seconds(), stopped.Sub(opened).Seconds(), time.Since(opened).Seconds())

	running := count(t, ctx, s, "WorkflowType = '"+workflows.CaseWorkflowName+"' AND ExecutionStatus = 'Running'")
	warned, breached, early := 0, 0, 0
	var latest, firstAfter, lastAfter time.Duration
	firstAfter = time.Hour
	for i := range n {
		id := question("restart", i).CaseID()
		var warning, breach *casestate.Event
		deadline := time.Now().Add(time.Minute)
		for warning == nil || breach == nil {
			if time.Now().After(deadline) {
				t.Fatalf("case %s: warning %v, breach %v a minute after the restart", id, warning != nil, breach != nil)
			}
			qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
			evs, _ := s.Cases.Events(qctx, id) // fails until the worker has reconnected: retried
			qcancel()
			warning, breach = bench.FirstResponseSLA(evs)
			if warning == nil || breach == nil {
				time.Sleep(250 * time.Millisecond)
			}
		}
		warned++
		breached++
		warnLate, breachLate := bench.Lateness(warning, breach, businesshours.AlwaysOpen(), cfg.Policy.SLA.WarningShare, target)
		if warnLate < 0 || breachLate < 0 {
			early++
		}
		latest = max(latest, warnLate, breachLate)
		for _, e := range []*casestate.Event{warning, breach} {
			if after := e.At.Sub(restarted); after > 0 {
				firstAfter, lastAfter = min(firstAfter, after), max(lastAfter, after)
			}
		}
	}
	cases := count(t, ctx, s, "WorkflowType = '"+workflows.CaseWorkflowName+"'")
	t.Logf("checked: %d cases before the restart, %d case workflows after it, %d still running; %d warnings and %d breaches fired, %d early; "+
		"the latest %.1fs after its due time; those due during the outage fired from %.1fs to %.1fs after the restart (the worker reconnecting)",
		n, cases, running, warned, breached, early, latest.Seconds(), firstAfter.Seconds(), lastAfter.Seconds())
	if cases != n || running != n || warned != n || breached != n || early != 0 {
		t.Fatalf("want %d cases running, each warned and breached, none early", n)
	}
}
