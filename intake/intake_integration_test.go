package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
)

// These tests run the intake server over the real caseapi client against a
// Temporal dev server and a worker (skipped without a temporal binary unless
// SWITCHBOARD_REQUIRE_TEMPORAL is set, as in CI).

type live struct {
	ctx  context.Context
	srv  *devserver.Server
	tc   client.Client
	http *httptest.Server
}

func startLive(t *testing.T) *live {
	st := stacktest.ForTest(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	srv, tc, cases := st.Server, st.Temporal, st.Cases
	in := testConfig()
	in.SubmitTimeout = 3 * time.Second
	return &live{ctx: ctx, srv: srv, tc: tc, http: serve(t, cases, in)}
}

// casesOf counts the customer's cases as Temporal's visibility sees them,
// once the count has held for a second (visibility lags a little).
func (l *live) casesOf(t *testing.T, customer string) int64 {
	t.Helper()
	count := func() int64 {
		res, err := l.tc.CountWorkflow(l.ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: fmt.Sprintf("CustomerId = '%s'", customer)})
		if err != nil {
			t.Fatal(err)
		}
		return res.Count
	}
	deadline := time.Now().Add(30 * time.Second)
	last := count()
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		n := count()
		if n == last && n > 0 {
			return n
		}
		last = n
	}
	return last
}

func TestLiveSameWebhookTenTimesStartsOneCase(t *testing.T) {
	l := startLive(t)
	if started, dups := deliverTenTimes(t, l.http, fixture(t, "x_tweet_create.json")); started != 1 || dups != 9 {
		t.Fatalf("%d deliveries say they started the case, %d that it was a duplicate", started, dups)
	}
	if n := l.casesOf(t, "x:3141592653"); n != 1 {
		t.Fatalf("%d cases for one post delivered ten times", n)
	}
	// The customer answers the company's reply: it joins, no second case.
	r := postX(t, l.http, fixture(t, "x_tweet_reply.json"))
	if r.status != http.StatusOK || r.result.Joined != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n := l.casesOf(t, "x:3141592653"); n != 1 {
		t.Fatalf("%d cases after the follow-up", n)
	}
}

func TestLiveTemporalDownAnswers503ThenRecovers(t *testing.T) {
	l := startLive(t)
	ts := l.http
	first := fixture(t, "x_tweet_create.json")
	if r := postX(t, ts, first); r.status != http.StatusOK || r.result.Started != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if err := l.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	dm := fixture(t, "x_dm.json")
	if r := postX(t, ts, dm); r.status != http.StatusServiceUnavailable {
		t.Fatalf("with Temporal down: %d %s", r.status, r.body)
	}
	if err := l.srv.Restart(l.ctx); err != nil {
		t.Fatal(err)
	}
	// The platform retries until it gets its 200; the client reconnects
	// with a backoff, so the first retries may still see 503.
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := postX(t, ts, dm)
		if r.status == http.StatusOK {
			// The DM joins the customer's open case on X (the "please DM us"
			// flow) or opens its own; either way exactly once.
			if r.result.Started+r.result.Joined != 1 {
				t.Fatalf("after recovery: %s", r.body)
			}
			break
		}
		if r.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after restart: %d %s", r.status, r.body)
		}
		time.Sleep(time.Second)
	}
	// What was accepted before the outage is still there.
	if r := postX(t, ts, first); r.status != http.StatusOK || r.result.Duplicates != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// An edit is recorded on the case its post opened; an edit of a post with
// no case is caseapi.ErrNotFound (acknowledged, nothing to record).
func TestLiveEditsReachTheirCase(t *testing.T) {
	st := stacktest.ForTest(t, nil)
	ctx := context.Background()
	p := post.Post{ID: "e-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u7", Handle: "@kai"},
		Text: "my order never came", CreatedAt: time.Now()}
	if _, err := st.Cases.Submit(ctx, p); err != nil {
		t.Fatal(err)
	}
	edits := CaseEdits{Cases: st.Cases}
	edit := Edit{Kind: Edited, Platform: "x", Property: "@acme_help", PostID: "e-1", AuthorID: "u7", Text: "my order 42 never came", At: time.Now()}
	if err := edits.RecordEdit(ctx, edit); err != nil {
		t.Fatal(err)
	}
	stacktest.Eventually(t, "edit recorded", func() error {
		events, err := st.Cases.Events(ctx, p.CaseID())
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Kind == casestate.EventPostEdited && e.Text == edit.Text {
				return nil
			}
		}
		return fmt.Errorf("no edit in %d events", len(events))
	})
	edit.PostID = "e-unknown"
	if err := edits.RecordEdit(ctx, edit); !errors.Is(err, caseapi.ErrNotFound) {
		t.Fatalf("edit of a post without a case: %v", err)
	}
}
