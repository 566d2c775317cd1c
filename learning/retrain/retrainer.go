package retrain

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/learning"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

// Retrainer trains candidate models from the corrections in a store.
type Retrainer struct {
	Live    *Live // the engine in use: the baseline, and what learns
	Policy  *policy.Policy
	Intents []string
	Store   *Store
	Models  Models
	// HoldoutShare of the corrections measures the models and is never
	// learned from.
	HoldoutShare float64
}

// Train learns a candidate from the shipped data plus the corrections not
// held out, saves it under its version, and measures it and the current
// model on the held-out ones.
func (r *Retrainer) Train(ctx context.Context) (learning.Candidate, error) {
	all, err := r.Store.All(ctx)
	if err != nil {
		return learning.Candidate{}, err
	}
	usable, skipped := Usable(ForTriage(all), r.Intents, r.Policy)
	train, holdout := Split(usable, r.HoldoutShare)
	current := r.Live.Engine()
	model, err := current.Learn(train)
	if err != nil {
		return learning.Candidate{}, err
	}
	if err := r.Models.Save(ctx, model); err != nil {
		return learning.Candidate{}, err
	}
	candidate, err := current.WithModel(model)
	if err != nil {
		return learning.Candidate{}, err
	}
	measure := Labelled(holdout, r.Policy)
	baseline, err := current.WithModel(current.Model()) // a fresh duplicate window, as the candidate's
	if err != nil {
		return learning.Candidate{}, err
	}
	return learning.Candidate{
		Version: model.Version, Corrections: len(all), Skipped: skipped, Trained: len(train),
		Current:   Measure(triage.Evaluate(baseline, r.Policy, measure)),
		Candidate: Measure(triage.Evaluate(candidate, r.Policy, measure)),
	}, nil
}

// Live is the triage engine a worker uses, switched to the promoted model
// when one is promoted, without a restart. Safe for concurrent use.
type Live struct {
	base   *triage.Engine // as configured: the shipped model, or triage.model_dir
	models Models
	log    *zap.Logger
	inUse  atomic.Pointer[liveEngine]
}

// liveEngine is the engine in use and the promoted version it triages
// with ("" for base), swapped together.
type liveEngine struct {
	engine  *triage.Engine
	version string
}

// NewLive starts with the promoted model in models, if any, else base.
func NewLive(base *triage.Engine, models Models, log *zap.Logger) (*Live, error) {
	l := &Live{base: base, models: models, log: log}
	l.inUse.Store(&liveEngine{engine: base})
	return l, l.Refresh(context.Background())
}

// Triage triages with the engine in use.
func (l *Live) Triage(p post.Post) policy.Triage { return l.Engine().Triage(p) }

// Engine is the engine in use.
func (l *Live) Engine() *triage.Engine { return l.inUse.Load().engine }

// Refresh switches to the promoted model if it changed.
func (l *Live) Refresh(ctx context.Context) error {
	v, err := l.models.Current(ctx)
	if err != nil || v == "" || v == l.inUse.Load().version {
		return err
	}
	m, err := l.models.Load(ctx, v)
	if err != nil {
		return fmt.Errorf("promoted model: %w", err)
	}
	e, err := l.base.WithModel(m)
	if err != nil {
		return err
	}
	l.inUse.Store(&liveEngine{engine: e, version: v})
	l.log.Info("triage switched to the promoted model", zap.String("model", v), zap.Int("corrections", m.Corrections))
	return nil
}

// Watch refreshes every interval until ctx is done, so every worker picks
// up a model another one promoted.
func (l *Live) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Refresh(ctx); err != nil {
				l.log.Warn("triage model refresh failed", zap.Error(err))
			}
		}
	}
}
