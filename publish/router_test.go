package publish

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestPrivateChannelRule(t *testing.T) {
	allowed := []string{
		"So sorry about this, Jane! Please send us a DM so we can look into it.",
		"We'd like to help - could you message us privately?",
		"Hi! Drop us a line in our inbox and we'll sort it out.",
		"Please DM us your account number and we'll check.",
		"We've sent you a private message :)",
		"Let's continue in Messenger: https://m.me/acme",
		"Please DM us: https://x.com/messages/compose?recipient_id=1500000000000000001",
	}
	for _, text := range allowed {
		if err := CheckPrivateChannel(Reply{CaseID: "c", Intent: AccountIssue, Text: text}); err != nil {
			t.Errorf("%q refused: %v", text, err)
		}
	}
	refused := map[string]string{
		"Your refund for order 10293847 went out today.":                     "number",
		"Please DM us. Your order 10293847 is delayed.":                      "number",
		"DM us or email jane.doe@example.com":                                "e-mail",
		"We'll refund the £49.99 - DM us for details":                        "money",
		"DM us, or see https://acme.example/refunds?order=A":                 "links",
		"Please DM us " + strings.Repeat("because we really care ", 15):      "characters",
		"Thanks for your patience, the billing team is reviewing your case.": "does not invite",
	}
	for text, why := range refused {
		err := CheckPrivateChannel(Reply{CaseID: "case/x/1", Intent: AccountIssue, Text: text})
		var pc *PrivateChannelError
		if !errors.As(err, &pc) || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "case/x/1") {
			t.Errorf("%q: %v (want a refusal mentioning %q)", text, err, why)
		}
	}
	// The rule binds account matters only, and public replies only.
	if err := CheckPrivateChannel(Reply{Intent: "complaint", Text: "Order 10293847 ships today"}); err != nil {
		t.Errorf("complaint: %v", err)
	}
	if err := CheckPrivateChannel(Reply{Intent: AccountIssue, Private: true, Text: "Order 10293847 ships today, refund £4"}); err != nil {
		t.Errorf("private reply: %v", err)
	}
	if err := CheckPrivateChannel(Reply{Intent: "complaint", PrivateMatter: true, Text: "Order 10293847 ships today"}); err == nil {
		t.Error("a private matter flagged by the routing is bound too")
	}
}

func TestRouterDefaultsToTheOutbox(t *testing.T) {
	outPath := filepath.Join(t.TempDir(), "outbox.jsonl")
	outbox, err := NewOutbox(outPath, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRouter(Config{}, outbox, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Platforms()) != 0 {
		t.Fatalf("real platforms by default: %v", r.Platforms())
	}
	ctx := context.Background()
	bad := Reply{CaseID: "case/x/1", Platform: "x", Property: "@acme_help", InReplyTo: "1", Intent: AccountIssue,
		Text: "Your card ending 4242 was refunded", IdempotencyKey: "k1"}
	var pc *PrivateChannelError
	if _, err := r.Publish(ctx, bad); !errors.As(err, &pc) || !Permanent(err) {
		t.Fatalf("the rule holds on the sandbox too: %v", err)
	}
	good := bad
	good.Text, good.IdempotencyKey = "Sorry about that! Please send us a DM.", "k2"
	if _, err := r.Publish(ctx, good); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx, Reply{Platform: "x", Text: "t"}); err == nil {
		t.Fatal("no idempotency key")
	}
	entries, err := ReadOutbox(outPath)
	if err != nil || len(entries) != 1 || entries[0].IdempotencyKey != "k2" || entries[0].Intent != AccountIssue {
		t.Fatalf("%v %+v", err, entries)
	}
}

func TestRouterSendsEnabledPlatformsForReal(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"77"}}` }
	outPath := filepath.Join(t.TempDir(), "outbox.jsonl")
	outbox, err := NewOutbox(outPath, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{X: XConfig{Enabled: true, BaseURL: p.srv.URL, Accounts: []XAccount{{Property: "x:@acme_help", AccessToken: "tok"}}}}
	if _, err := NewRouter(cfg, outbox, nil, nil); err == nil {
		t.Fatal("a real platform without a sent store")
	}
	r, err := NewRouter(cfg, outbox, openStore(t), http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Platforms(); len(got) != 1 || got[0] != "x" {
		t.Fatalf("%v", got)
	}
	ctx := context.Background()
	if rec, err := r.Publish(ctx, Reply{CaseID: "c", Platform: "x", Property: "@acme_help", InReplyTo: "1", Text: "hi", IdempotencyKey: "a"}); err != nil || rec.ID != "77" {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := r.Publish(ctx, Reply{CaseID: "c", Platform: "facebook", Property: "acme", InReplyTo: "1_2", Text: "hi", IdempotencyKey: "b"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := ReadOutbox(outPath)
	if len(p.got()) != 1 || len(entries) != 1 || entries[0].Platform != "facebook" {
		t.Fatalf("%d real, outbox %+v", len(p.got()), entries)
	}
}
