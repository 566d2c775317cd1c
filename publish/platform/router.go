// Package platform publishes replies on the real platforms, over their HTTP
// APIs: Meta's Graph API and X's API v2, each made idempotent by the
// SentStore, and the Router that picks one by the reply's platform or falls
// back to the sandbox outbox. It is apart from package publish so that what
// only names replies (the workflows, the configuration) links no HTTP.
package platform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/switchboard-care/switchboard/publish"
)

// Router picks a publisher by the reply's platform, the sandbox outbox by
// default, and holds the private-channel rule for all of them.
type Router struct {
	Default    publish.Publisher
	ByPlatform map[string]publish.Publisher
}

// NewRouter builds the publishers cfg enables over the outbox; sent is
// required only if a real platform is enabled, hc may be nil.
func NewRouter(cfg publish.Config, outbox publish.Publisher, sent *SentStore, hc *http.Client) (*Router, error) {
	r := &Router{Default: outbox, ByPlatform: map[string]publish.Publisher{}}
	if cfg.Meta.Enabled {
		m, err := NewMeta(cfg.Meta, sent, hc)
		if err != nil {
			return nil, err
		}
		r.ByPlatform["facebook"], r.ByPlatform["instagram"] = m, m
	}
	if cfg.X.Enabled {
		x, err := NewX(cfg.X, sent, hc)
		if err != nil {
			return nil, err
		}
		r.ByPlatform["x"] = x
	}
	return r, nil
}

// Platforms lists the platforms published for real.
func (r *Router) Platforms() []string {
	out := make([]string, 0, len(r.ByPlatform))
	for p := range r.ByPlatform {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Publish checks what a public reply may say, then hands the reply to its
// platform's publisher.
func (r *Router) Publish(ctx context.Context, rep publish.Reply) (publish.Receipt, error) {
	if rep.IdempotencyKey == "" {
		return publish.Receipt{}, errors.New("publish: idempotency key is required")
	}
	if err := rep.CheckPublic(); err != nil {
		return publish.Receipt{}, err
	}
	if p, ok := r.ByPlatform[rep.Platform]; ok {
		return p.Publish(ctx, rep)
	}
	if r.Default == nil {
		return publish.Receipt{}, fmt.Errorf("publish: no publisher for platform %q", rep.Platform)
	}
	return r.Default.Publish(ctx, rep)
}
