package policy

import "github.com/switchboard-care/switchboard/post"

// Triage is what triage found in one post: what routing decides on (see
// Signals and Decide). It lives here, beside the rules that read it, so
// the case domain and the workflows carry it without linking the triage
// engine and its language models.
type Triage struct {
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

// Signals are the facts of a triaged post that Decide routes on.
func (r Triage) Signals(p post.Post) Signals {
	return Signals{
		Intent:      r.Intent,
		Sentiment:   r.Sentiment,
		Followers:   p.Author.Followers,
		Verified:    p.Author.Verified,
		PropertyKey: p.PropertyKey(),
		Private:     r.Private || p.Private, // a direct message is private whatever it says
		NeedsReview: r.NeedsReview,
	}
}
