package retrain

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/learning"
	"github.com/switchboard-care/switchboard/triage"
)

// Measure reads an evaluation report as learning's figures.
func Measure(rep triage.Report) learning.Figures {
	f := learning.Figures{Model: rep.ModelVersion, Posts: rep.Posts, SpamFP: rep.SpamFalsePositives.Rate, WorstHighStakes: 1}
	if r := rep.Fields["intent"]; r != nil {
		f.Intent = r.Accuracy
	}
	if r := rep.Fields["department"]; r != nil {
		f.Dept = r.Accuracy
	}
	for _, s := range rep.HighStakes {
		if s.Of > 0 {
			f.WorstHighStakes = min(f.WorstHighStakes, s.Rate)
		}
	}
	return f
}

// Models keeps trained models in the shared store, each under its
// version, and the name of the promoted one: every worker triages with the
// model any of them promoted.
type Models struct{ store *kv.Store }

// The shared store's tables of models, and the key of the promoted one.
const (
	modelTable    = "triage_models"
	promotedTable = "triage_promoted"
	promotedKey   = "current"
)

// storedModel is a model as Encode writes it.
type storedModel struct {
	Meta    json.RawMessage `json:"meta"`
	Weights []byte          `json:"weights"`
}

// NewModels keeps models in store.
func NewModels(store *kv.Store) Models { return Models{store: store} }

// Save keeps model under its version.
func (m Models) Save(ctx context.Context, model *triage.Model) error {
	meta, weights, err := model.Encode()
	if err != nil {
		return err
	}
	if err := m.store.Put(ctx, modelTable, model.Version, storedModel{Meta: meta, Weights: weights}, time.Time{}); err != nil {
		return fmt.Errorf("save model %s: %w", model.Version, err)
	}
	return nil
}

// Load reads the model of version.
func (m Models) Load(ctx context.Context, version string) (*triage.Model, error) {
	var s storedModel
	ok, err := m.store.Get(ctx, modelTable, version, &s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("model %s: %w", version, err)
	case !ok:
		return nil, fmt.Errorf("model %s: not in the shared store", version)
	}
	return triage.DecodeModel(s.Meta, s.Weights)
}

// Current names the promoted model, "" when none has been.
func (m Models) Current(ctx context.Context) (string, error) {
	var v string
	_, err := m.store.Get(ctx, promotedTable, promotedKey, &v)
	return v, err
}

// Promote makes version the current model, once it loads: a reader sees
// the old name or the new.
func (m Models) Promote(ctx context.Context, version string) error {
	if _, err := m.Load(ctx, version); err != nil {
		return fmt.Errorf("promote %s: %w", version, err)
	}
	return m.store.Put(ctx, promotedTable, promotedKey, version, time.Time{})
}
