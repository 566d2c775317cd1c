package publish

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Config is the `publishers:` key. Each real platform is off unless
// enabled; what is off goes to the sandbox outbox.
type Config struct {
	Meta MetaConfig `mapstructure:"meta"`
	X    XConfig    `mapstructure:"x"`
}

// RequestTimeout is the longest a request to a real platform may take.
func (c Config) RequestTimeout() time.Duration {
	return max(cmp.Or(c.Meta.Timeout, DefaultTimeout), cmp.Or(c.X.Timeout, DefaultTimeout))
}

// Router picks a publisher by the reply's platform, the sandbox outbox by
// default, and holds the private-channel rule for all of them.
type Router struct {
	Default    Publisher
	ByPlatform map[string]Publisher
}

// NewRouter builds the publishers cfg enables over the outbox; sent is
// required only if a real platform is enabled, hc may be nil.
func NewRouter(cfg Config, outbox Publisher, sent *SentStore, hc *http.Client) (*Router, error) {
	r := &Router{Default: outbox, ByPlatform: map[string]Publisher{}}
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

// Publish checks the private-channel rule, then hands the reply to its
// platform's publisher.
func (r *Router) Publish(ctx context.Context, rep Reply) (Receipt, error) {
	if rep.IdempotencyKey == "" {
		return Receipt{}, errors.New("publish: idempotency key is required")
	}
	if err := CheckPrivateChannel(rep); err != nil {
		return Receipt{}, err
	}
	if p, ok := r.ByPlatform[rep.Platform]; ok {
		return p.Publish(ctx, rep)
	}
	if r.Default == nil {
		return Receipt{}, fmt.Errorf("publish: no publisher for platform %q", rep.Platform)
	}
	return r.Default.Publish(ctx, rep)
}

// Permanent says an error will not go away by retrying the same reply: the
// private-channel rule or personal data in a public reply, an unknown outcome waiting for a person, or a
// platform refusal that is not a rate limit or server error. The publish
// activity should make these non-retryable.
func Permanent(err error) bool {
	var pc *PrivateChannelError
	var pd *PersonalDataError
	var unknown *UnknownOutcomeError
	var apiErr *APIError
	switch {
	case errors.As(err, &pc), errors.As(err, &pd), errors.As(err, &unknown):
		return true
	case errors.As(err, &apiErr):
		return !apiErr.Temporary()
	}
	return false
}
