package platform

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/publish"
)

func TestRouterDefaultsToTheOutbox(t *testing.T) {
	outPath := filepath.Join(t.TempDir(), "outbox.jsonl")
	outbox, err := publish.NewOutbox(outPath, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRouter(publish.Config{}, outbox, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Platforms()) != 0 {
		t.Fatalf("real platforms by default: %v", r.Platforms())
	}
	ctx := context.Background()
	bad := publish.Reply{CaseID: "case/x/1", Platform: "x", Property: "@acme_help", InReplyTo: "1", Intent: casestate.AccountIssue,
		Text: "Your card ending 4242 was refunded", IdempotencyKey: "k1"}
	var rule *policy.RuleError
	if _, err := r.Publish(ctx, bad); !errors.As(err, &rule) || rule.Rule != "private-channel" || !publish.Permanent(err) {
		t.Fatalf("the rule holds on the sandbox too: %v", err)
	}
	good := bad
	good.Text, good.IdempotencyKey = "Sorry about that! Please send us a DM.", "k2"
	if _, err := r.Publish(ctx, good); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(ctx, publish.Reply{Platform: "x", Text: "t"}); err == nil {
		t.Fatal("no idempotency key")
	}
	entries, err := publish.ReadOutbox(outPath)
	if err != nil || len(entries) != 1 || entries[0].IdempotencyKey != "k2" || entries[0].Intent != casestate.AccountIssue {
		t.Fatalf("%v %+v", err, entries)
	}
}

func TestRouterSendsEnabledPlatformsForReal(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"77"}}` }
	outPath := filepath.Join(t.TempDir(), "outbox.jsonl")
	outbox, err := publish.NewOutbox(outPath, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	cfg := publish.Config{X: publish.XConfig{Enabled: true, BaseURL: p.srv.URL, Accounts: []publish.XAccount{{Property: "x:@acme_help", AccessToken: "tok"}}}}
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
	if rec, err := r.Publish(ctx, publish.Reply{CaseID: "c", Platform: "x", Property: "@acme_help", InReplyTo: "1", Text: "hi", IdempotencyKey: "a"}); err != nil || rec.ID != "77" {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := r.Publish(ctx, publish.Reply{CaseID: "c", Platform: "facebook", Property: "acme", InReplyTo: "1_2", Text: "hi", IdempotencyKey: "b"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := publish.ReadOutbox(outPath)
	if len(p.got()) != 1 || len(entries) != 1 || entries[0].Platform != "facebook" {
		t.Fatalf("%d real, outbox %+v", len(p.got()), entries)
	}
}
