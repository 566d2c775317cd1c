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
	s := stack.ForTestNoWorker(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	conf := filepath.Join(s.Dir, "x-publisher.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`publishers:
  x:
    enabled: true
    base_url: %s
    timeout: 500ms
    accounts:
      - {property: "x:@acme_help", access_token: "fake-user-token"}
`, web.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
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
	ids := make([]string, replies)
	for i := range replies {
		p := question("once", i)
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

	var g errgroup.Group
	g.SetLimit(8)
	var mu sync.Mutex
	done := 0
	killed := false
	for i, id := range ids {
		g.Go(func() error {
			_, err := s.Cases.Act(ctx, id, casestate.ActionReply, "sam", casestate.Action{Text: fmt.Sprintf("Yes: Leeds opens 10:00-16:00 on Sundays (reply %d)", i)})
			mu.Lock()
			defer mu.Unlock()
			done++
			if done == replies/3 && !killed { // mid-burst: some publishes are in flight on w1
				killed = true
				if kerr := workers[0].Kill(); kerr != nil {
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
	sent, duplicates, missing := len(platform.posts), 0, 0
	for i := range replies {
		switch n := platform.count(fmt.Sprintf("Yes: Leeds opens 10:00-16:00 on Sundays (reply %d)", i)); {
		case n == 0:
			missing++
		case n > 1:
			duplicates += n - 1
		}
	}
	platform.mu.Unlock()
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
