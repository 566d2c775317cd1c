//go:build faults

package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/workflows"
)

const fbPage = "104857600000001" // the demo configuration's Facebook page

// metaComments is a signed Meta page-feed delivery of one comment per text
// line, each on a post of its own, all by one author.
func metaComments(secret string, author string, comments []map[string]any) delivery {
	changes := make([]any, len(comments))
	for i, c := range comments {
		changes[i] = map[string]any{"field": "feed", "value": c}
	}
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": fbPage, "time": time.Now().Unix(), "changes": changes}}})
	h := http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {intake.SignMeta([]byte(secret), body)}}
	return delivery{route: "/webhooks/meta", header: h, body: body}
}

func comment(tag string, i int, author string) map[string]any {
	post := fmt.Sprintf("%s_%d", fbPage, 700000+i)
	return map[string]any{"item": "comment", "verb": "add", "comment_id": fmt.Sprintf("%s_%s%d", post, tag, i), "post_id": post,
		"from": map[string]any{"id": author, "name": "Busy Customer"}, "message": fmt.Sprintf("my order %d never arrived", i),
		"created_time": time.Now().Unix()}
}

// waitAllTriaged waits until n cases of the query's customer are started
// (triaged: intake starts them so), and reports how many are running and
// how many failed.
func waitAllTriaged(t *testing.T, ctx context.Context, s *stack.Stack, customer string, n int) (running, failed int) {
	t.Helper()
	base := "WorkflowType = '" + workflows.CaseWorkflowName + "' AND CustomerId = '" + customer + "'"
	for {
		running, err1 := countNow(ctx, s, base+" AND ExecutionStatus = 'Running'")
		failed, err2 := countNow(ctx, s, base+" AND ExecutionStatus = 'Failed'")
		if err := errors.Join(err1, err2); ctx.Err() != nil {
			t.Fatalf("cases of %s not all started when the test ran out of time (last error: %v)", customer, err)
		} else if err == nil && running+failed >= n {
			return running, failed
		}
		time.Sleep(time.Second) // a count refused by a loaded server is asked again
	}
}

func countNow(ctx context.Context, s *stack.Stack, query string) (int, error) {
	res, err := s.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	return int(res.GetCount()), err
}

// TestOneBusyAuthorLosesNothing sends 400 signed Meta webhooks from one
// author, 50 at a time: every one acknowledged must be an open case, none
// failed (a look-up of the customer's open cases grew with each and timed
// out, and the cases failed).
func TestOneBusyAuthorLosesNothing(t *testing.T) {
	s, _, ts, ctx := withIntake(t, 5*time.Minute)

	const n, concurrent = 400, 50
	author := "990000001"
	slots := make(chan struct{}, concurrent)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acknowledged, refused := 0, 0
	for i := range n {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			h := metaComments(s.Config.Intake.Meta.AppSecret, author, []map[string]any{comment("busy", i, author)})
			for ctx.Err() == nil { // a platform: retried until acknowledged
				status, _, _, err := deliver(ctx, ts.URL, h)
				mu.Lock()
				if err == nil && status == http.StatusOK {
					acknowledged++
				} else {
					refused++
				}
				mu.Unlock()
				if err == nil && status == http.StatusOK {
					return
				}
				time.Sleep(time.Second)
			}
		}()
	}
	wg.Wait()
	running, failed := waitAllTriaged(t, ctx, s, "facebook:"+author, n)
	t.Logf("checked: %d webhooks from one author, %d at a time: %d acknowledged (%d refusals retried); %d cases open, %d failed; lost %d",
		n, concurrent, acknowledged, refused, running, failed, acknowledged-running)
	if acknowledged != n || running != n || failed != 0 {
		t.Fatalf("want %d acknowledged and open, none failed", n)
	}
}

