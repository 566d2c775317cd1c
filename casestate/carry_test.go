package casestate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/policy"

	"github.com/switchboard-care/switchboard/post"
)

// A case carried across many runs stays small however long its trail and
// however long its ids, numbers its steps on, and still knows the newest
// posts and reply tokens it has seen.
func TestACarriedCaseStaysSmallAndRemembersWhatTheRulesRead(t *testing.T) {
	pol := testPolicy()
	at := time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)
	longID := strings.Repeat("i", post.MaxIDBytes-8)
	p := post.Post{ID: longID + "-root", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@jo"}, Text: "my app crashes", CreatedAt: at}
	c := Open(p, policy.Triage{Intent: "complaint"}, pol, nil, at)
	if _, err := c.Apply(ActionClaim, Action{Actor: sam}, "", at); err != nil {
		t.Fatal(err)
	}
	const runs, perRun = 20, 1000
	for run := range runs {
		for i := range perRun {
			f := p
			f.ID, f.Text = fmt.Sprintf("%s-%05d", longID, run*perRun+i), strings.Repeat("still broken ", 500)
			c.CustomerWrote(f, at.Add(time.Duration(run*perRun+i)*time.Second))
		}
		msg := Message{Text: "looking into it", By: "sam", Request: fmt.Sprintf("form-%d", run)}
		c.Published(ActionReply, Action{Actor: sam, Text: msg.Text, Request: msg.Request}, msg, "r", at.Add(time.Duration(run*perRun+perRun)*time.Second))
		carried := c.Carried(fmt.Sprintf("run-%02d", run))
		c = &carried
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 384<<10 {
		t.Fatalf("after %d runs of %d follow-ups the carried case is %d KiB", runs, perRun, len(b)>>10)
	}
	if c.Steps() < runs*perRun || len(c.Events) != 0 || len(c.Earlier) != runs {
		t.Fatalf("%d steps, %d here, %d earlier runs", c.Steps(), len(c.Events), len(c.Earlier))
	}
	before := c.Steps()
	again := p
	again.ID = fmt.Sprintf("%s-%05d", longID, runs*perRun-1) // redelivered
	c.CustomerWrote(again, at.Add(time.Hour*24))
	if c.Steps() != before {
		t.Fatal("a redelivered follow-up from the last run was recorded again")
	}
	if err := c.Check(ActionReply, Action{Actor: sam, Text: "again", Request: fmt.Sprintf("form-%d", runs-1)}, at); err == nil || !strings.Contains(err.Error(), "duplicate-request") {
		t.Fatalf("a reply resubmitted from the last run: %v", err)
	}
	c.SystemNote("next step", at.Add(25*time.Hour))
	if got := c.Events[0].Seq; got != before+1 {
		t.Fatalf("the next step is %d, want %d", got, before+1)
	}
	if r, ok := c.HeldBy(1); !ok || r.Run != "run-00" {
		t.Fatalf("step 1 held by %+v", r)
	}
	if r, ok := c.HeldBy(before); !ok || r.Run != fmt.Sprintf("run-%02d", runs-1) {
		t.Fatalf("step %d held by %+v", before, r)
	}
	if _, ok := c.HeldBy(before + 1); ok {
		t.Fatal("this run's step is said to be elsewhere")
	}
	t.Logf("%d steps over %d runs: the carried case is %d KiB", before, runs, len(b)>>10)
}
