package cli

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
)

// On the real cluster, with a retention of seconds: once a one-post
// customer's resolved case is deleted from Temporal, `case show`, the
// journey export and the SLA report still give its full record, from the
// namespace's archive.
func TestACasePastRetentionIsReadFromTheArchive(t *testing.T) {
	srv := devservertest.ClusterForTest(t, cluster.Options{Retention: 5 * time.Second,
		// Lowered for tests: an hour's minimum, and deletions spread over
		// half an hour after the retention ends.
		DynamicConfig: []string{"system.namespaceMinRetentionLocal=1s", "history.retentionTimerJitterDuration=1s"}})
	st := stacktest.ForTestOnServer(t, nil, srv)
	login(t, useStack(t, st), "sam")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	p := post.Post{ID: "arch-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "once", Handle: "@once"},
		CreatedAt: time.Now().UTC(), Text: "My kettle's lid will not close any more"}
	id := p.CaseID()
	if _, err := st.Cases.Submit(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := waitOpen(ctx, st, id); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		kind casestate.ActionKind
		text string
	}{{casestate.ActionClaim, ""}, {casestate.ActionReply, "Sorry! A new lid is on its way."}, {casestate.ActionResolve, "lid sent"}} {
		if _, err := st.Cases.Act(ctx, id, a.kind, "sam", casestate.Action{Text: a.text}); err != nil {
			t.Fatalf("%s: %v", a.kind, err)
		}
	}
	type record struct {
		Show    string
		Journey string
		SLA     map[string]any // but when it was made
	}
	read := func() record {
		var r record
		var code int
		if r.Show, code = run(t, "case", "show", id, "--as", "sam", "-o", "json"); code != 0 {
			t.Fatalf("case show: exit %d: %s", code, r.Show)
		}
		if r.Journey, code = run(t, "journey", "x:once", "--format", "json"); code != 0 {
			t.Fatalf("journey: exit %d: %s", code, r.Journey)
		}
		r.SLA = runJSON[map[string]any](t, "sla", "report", "--since", "1h")
		delete(r.SLA, "as_of")
		delete(r.SLA, "since")
		return r
	}
	var retained record
	stacktest.Eventually(t, "the resolved case in the journey", func() error {
		retained = read()
		var j struct{ Timeline []json.RawMessage }
		if err := json.Unmarshal([]byte(retained.Journey), &j); err != nil || len(j.Timeline) < 6 || retained.SLA["cases_read"] != 1.0 {
			return errors.New("not yet: " + retained.Journey)
		}
		return nil
	})

	stacktest.Eventually(t, "the case deleted at the end of its retention", func() error {
		_, err := st.Temporal.DescribeWorkflowExecution(ctx, id, "")
		var gone *serviceerror.NotFound
		if errors.As(err, &gone) {
			return nil
		}
		return errors.New("still retained")
	})
	archived := read()
	if archived.Show != retained.Show {
		t.Errorf("case show from the archive:\n%s\nwhile retained:\n%s", archived.Show, retained.Show)
	}
	if archived.Journey != retained.Journey {
		t.Errorf("journey from the archive:\n%s\nwhile retained:\n%s", archived.Journey, retained.Journey)
	}
	a, r := mustJSON(t, archived.SLA), mustJSON(t, retained.SLA)
	if a != r {
		t.Errorf("SLA report from the archive:\n%s\nwhile retained:\n%s", a, r)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