// TestPoisonEventsInABigBatch sends one Meta delivery of 2,000 events from
// one author with poison among them: ids with a non-ASCII character or a
// zero-width space (Temporal refuses them in a header), an id far past any
// platform's, and two malformed events. Every valid post must have its
// case, every bad event must be a dead letter, the whole answered well
// inside a platform's delivery timeout, and a fixed dead letter replayed
// must open its case.
func TestPoisonEventsInABigBatch(t *testing.T) {
	s, in, ts, ctx := withIntake(t, 8*time.Minute)

	const n = 2000
	author := "990000002"
	events := make([]map[string]any, 0, n)
	for i := range n - 6 {
		events = append(events, comment("big", i, author))
	}
	nonASCII := comment("big", n, author)
	nonASCII["comment_id"] = nonASCII["comment_id"].(string) + "é"
	zeroWidth := comment("big", n+1, author)
	zeroWidth["post_id"] = fbPage + "_\u200b99"
	overLong := comment("big", n+2, author)
	overLong["comment_id"] = strings.Repeat("9", 3000)
	malformed := comment("big", n+3, author)
	malformed["message"] = 123
	undated := comment("big", n+4, author)
	undated["created_time"] = "yesterday"
	longAuthor := comment("big", n+5, strings.Repeat("8", 990)) // valid, past Temporal's limit for a journey's id
	events = append(events, nonASCII, zeroWidth, overLong, malformed, undated, longAuthor)
	h := metaComments(s.Config.Intake.Meta.AppSecret, author, events)

	start := time.Now()
	status, res, body, err := deliver(ctx, ts.URL, h)
	took := time.Since(start)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%d %s %v", status, body, err)
	}
	valid := n - 3 // the non-ASCII ids and the long author id are valid posts; the rest are not
	dead := failedLetters(t, in)
	t.Logf("a %d-event delivery (%d KiB) answered in %.1fs: started %d, deferred %d (submitted in the background), dead letters %d (%v)",
		n, len(h.body)>>10, took.Seconds(), res.Started, res.Deferred, len(res.DeadLetter), res.Rejected)
	if res.Started+res.Deferred != valid || len(dead) != 3 {
		t.Fatalf("want %d started or deferred, and 3 dead letters", valid)
	}

	var fix intake.DeadLetter
	for _, l := range dead {
		if strings.Contains(l.Reason, "cannot unmarshal number") {
			fix = l
		}
	}
	if fix.ID == "" {
		t.Fatalf("no dead letter for the malformed message: %+v", dead)
	}
	fixed := bytes.Replace(fix.Payload, []byte(`"message":123`), []byte(`"message":"my order never arrived (fixed by an operator)"`), 1)
	replayed, err := in.Replay(ctx, fix.ID, fixed)
	if err != nil || replayed.Started != 1 {
		t.Fatalf("replay: %+v %v", replayed, err)
	}
	if left := failedLetters(t, in); len(left) != 2 {
		t.Fatalf("after the replay %d dead letters are left, want 2", len(left))
	}
	running, failed := waitAllTriaged(t, ctx, s, "facebook:"+author, valid)
	longRunning, longFailed := waitAllTriaged(t, ctx, s, "facebook:"+strings.Repeat("8", 990), 1)
	running, failed = running+longRunning, failed+longFailed
	t.Logf("checked: %d valid posts acknowledged and 1 replayed: %d cases open, %d failed; lost %d; dead letters left: 2 (the over-long id, the undated event)",
		valid, running, failed, valid+1-running)
	if running != valid+1 || failed != 0 {
		t.Fatalf("want %d open cases, none failed", valid+1)
	}
	if took > 20*time.Second {
		t.Errorf("the delivery took %s: Meta gives up after 20 s", took)
	}
}

// failedLetters are the dead letters not replayed yet, less the posts a
// delivery's budget deferred (intake submits those itself).
func failedLetters(t *testing.T, in *intake.Server) []intake.DeadLetter {
	t.Helper()
	letters, err := in.DeadLetters().List(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var out []intake.DeadLetter
	for _, l := range letters {
		if l.Kind != "deferred" {
			out = append(out, l)
		}
	}
	return out
}

// TestFilesTornByACrash starts a worker over a data folder a crash left
// behind, the outbox's last line torn: it must start and say what it
// skipped. (What replicas share is in the shared store, whose database
// keeps itself whole.)
func TestFilesTornByACrash(t *testing.T) {
	s := stacktest.ForTestNoWorker(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	outbox := filepath.Join(s.Config.DataDir, "outbox.jsonl")
	if err := os.WriteFile(outbox, []byte(`{"case_id":"case/x/1","idempotency_key":"case/x/1/u1","receipt":{"id":"sandbox-1"}}`+"\n"+`{"case_id":"case/x/2","idem`), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := s.StartWorkerProcess(ctx, switchboardBin)
	if err != nil {
		t.Fatalf("the worker did not start over a torn outbox: %v", err)
	}
	defer w.Stop()
	log, _ := os.ReadFile(w.LogFile)
	said := bytes.Contains(log, []byte("skipped a line that could not be used")) && bytes.Contains(log, []byte("outbox.jsonl"))
	t.Logf("checked: the worker started over an outbox with a torn last line (said so: %t)", said)
	if !said {
		t.Fatal("it must say what it skipped")
	}
}

// TestDevKilledNineStartsAgain kills `switchboard dev` with SIGKILL and
// starts it again on the same ports and data folder: its Temporal server
// must not be left holding them. Ctrl-C then stops it with exit 0.
func TestDevKilledNineStartsAgain(t *testing.T) {
	dir := t.TempDir()
	ports := make([]int, 5)
	for i := range ports {
		p, err := devserver.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	env := append(os.Environ(), "SWITCHBOARD_DATA_DIR="+dir,
		fmt.Sprintf("SWITCHBOARD_CONSOLE_LISTEN=127.0.0.1:%d", ports[2]),
		fmt.Sprintf("SWITCHBOARD_INTAKE_LISTEN=127.0.0.1:%d", ports[3]),
		fmt.Sprintf("SWITCHBOARD_METRICS_LISTEN=127.0.0.1:%d", ports[4]))
	startDev := func(name string) (*exec.Cmd, string) {
		log := filepath.Join(dir, name+".log")
		f, err := os.Create(log)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd := exec.Command(switchboardBin, "dev", "--no-demo", "--port", fmt.Sprint(ports[0]), "--ui-port", fmt.Sprint(ports[1]))
		cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, log
	}
	waitRunning := func(cmd *exec.Cmd, log string) {
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			out, _ := os.ReadFile(log)
			if bytes.Contains(out, []byte("switchboard is running")) {
				return
			}
			if cmd.ProcessState != nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		out, _ := os.ReadFile(log)
		t.Fatalf("dev did not start:\n%s", out)
	}
	first, log := startDev("dev-1")
	waitRunning(first, log)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	second, log := startDev("dev-2")
	waitRunning(second, log)
	// Ctrl-C stops it cleanly: exit 0, which `make dev` passes on.
	if err := second.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		out, _ := os.ReadFile(log)
		t.Fatalf("dev after Ctrl-C: %v\n%s", err, out)
	}
	t.Logf("checked: dev killed with SIGKILL, then started again on the same ports and data folder: running; Ctrl-C then stopped it with exit 0")
}
