//go:build faults

package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/workflows"
)

// delivery is one webhook as a platform sends it.
type delivery struct {
	route  string
	header http.Header
	body   []byte
}

// xTweet is an X Account Activity delivery of one customer tweet to
// @acme_help, signed with the configured consumer secret.
func xTweet(secret string, i int) delivery {
	body, _ := json.Marshal(map[string]any{
		"for_user_id": "1500000000000000001",
		"tweet_create_events": []map[string]any{{
			"id_str":       fmt.Sprintf("18700000000000%05d", i),
			"text":         "@acme_help is the Leeds store open on Sunday?",
			"timestamp_ms": fmt.Sprint(time.Now().UnixMilli()),
			"user":         map[string]any{"id_str": fmt.Sprintf("42000%d", i), "screen_name": fmt.Sprintf("cust%d", i), "name": "Customer", "followers_count": 12},
		}},
	})
	h := http.Header{"Content-Type": {"application/json"}, "X-Twitter-Webhooks-Signature": {intake.SignX([]byte(secret), body)}}
	return delivery{route: "/webhooks/x", header: h, body: body}
}

// genericPost is a canonical post to the generic endpoint.
func genericPost(token string, i int) delivery {
	body, _ := json.Marshal(question("webchat", i))
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
	return delivery{route: "/v1/posts", header: h, body: body}
}

// TestEveryWebhookTenTimes delivers each of 20 webhooks (X and generic)
// ten times, all at once, and checks that each started exactly one case.
func TestEveryWebhookTenTimes(t *testing.T) {
	s := stack.ForTest(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := intake.NewServer(s.Cases, s.Config.Intake)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(in)
	defer ts.Close()

	const perKind, times = 10, 10
	var hooks []delivery
	for i := range perKind {
		hooks = append(hooks, xTweet(s.Config.Intake.X.ConsumerSecret, i), genericPost(s.Config.Intake.Generic.BearerToken, i))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var sum intake.Result
	statuses := map[int]int{}
	for _, h := range hooks {
		for range times {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+h.route, bytes.NewReader(h.body))
				req.Header = h.header.Clone()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				var r intake.Result
				if err := json.Unmarshal(body, &r); err != nil {
					t.Errorf("%s answered %d %s", h.route, resp.StatusCode, body)
				}
				mu.Lock()
				defer mu.Unlock()
				if resp.StatusCode != http.StatusOK && statuses[resp.StatusCode] == 0 {
					t.Logf("first %d answer: %s", resp.StatusCode, body)
				}
				statuses[resp.StatusCode]++
				sum.Started += r.Started
				sum.Duplicates += r.Duplicates
				sum.Joined += r.Joined
			}()
		}
	}
	wg.Wait()
	cases := count(t, ctx, s, "WorkflowType = '"+workflows.CaseWorkflowName+"'")
	t.Logf("checked: %d webhooks (%d X, %d generic) delivered %d times each, concurrently: %d requests, statuses %v; "+
		"answers say %d started, %d duplicates, %d joined; %d case workflows exist",
		len(hooks), perKind, perKind, times, len(hooks)*times, statuses, sum.Started, sum.Duplicates, sum.Joined, cases)
	if statuses[http.StatusOK] != len(hooks)*times || sum.Started != len(hooks) || sum.Duplicates != len(hooks)*(times-1) || sum.Joined != 0 || cases != len(hooks) {
		t.Fatalf("want every delivery answered 200, %d started, %d duplicates and %d cases", len(hooks), len(hooks)*(times-1), len(hooks))
	}
}
