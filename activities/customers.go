package activities

import (
	"context"

	"golang.org/x/sync/singleflight"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/post"
)

// SharedCustomers puts one look-up of a customer's context in front of the
// posts that arrive for them at the same moment: concurrent look-ups for one
// customer share a single call. Without it a busy customer (a batch of
// thousands of posts, an angry thread) costs a visibility query per post,
// all at once, and the store serving them falls behind. Nothing is kept
// after the call: a claim or a link made a moment ago is seen by the next
// post, as a cache would not.
type SharedCustomers struct {
	inner Customers
	calls singleflight.Group
}

type customerContext struct {
	journeyID string
	cont      *casestate.Continuity
}

// NewSharedCustomers shares inner's concurrent look-ups per customer.
func NewSharedCustomers(inner Customers) *SharedCustomers {
	return &SharedCustomers{inner: inner}
}

// CustomerContext looks up the post's customer, sharing the call with every
// concurrent caller for that customer. A continuity that names the post's
// own case is dropped: a case does not follow itself.
func (s *SharedCustomers) CustomerContext(ctx context.Context, p post.Post) (string, *casestate.Continuity, error) {
	v, err, _ := s.calls.Do(p.CustomerKey(), func() (any, error) {
		// Every caller waits on this one call: it runs on its own clock,
		// not on the first caller's cancellation.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ContextTimeout)
		defer cancel()
		journeyID, cont, err := s.inner.CustomerContext(ctx, p)
		return customerContext{journeyID: journeyID, cont: cont}, err
	})
	if err != nil {
		return "", nil, err
	}
	c := v.(customerContext)
	if c.cont != nil && c.cont.CaseID == p.CaseID() {
		return c.journeyID, nil, nil
	}
	return c.journeyID, c.cont, nil
}
