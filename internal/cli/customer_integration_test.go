package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-care/switchboard/bulkimport"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// A customer with 300 cases, most of them closed: the journey keeps a
// bounded index (no texts), `journey` exports every step of every case read
// from the cases, and `case show` summarises the rest in a line.
func TestACustomerWithThreeHundredCasesStaysReadable(t *testing.T) {
	const total, open = 300, 20
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy.SLA.ReopenWindow = 0 // a resolved case closes at once and reports to the journey
	st := stacktest.ForTest(t, cfg)
	login(t, useStack(t, st), "sam")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now().UTC()
	ids := make([]string, total)
	var g errgroup.Group
	g.SetLimit(8)
	for i := range total {
		g.Go(func() error {
			p := post.Post{ID: fmt.Sprintf("reg-%03d", i), Platform: "x", Property: "@acme_help",
				Author: post.Author{ID: "regular", Handle: "@regular"}, CreatedAt: start.Add(time.Duration(i) * time.Second),
				Text: fmt.Sprintf("The app crashes whenever I open my basket (order %d)", 1000+i)}
			ids[i] = p.CaseID()
			if _, err := bulkimport.Submit(ctx, st.Cases, p, bulkimport.Options{}); err != nil { // retried as a platform would
				return err
			}
			if err := waitOpen(ctx, st, p.CaseID()); err != nil {
				return err
			}
			if i < open {
				return nil
			}
			// Continuity may have given it to sam already: the owner of
			// the customer's open case.
			if v, err := st.Cases.State(ctx, p.CaseID()); err != nil || v.Assignee != "sam" {
				if _, err := st.Cases.Act(ctx, p.CaseID(), casestate.ActionClaim, "sam", casestate.Action{}); err != nil {
					return fmt.Errorf("claim %s: %w", p.CaseID(), err)
				}
			}
			_, err := st.Cases.Act(ctx, p.CaseID(), casestate.ActionResolve, "sam", casestate.Action{Text: "fixed in 4.2"})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	stacktest.Eventually(t, "every closed case in the journey's index", func() error {
		c, err := st.Cases.Customer(ctx, "x:regular")
		if err == nil && (len(c.Cases) != total || len(c.Open()) != open) {
			err = fmt.Errorf("%d cases, %d open", len(c.Cases), len(c.Open()))
		}
		return err
	})

	out, code := run(t, "journey", "x:regular", "--format", "json")
	if code != 0 {
		t.Fatalf("journey: exit %d: %s", code, out)
	}
	var j journey.Journey
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	steps := map[string]int{}
	for i, m := range j.Timeline {
		steps[m.CaseID]++
		if i > 0 && m.At.Before(j.Timeline[i-1].At) {
			t.Fatalf("the export is out of order at step %d", i)
		}
	}
	if len(j.Cases) != total || len(steps) != total {
		t.Fatalf("export: %d cases, steps of %d", len(j.Cases), len(steps))
	}
	for _, id := range []string{ids[0], ids[total-1]} {
		events, err := st.Cases.Events(ctx, id)
		if err != nil || len(events) != steps[id] {
			t.Fatalf("%s: %d steps exported, %d on its trail (%v)", id, steps[id], len(events), err)
		}
	}

	show, code := run(t, "case", "show", ids[0], "--as", "sam", "-o", "table")
	want := fmt.Sprintf("%d other cases, %d open", total-1, open-1)
	if code != 0 || !strings.Contains(show, want) || strings.Count(show, "\n") > 40 {
		t.Fatalf("case show (want %q in a short page):\n%s", want, show)
	}

	// The journey's state is the index: a few hundred bytes a case, no texts.
	index, err := st.Temporal.QueryWorkflow(ctx, workflows.JourneyID("x:regular"), "", workflows.QueryJourney)
	if err != nil {
		t.Fatal(err)
	}
	var x journey.Index
	if err := index.Get(&x); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(x)
	if strings.Contains(string(raw), "basket") || len(raw) > total*400 {
		t.Fatalf("the journey's index is %d bytes, or holds texts", len(raw))
	}
	events, size := 0, 0
	it := st.Temporal.GetWorkflowHistory(ctx, workflows.JourneyID("x:regular"), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events, size = events+1, size+proto.Size(e)
	}
	t.Logf("%d cases (%d open): journey index %.1f KiB; its current run's history %d events, %.1f KiB; export %d steps, %.1f KiB",
		total, open, float64(len(raw))/1024, events, float64(size)/1024, len(j.Timeline), float64(len(out))/1024)
}

func waitOpen(ctx context.Context, st *stack.Stack, id string) error {
	for {
		v, err := st.Cases.State(ctx, id)
		if err == nil && v.Status == casestate.StatusOpen {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err, fmt.Errorf("%s is %s", id, v.Status))
		case <-time.After(100 * time.Millisecond):
		}
	}
}
