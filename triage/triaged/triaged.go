// Package triaged holds the result of triage. It is a leaf package so the
// case domain and the workflows can carry a result without linking the
// triage engine and its language models.
package triaged

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
}
