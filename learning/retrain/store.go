// Package retrain turns agents' corrections of triage into better models:
// it keeps the corrections, trains a candidate from the shipped data plus
// them, measures it against the model in use on corrections it did not
// learn from (learning.Judge decides), promotes it, and lets a worker switch
// to the promoted model while it runs.
package retrain

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

// Store keeps corrections as JSON lines, one durable append each. A record
// written twice (an activity retried) is read once: by its key.
type Store struct {
	path string
	file *jsonl.File
	log  *zap.Logger
}

// OpenStore opens (or creates) the corrections file at path.
func OpenStore(path string, log *zap.Logger) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := jsonl.OpenAppend(path, true)
	if err != nil {
		return nil, fmt.Errorf("open corrections: %w", err)
	}
	return &Store{path: path, file: f, log: log}, nil
}

// Add records corrections.
func (s *Store) Add(cs ...casestate.Correction) error {
	vs := make([]any, len(cs))
	for i, c := range cs {
		vs[i] = c
	}
	return s.file.Append(vs...)
}

// All reads every correction, each key once (the last written), in the
// order first written. A torn or malformed line is skipped and logged.
func (s *Store) All() ([]casestate.Correction, error) {
	var out []casestate.Correction
	at := map[string]int{}
	skipped, err := jsonl.Read(s.path, 4*post.MaxTextLength, func(line []byte) error {
		var c casestate.Correction
		if err := json.Unmarshal(line, &c); err != nil {
			return err
		}
		if c.Key == "" || c.Post.Text == "" {
			return errors.New("a correction needs a key and a post")
		}
		if i, ok := at[c.Key]; ok {
			out[i] = c
			return nil
		}
		at[c.Key] = len(out)
		out = append(out, c)
		return nil
	})
	jsonl.Warn(s.log, s.path, skipped)
	return out, err
}

// Close closes the file.
func (s *Store) Close() error { return s.file.Close() }

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
