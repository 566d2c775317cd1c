package casestate

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/policy"
)

func TestPrivateChannelRule(t *testing.T) {
	allowed := []string{
		"So sorry about this, Jane! Please send us a DM so we can look into it.",
		"We'd like to help - could you message us privately?",
		"Hi! Drop us a line in our inbox and we'll sort it out.",
		"Please DM us your account number and we'll check.",
		"We've sent you a private message :)",
		"Let's continue in Messenger: https://m.me/acme",
		"Message us at m.me/acme and we'll sort it out",
		"Ｐｌｅａｓｅ ＤＭ ｕｓ",
		"Please DM us: https://x.com/messages/compose?recipient_id=1500000000000000001",
	}
	for _, text := range allowed {
		if err := CheckPublicReply(text, AccountIssue, false); err != nil {
			t.Errorf("%q refused: %v", text, err)
		}
	}
	refused := map[string]string{
		"Your refund for order 10293847 went out today.":                     "number",
		"Please DM us. Your order 10293847 is delayed.":                      "number",
		"We'll refund the £49.99 - DM us for details":                        "money",
		"DM us, or see https://acme.example/refunds?order=A":                 "links",
		"Please DM us " + strings.Repeat("because we really care ", 15):      "characters",
		"Thanks for your patience, the billing team is reviewing your case.": "does not invite",
	}
	for text, why := range refused {
		err := CheckPublicReply(text, AccountIssue, false)
		var rule *policy.RuleError
		if !errors.As(err, &rule) || rule.Rule != "private-channel" || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v (want a refusal mentioning %q)", text, err, why)
		}
	}
	// The rule binds account matters only (public replies only: the case
	// asks it of those alone, see TestTheRuleBook).
	if err := CheckPublicReply("Order 10293847 ships today", "complaint", false); err != nil {
		t.Errorf("complaint: %v", err)
	}
	if err := CheckPublicReply("Order 10293847 ships today", "complaint", true); err == nil {
		t.Error("a private matter flagged by the routing is bound too")
	}
}

// The private-channel rule reads the text as a person would: after
// Unicode normalisation and through the usual disguises.
func TestPrivateChannelRuleSeesThroughDisguises(t *testing.T) {
	for text, why := range map[string]string{
		"DM us, your code is ٤٤١٠٠٨٧":                      "number",
		"DM us, your code is ۴۴۱۰۰۸۷":                      "number",
		"DM us about order ４４１００８７":                        "number",
		"DM us, order 44\u200b10\u200b087":                 "number",
		"Please DM us or write to jane(at)example(dot)com": "e-mail",
		"DM us, or jane [at] example [dot] com":            "e-mail",
		"DM us, see acme.example/orders/123":               "links to acme.example/orders/123",
		"DM us or check www.acme.example":                  "links",
		"We'll refund the 50 dollars, DM us":               "money",
		"We'll refund fifty dollars, DM us":                "money",
		"Twenty-five euros back to you, just DM us":        "money",
		"A few quid off your next one, DM us":              "money",
		"Refund of USD 20 coming, DM us":                   "money",
	} {
		err := CheckPublicReply(text, AccountIssue, false)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v (want a refusal mentioning %q)", text, err, why)
		}
	}
}

// No public reply carries a card number, an e-mail address or a phone
// number, whatever the case is about.
func TestPublicRepliesNeverCarryPersonalData(t *testing.T) {
	for text, kind := range map[string]string{
		"Your card 5500 0000 0000 0004 was charged twice, sorry!": "card number",
		"Card ٥٥٠٠ ٠٠٠٠ ٠٠٠٠ ٠٠٠٤ is fine now":                    "card number",
		"We wrote to jane.doe@example.com":                        "e-mail address",
		"We wrote to jane(at)example(dot)com":                     "e-mail address",
		"We wrote to jane dot doe at example dot com":             "e-mail address",
		"We'll call you on +44 7700 900123":                       "phone number",
		"We'll call you on ＋４４ ７７００ ９００１２３":                       "phone number",
		"Call us on (555) 123-4567":                               "phone number",
	} {
		for _, intent := range []string{"question", "complaint", AccountIssue} {
			err := CheckPublicReply(text, intent, false)
			var rule *policy.RuleError
			if !errors.As(err, &rule) || rule.Rule != "personal-data" || !strings.Contains(err.Error(), kind) {
				t.Errorf("%s: %q: %v (want rule personal-data naming %s)", intent, text, err, kind)
			}
		}
	}
	for _, text := range []string{
		"Order 10293847 ships today",
		"Fixed in release 2026.11, thanks for waiting!",
		"It costs £49.99 in store",
		"Please DM us: https://x.com/messages/compose?recipient_id=4111111111111111",
	} {
		if err := CheckPublicReply(text, "question", false); err != nil {
			t.Errorf("%q refused: %v", text, err)
		}
	}
}
