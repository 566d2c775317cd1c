package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/notify/notifytest"
	"github.com/switchboard-care/switchboard/post"
)

// On a real server, an escalation reaches support's lead by e-mail and in
// her chat room once each, with the case's link; support's own room is
// down, and its notice of the relabel after it holds back nothing: the
// agent's reply is published while that notice is still retried.
func TestAnEscalationReachesMailAndChatOnARealServer(t *testing.T) {
	box := notifytest.StartMailbox(t)
	leads := notifytest.StartChatRoom(t, 0)
	down := notifytest.StartChatRoom(t, 1<<30) // answers 503, always
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notifications = config.Notifications{
		ConsoleURL:  "http://console.test:8080",
		Email:       config.Email{Host: "127.0.0.1", Port: box.Port(), From: "switchboard@acme.example", TLS: "none"},
		Chat:        map[string]config.ChatRoom{"leads": {URL: leads.URL()}, "support": {URL: down.URL()}},
		People:      map[string]config.Recipient{"sue": {Email: "sue@acme.example", Chat: "leads"}},
		Departments: map[string]config.Recipient{"support": {Chat: "support"}},
	}
	s := stacktest.ForTest(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := post.Post{ID: "notify-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "kim", Handle: "@kim"},
		Text: "how do I get my old number moved to the new sim?", CreatedAt: time.Now().UTC()}
	id := p.CaseID()
	if _, err := s.Cases.Submit(ctx, p); err != nil {
		t.Fatal(err)
	}
	stacktest.Eventually(t, "the case open in support", func() error {
		v, err := s.Cases.State(ctx, id)
		if err == nil && (v.Status != casestate.StatusOpen || v.Department != "support") {
			err = fmt.Errorf("%s in %s", v.Status, v.Department)
		}
		return err
	})
	act := func(kind casestate.ActionKind, a casestate.Action) {
		t.Helper()
		if _, err := s.Cases.Act(ctx, id, kind, "sam", a); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	act(casestate.ActionEscalate, casestate.Action{Text: "the customer is about to leave"})
	stacktest.Eventually(t, "the lead's mail and chat", func() error {
		if m, c := len(box.Mails()), len(leads.Payloads()); m < 1 || c < 1 {
			return fmt.Errorf("%d mails, %d chat messages", m, c)
		}
		return nil
	})
	link := "http://console.test:8080/case/case/x/notify-1"
	if m := box.Mails()[0]; m.To != "sue@acme.example" || !strings.Contains(m.Data, link) || !strings.Contains(m.Data, "escalated to you (level 1)") {
		t.Fatalf("the lead's mail: %+v", m)
	}
	if c := leads.Payloads()[0]["text"].(string); !strings.Contains(c, "<"+link+"|Open the case>") {
		t.Fatalf("the lead's chat message: %q", c)
	}

	act(casestate.ActionRelabel, casestate.Action{Text: "a complaint about the move, not a question", Intent: "complaint"})
	act(casestate.ActionClaim, casestate.Action{})
	act(casestate.ActionReply, casestate.Action{Text: "Sorry Kim: we'll move your number today."})
	events, err := s.Cases.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Kind != casestate.EventReplied {
		t.Fatalf("the last step is %s, want the reply", last.Kind)
	}
	if got := len(down.Payloads()); got != 0 {
		t.Fatalf("the room that is down took %d messages", got)
	}
	// Once each: the escalation is not sent again while the relabel's
	// notice is retried.
	if m, c := len(box.Mails()), len(leads.Payloads()); m != 1 || c != 1 {
		t.Fatalf("%d mails and %d chat messages to the lead, want 1 and 1", m, c)
	}
}
