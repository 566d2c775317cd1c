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
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
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

// genericPost is a canonical post to the generic endpoint, from a source
// no signed webhook serves.
func genericPost(token string, i int) delivery {
	p := question("webchat", i)
	p.Platform, p.Property = "webchat", "acme.example"
	body, _ := json.Marshal(p)
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
	return delivery{route: "/v1/posts", header: h, body: body}
}

// withIntake starts a dev server with an in-process worker and an intake
// server over it; the context bounds the test.
func withIntake(t *testing.T, timeout time.Duration) (*stack.Stack, *intake.Server, *httptest.Server, context.Context) {
	t.Helper()
	s := stacktest.ForTest(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	in, err := intake.NewServer(s.Cases, s.Config.Intake)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(in)
	t.Cleanup(ts.Close)
	return s, in, ts, ctx
}

// deliver posts one delivery and reads intake's answer.
func deliver(ctx context.Context, base string, h delivery) (int, intake.Result, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+h.route, bytes.NewReader(h.body))
	if err != nil {
		return 0, intake.Result{}, nil, err
	}
	req.Header = h.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, intake.Result{}, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, intake.Result{}, nil, err
	}
	var r intake.Result
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &r); err != nil {
			return 0, r, body, fmt.Errorf("%s answered 200 with %s: %w", h.route, body, err)
		}
	}
	return resp.StatusCode, r, body, nil
}

// TestEveryWebhookTenTimes delivers each of 20 webhooks (X and generic)
// ten times, all at once, retrying refusals as the platforms do, and checks
// that each started exactly one case and every delivery was acknowledged.
func TestEveryWebhookTenTimes(t *testing.T) {
	s, _, ts, ctx := withIntake(t, 2*time.Minute)

	const perKind, times = 10, 10
	var hooks []delivery
	for i := range perKind {
		hooks = append(hooks, xTweet(s.Config.Intake.X.ConsumerSecret, i), genericPost(s.Config.Intake.Generic.BearerToken, i))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var sum intake.Result
	statuses := map[int]int{}
	firstRefusal := "none"
	for _, h := range hooks {
		for range times {
			wg.Add(1)
			go func() { // a platform: it retries a 503 until it gets its 200
				defer wg.Done()
				for {
					status, r, body, err := deliver(ctx, ts.URL, h)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					statuses[status]++
					if status != http.StatusOK && firstRefusal == "none" {
						firstRefusal = fmt.Sprintf("%d %s", status, body)
					}
					if status == http.StatusOK {
						sum.Started += r.Started
						sum.Duplicates += r.Duplicates
						sum.Joined += r.Joined
					}
					mu.Unlock()
					if status != http.StatusServiceUnavailable {
						return
					}
					// Platforms wait longer (Retry-After says 10 s); one
					// second keeps the test short.
					time.Sleep(time.Second)
				}
			}()
		}
	}
	wg.Wait()
	cases := count(t, ctx, s, "WorkflowType = '"+workflows.CaseWorkflowName+"'")
	t.Logf("checked: %d webhooks (%d X, %d generic) delivered %d times each, concurrently, retried on 503 as platforms do: "+
		"answers by status %v (first refusal: %s); the 200s say %d started, %d duplicates, %d joined; %d case workflows exist",
		len(hooks), perKind, perKind, times, statuses, firstRefusal, sum.Started, sum.Duplicates, sum.Joined, cases)
	if statuses[http.StatusOK] != len(hooks)*times || sum.Started != len(hooks) || sum.Duplicates != len(hooks)*(times-1) || sum.Joined != 0 || cases != len(hooks) {
		t.Fatalf("want every delivery acknowledged once, %d started, %d duplicates and %d cases", len(hooks), len(hooks)*(times-1), len(hooks))
	}
}
