package activities

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/post"
)

// SharedCustomers puts one look-up of a customer's context in front of the
// many posts that arrive for them at once: concurrent look-ups for one
// customer share a single call, and its answer serves that customer's
// posts for ttl. Without it a busy customer (a batch of thousands of posts,
// an angry thread) costs a visibility query per post, each slower than the
// last, and the store serving them all falls behind. The answer may be ttl
// old: a post that follows another by less than that may not see the other's
// case as open, as with visibility's own lag.
type SharedCustomers struct {
	inner Customers
	ttl   time.Duration
	now   func() time.Time
	calls singleflight.Group

	mu     sync.Mutex
	recent map[string]customerContext
}

type customerContext struct {
	journeyID string
	cont      *casestate.Continuity
	at        time.Time
}

// maxRecentCustomers bounds the answers kept; expired ones are swept first.
const maxRecentCustomers = 10_000

// NewSharedCustomers shares inner's answers for ttl.
func NewSharedCustomers(inner Customers, ttl time.Duration) *SharedCustomers {
	return &SharedCustomers{inner: inner, ttl: ttl, now: time.Now, recent: map[string]customerContext{}}
}

// CustomerContext answers from a recent look-up of the post's customer, or
// makes one (shared with every concurrent caller for that customer). A
// continuity that names the post's own case is dropped: a case does not
// follow itself.
func (s *SharedCustomers) CustomerContext(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	key := p.CustomerKey()
	s.mu.Lock()
	c, ok := s.recent[key]
	s.mu.Unlock()
	if !ok || s.now().Sub(c.at) > s.ttl {
		v, err, _ := s.calls.Do(key, func() (any, error) {
			// Every caller waits on this one call: it runs on its own
			// clock, not on the first caller's cancellation.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ContextTimeout)
			defer cancel()
			journeyID, cont, err := s.inner.CustomerContext(ctx, p)
			if err != nil {
				return nil, err
			}
			c := customerContext{journeyID: journeyID, cont: cont, at: s.now()}
			s.remember(key, c)
			return c, nil
		})
		if err != nil {
			return "", nil, err
		}
		c = v.(customerContext)
	}
	if c.cont != nil && c.cont.CaseID == p.CaseID() {
		return c.journeyID, nil, nil
	}
	return c.journeyID, c.cont, nil
}

func (s *SharedCustomers) remember(key string, c customerContext) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) >= maxRecentCustomers {
		for k, old := range s.recent {
			if s.now().Sub(old.at) > s.ttl {
				delete(s.recent, k)
			}
		}
		if len(s.recent) >= maxRecentCustomers {
			clear(s.recent) // all fresh: a burst of new customers, each asked once anyway
		}
	}
	s.recent[key] = c
}
