// Package triaged holds the result of triage. It is a leaf package so the
// case domain and the workflows can carry a result without linking the
// triage engine and its language models.
package triaged

import (
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Result is what triage found in one post. Routing (department, priority)
// is the policy's job; see policy.Decide.
type Result struct {
	Intent     string   `json:"intent"`
	Confidence float64  `json:"confidence"` // the model's probability for Intent, 1 when a rule decided
	Sentiment  float64  `json:"sentiment"`  // VADER compound score, -1…1
	Language   string   `json:"language"`   // ISO 639-1 code, or "unknown"
	Spam       bool     `json:"spam"`
	Private    bool     `json:"private"`  // personal data seen: handle in a private channel
	Redacted   string   `json:"redacted"` // the text with personal data masked, for logs and summaries
	Reasons    []string `json:"reasons"`
	// NeedsReview marks a post the engine is unsure of, or suspects of a
	// high-stakes intent without the evidence to route it so: it goes to the
	// property's responder for a person to read, not to a guess.
	NeedsReview bool `json:"needs_review"`
	// ModelVersion names the intent model that triaged the post.
	ModelVersion string `json:"model_version"`
}

// Signals are the facts of a triaged post that policy.Decide routes on.
func (r Result) Signals(p post.Post) policy.Signals {
	return policy.Signals{
		Intent:      r.Intent,
		Sentiment:   r.Sentiment,
		Followers:   p.Author.Followers,
		Verified:    p.Author.Verified,
		PropertyKey: p.PropertyKey(),
		Private:     r.Private || p.Private, // a direct message is private whatever it says
		NeedsReview: r.NeedsReview,
	}
}
