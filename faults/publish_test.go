//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
)

// fakeX is a local X API that records every post. The first post of each
// text is accepted at once but answered only after answerAfter, so the
// publisher's request times out with the reply live; it lists the posts it
// holds to a search by in_reply_to_tweet_id.
type fakeX struct {
	answerAfter time.Duration
	mu          sync.Mutex
	posts       []fakePost
}

type fakePost struct{ ID, Text, InReplyTo string }

func (f *fakeX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		var body struct {
			Text  string `json:"text"`
			Reply struct {
				InReplyTo string `json:"in_reply_to_tweet_id"`
			} `json:"reply"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		first := f.count(body.Text) == 0
		p := fakePost{ID: fmt.Sprintf("190000000000%04d", len(f.posts)+1), Text: body.Text, InReplyTo: body.Reply.InReplyTo}
		f.posts = append(f.posts, p)
		f.mu.Unlock()
		if first {
			time.Sleep(f.answerAfter)
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"data":{"id":%q,"text":%q}}`, p.ID, p.Text)
	case r.Method == http.MethodGet && r.URL.Path == "/2/tweets/search/recent":
		q := r.URL.Query().Get("query")
		f.mu.Lock()
		var data []map[string]string
		for _, p := range f.posts {
			if strings.Contains(q, "in_reply_to_tweet_id:"+p.InReplyTo+" ") {
				data = append(data, map[string]string{"id": p.ID, "text": p.Text})
			}
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeX) count(text string) int {
	n := 0
	for _, p := range f.posts {
		if p.Text == text {
			n++
		}
	}
	return n
}

// TestRepliesReachThePlatformOnceAcrossWorkers: two worker processes, each
// with its own data folder (as on two hosts); every reply's first request
// is accepted by the platform but answered too late, and one worker is
// killed mid-burst. Every reply reaches the platform exactly once and every
// case's trail shows it exactly once.
func TestRepliesReachThePlatformOnceAcrossWorkers(t *testing.T) {
	platform := &fakeX{answerAfter: 1500 * time.Millisecond}
	web := httptest.NewServer(platform)
	t.Cleanup(web.Close)
	s := stacktest.ForTestNoWorker(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	conf := xPublisherConfig(t, s.Dir, web.URL, "500ms")
	var workers []*stack.Process
	for _, name := range []string{"w1", "w2"} {
		w, err := s.StartWorkerProcess(ctx, switchboardBin, "SWITCHBOARD_CONFIG="+conf, "SWITCHBOARD_DATA_DIR="+filepath.Join(s.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = w.Stop() })
		workers = append(workers, w)
	}

	const replies = 40
	ids, sent, duplicates, missing := replyBurst(t, ctx, s, platform, "once", replies, workers[0].Kill)
	trailed := 0
	for _, id := range ids {
		events, err := s.Cases.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.Kind == casestate.EventReplied {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d replies on its trail", id, n)
		}
		trailed += n
	}
	t.Logf("%d replies, 2 workers (one killed mid-burst), every first answer lost: %d posts reached the platform, %d duplicates, %d missing; %d replies on the trails",
		replies, sent, duplicates, missing, trailed)
	if duplicates != 0 || missing != 0 || sent != replies {
		t.Fatalf("%d posts for %d replies: %d duplicates, %d missing", sent, replies, duplicates, missing)
	}
}

// replyBurst opens n X cases, claims them as sam and replies on each, eight
// at a time; kill runs once a third of the replies are done (some publishes
// are then in flight). It returns the cases and what reached the platform:
// posts, replies posted more than once, replies never posted.
func replyBurst(t *testing.T, ctx context.Context, s *stack.Stack, platform *fakeX, tag string, n int, kill func() error) (ids []string, sent, duplicates, missing int) {
	t.Helper()
	ids = make([]string, n)
	for i := range n {
		p := question(tag, i)
		if _, err := s.Cases.Submit(ctx, p); err != nil {
			t.Fatal(err)
		}
		ids[i] = p.CaseID()
	}
	for _, id := range ids {
		if err := waitTriaged(ctx, s.Cases, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Cases.Act(ctx, id, casestate.ActionClaim, "sam", casestate.Action{}); err != nil {
			t.Fatalf("claim %s: %v", id, err)
		}
	}
	text := func(i int) string {
		return fmt.Sprintf("Yes: Leeds opens 10:00-16:00 on Sundays (%s reply %d)", tag, i)
	}
	var g errgroup.Group
	g.SetLimit(8)
	var mu sync.Mutex
	done := 0
	for i, id := range ids {
		g.Go(func() error {
			_, err := s.Cases.Act(ctx, id, casestate.ActionReply, "sam", casestate.Action{Text: text(i)})
			mu.Lock()
			defer mu.Unlock()
			if done++; done == n/3 {
				if kerr := kill(); kerr != nil {
					return kerr
				}
			}
			if err != nil {
				return fmt.Errorf("reply on %s: %w", id, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	platform.mu.Lock()
	defer platform.mu.Unlock()
	for i := range n {
		switch posted := platform.count(text(i)); {
		case posted == 0:
			missing++
		case posted > 1:
			duplicates += posted - 1
		}
	}
	return ids, len(platform.posts), duplicates, missing
}

// xPublisherConfig writes a configuration file in dir that publishes to X
// at base (the fake platform) with the request timeout given, and returns
// its path.
func xPublisherConfig(t *testing.T, dir, base, timeout string) string {
	t.Helper()
	conf := filepath.Join(dir, "x-publisher.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`publishers:
  x:
    enabled: true
    base_url: %s
    timeout: %s
    accounts:
      - {property: "x:@acme_help", access_token: "fake-user-token"}
`, base, timeout)), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}
