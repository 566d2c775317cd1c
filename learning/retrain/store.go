// Package retrain turns agents' corrections of triage into better models:
// it keeps the corrections, trains a candidate from the shipped data plus
// them, measures it against the model in use on corrections it did not
// learn from (learning.Judge decides), promotes it, and lets a worker switch
// to the promoted model while it runs.
package retrain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/triage"
)

// Store keeps corrections in the shared store, each under its key: a
// record written twice (an activity retried) is kept once, as last written.
type Store struct{ store *kv.Store }

// correctionTable is the shared store's table of corrections.
const correctionTable = "triage_corrections"

// NewStore keeps corrections in store.
func NewStore(store *kv.Store) *Store { return &Store{store: store} }

// Add records corrections; one without a key or a post teaches nothing
// and is not kept.
func (s *Store) Add(ctx context.Context, cs ...casestate.Correction) error {
	for _, c := range cs {
		if c.Key == "" || c.Post.Text == "" {
			continue
		}
		if err := s.store.Put(ctx, correctionTable, c.Key, c, time.Time{}); err != nil {
			return fmt.Errorf("record correction: %w", err)
		}
	}
	return nil
}

// All reads every correction, in the order of their keys.
func (s *Store) All(ctx context.Context) ([]casestate.Correction, error) {
	return kv.All[casestate.Correction](ctx, s.store, correctionTable)
}

// Usable turns corrections into what a model learns from: each with the
// intent it teaches. A handoff teaches the intent whose route is its
// department, when exactly one intent routes there; the others teach
// nothing and are counted in skipped.
func Usable(cs []triage.Correction, intents []string, pol *policy.Policy) (usable []triage.Correction, skipped int) {
	for _, c := range cs {
		intent, ok := triage.CorrectionIntent(c, intents, func(intent string) string {
			return pol.Decide(policy.Signals{Intent: intent, PropertyKey: c.Post.PropertyKey()}).Department
		})
		if !ok {
			skipped++
			continue
		}
		c.Intent = intent
		usable = append(usable, c)
	}
	return usable, skipped
}

// ForTriage is what the triage engine learns from a case's correction.
func ForTriage(cs []casestate.Correction) []triage.Correction {
	out := make([]triage.Correction, len(cs))
	for i, c := range cs {
		out[i] = triage.Correction{Post: c.Post, Intent: c.Intent, Department: c.Department}
	}
	return out
}

// Split puts about share of the corrections in holdout, the rest in
// train, by a hash of each post's text: the same post always lands on the
// same side, so a model is never measured on what it learned from.
func Split(cs []triage.Correction, share float64) (train, holdout []triage.Correction) {
	for _, c := range cs {
		sum := sha256.Sum256([]byte(strings.TrimSpace(c.Post.Text)))
		if float64(binary.BigEndian.Uint64(sum[:8]))/float64(^uint64(0)) < share {
			holdout = append(holdout, c)
		} else {
			train = append(train, c)
		}
	}
	return train, holdout
}

// Labelled makes corrections an evaluation set: the post, expected to have
// the correction's intent and the department the policy routes it to.
func Labelled(cs []triage.Correction, pol *policy.Policy) []triage.Labelled {
	out := make([]triage.Labelled, len(cs))
	for i, c := range cs {
		dept := pol.Decide(policy.Signals{Intent: c.Intent, PropertyKey: c.Post.PropertyKey()}).Department
		out[i] = triage.Labelled{Post: c.Post, Expect: triage.Expect{Intent: c.Intent, Department: dept}}
	}
	return out
}
