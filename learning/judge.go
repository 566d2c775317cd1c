// Package learning decides whether a model retrained from agents'
// corrections replaces the one in use. It is a leaf, so the retraining
// workflow carries its figures without linking the triage engine; the work
// itself is in learning/retrain.
package learning

import "fmt"

// Figures are how a model did on the held-out corrections.
type Figures struct {
	Model  string  `json:"model"`
	Posts  int     `json:"posts"`
	Intent float64 `json:"intent"`
	Dept   float64 `json:"department"`
	SpamFP float64 `json:"spam_false_positives"`
	// WorstHighStakes is the lowest precision of a high-stakes intent the
	// model gave at least once; 1 when it gave none.
	WorstHighStakes float64 `json:"worst_high_stakes_precision"`
}

// Candidate is a model trained from the shipped data plus the corrections,
// saved under its version, and how it and the current model did on the
// corrections held out of its training.
type Candidate struct {
	Version     string  `json:"version"`
	Corrections int     `json:"corrections"` // read from the store
	Skipped     int     `json:"skipped"`     // teaching no single intent
	Trained     int     `json:"trained"`     // learned from
	Current     Figures `json:"current"`
	Candidate   Figures `json:"candidate"`
}

// Verdict is the decision on a candidate model, with its reason.
type Verdict struct {
	Promote bool   `json:"promote"`
	Reason  string `json:"reason"`
}

// Judge promotes a candidate that is not worse than the current model on
// the held-out corrections: as many intents and departments right between
// them (a post sent to the right people with a slightly wrong label is
// worth as much as the other way round), no more customers closed as spam,
// and no lower high-stakes precision: those mistakes cost most and are
// never traded. With fewer than minPosts held out there is nothing to
// judge by.
func Judge(c Candidate, minPosts int) Verdict {
	cur, cand := c.Current, c.Candidate
	switch {
	case cand.Posts < minPosts:
		return Verdict{Reason: fmt.Sprintf("%d held-out corrections, fewer than the %d needed to judge a model", cand.Posts, minPosts)}
	case cand.SpamFP > cur.SpamFP:
		return Verdict{Reason: fmt.Sprintf("spam false positives %.1f%% are above the current model's %.1f%%", cand.SpamFP*100, cur.SpamFP*100)}
	case cand.WorstHighStakes < cur.WorstHighStakes:
		return Verdict{Reason: fmt.Sprintf("high-stakes precision %.1f%% is below the current model's %.1f%%", cand.WorstHighStakes*100, cur.WorstHighStakes*100)}
	}
	figures := fmt.Sprintf("on %d held-out corrections: intent %.1f%% (current %.1f%%), department %.1f%% (current %.1f%%)",
		cand.Posts, cand.Intent*100, cur.Intent*100, cand.Dept*100, cur.Dept*100)
	if cand.Intent+cand.Dept < cur.Intent+cur.Dept {
		return Verdict{Reason: "worse " + figures}
	}
	return Verdict{Promote: true, Reason: "not worse overall " + figures}
}
