package triage_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/triage"
)

// TestFailSafe holds the fail-safe rules: mistakes are not equal, and a
// routine post must not be closed as spam or sent to Legal, PR or the
// centre of excellence on weak evidence. Each post is worded as real
// customers word them (none of these texts is in the training data).
func TestFailSafe(t *testing.T) {
	e, pol := demoEngine(t)
	cases := []struct {
		name, property, text string
		notIntents           []string // intents it must not be given
		intent               string   // the intent it must be given, if any
		department           string   // where it must go, if checked
	}{
		{"a link alone is not spam", "x:@acme_help", "https://t.co/Tg5sQ0pLmv", []string{"spam"}, "", "support"},
		{"a screenshot link is not spam", "x:@acme_help", "@acme_help this is what the app shows me after the update https://t.co/Xq81LmZp2e", []string{"spam"}, "", "support"},
		{"a link with 'click here' is not spam", "x:@acme_help", "click here to see the error I get https://t.co/a1b2c3d4e5", []string{"spam"}, "", "support"},
		{"follow back to DM is a customer", "x:@acme_help", "@acme_help can you follow me back so I can DM you my details?", []string{"spam"}, "", "support"},
		{"stealing from me about my own bill is not a legal threat", "x:@acme_help", "@acme_help you are stealing $800 from me, my bill doubled and nobody can explain why", []string{"legal_threat"}, "", "support"},
		{"robbing me with fees is not a legal threat", "x:@acme_help", "this company is a scam, robbing me every month with hidden fees", []string{"legal_threat", "spam"}, "", "support"},
		{"who can I contact is not press", "x:@acme_help", "who can I contact about my booking?", []string{"press_inquiry"}, "", "support"},
		{"who do I speak to is not press, on the press account either", "x:@acme_news", "who do I speak to about a problem with my reservation?", []string{"press_inquiry"}, "", ""},
		{"a draining battery is not safety", "x:@acme_help", "my battery drains in half a day", []string{"safety"}, "", "support"},
		{"a warm phone is not safety", "x:@acme_help", "phone gets really hot when I play games and the battery is dying fast", []string{"safety"}, "", "support"},
		{"slang fire is not safety", "instagram:acme", "the new menu is fire 🔥", []string{"safety"}, "", ""},
		{"sarcasm is a complaint", "x:@acme_help", "wow, an outage right when the game is on!!!!", nil, "complaint", "support"},
		{"sarcasm is a complaint: love that for me", "x:@acme_help", "great, the app is down again. love that for me", nil, "complaint", "support"},
		{"negation is a complaint", "x:@acme_help", "not happy at all, the service is not good", nil, "complaint", "support"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mkPost(c.property, c.text)
			res := e.Triage(p)
			dec := pol.Decide(res.Signals(p))
			why := strings.Join(slices.Concat(res.Reasons, dec.Reasons), "; ")
			if slices.Contains(c.notIntents, res.Intent) || (c.intent != "" && res.Intent != c.intent) {
				t.Errorf("intent %s (want %q, not %v)\n%s", res.Intent, c.intent, c.notIntents, why)
			}
			if c.department != "" && dec.Department != c.department {
				t.Errorf("department %s, want %s\n%s", dec.Department, c.department, why)
			}
			if res.Spam || dec.Closed() {
				t.Errorf("closed as spam\n%s", why)
			}
		})
	}
}

// TestSuspicionNeedsReview: when the model alone leans to a high-stakes
// intent, the post is not routed so; the suspicion is in the reasons and
// the post needs review.
func TestSuspicionNeedsReview(t *testing.T) {
	e, pol := demoEngine(t)
	p := mkPost("x:@acme_help", "https://t.co/Tg5sQ0pLmv")
	res := e.Triage(p)
	if !res.NeedsReview || !slices.ContainsFunc(res.Reasons, func(r string) bool { return strings.HasPrefix(r, "suspected spam: model: spam") }) {
		t.Fatalf("needs review %t, reasons %q", res.NeedsReview, res.Reasons)
	}
	if dec := pol.Decide(res.Signals(p)); dec.Department != "support" {
		t.Fatalf("department %s, want the responder", dec.Department)
	}
	if res.ModelVersion == "" || res.ModelVersion != e.Model().Version {
		t.Fatalf("model version %q, engine's %q", res.ModelVersion, e.Model().Version)
	}
}

// TestNeedsReviewGoesToTheResponder: an unsure post goes to the property's
// responder, at its intent's priority, not to the intent's department.
func TestNeedsReviewGoesToTheResponder(t *testing.T) {
	_, pol := demoEngine(t)
	for _, c := range []struct {
		intent, property, sure, unsure string
	}{
		{"praise", "instagram:acme", "marketing", "support"},
		{"feedback", "x:@acme_help", "marketing", "support"},
		{"question", "x:@acme_news", "pr", "pr"},
	} {
		sure := pol.Decide(triage.Result{Intent: c.intent}.Signals(mkPost(c.property, "x")))
		unsure := pol.Decide(triage.Result{Intent: c.intent, NeedsReview: true}.Signals(mkPost(c.property, "x")))
		if sure.Department != c.sure || unsure.Department != c.unsure || unsure.Priority != sure.Priority {
			t.Errorf("%s on %s: %s %s sure, %s %s unsure; want %s, %s at the same priority", c.intent, c.property, sure.Department, sure.Priority, unsure.Department, unsure.Priority, c.sure, c.unsure)
		}
	}
}

// TestNegativePraiseNeedsReview: praise in a negative tone is far more often
// a misread complaint than praise.
func TestNegativePraiseNeedsReview(t *testing.T) {
	e, _ := demoEngine(t)
	res := e.Triage(mkPost("instagram:acme", "love love love how you lost my bag, awful, furious, disgusting"))
	if res.Intent == "praise" && !res.NeedsReview {
		t.Fatalf("negative praise (%.2f) not reviewed: %q", res.Sentiment, res.Reasons)
	}
}
