package caseapi

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/post"
)

// ContextTimeout bounds a look-up of a customer's context (their journey,
// the open case to follow), inside intake's budget for a post
// (intake.submit_timeout, 10 s by default).
const ContextTimeout = 8 * time.Second

// sharedLookups puts one look-up of a customer's context in front of the
// posts that arrive for them at the same moment: concurrent look-ups for
// one customer share a single call. Without it a busy customer (a batch of
// thousands of posts, an angry thread) costs a visibility query per post,
// all at once, and the store serving them falls behind. Nothing is kept
// after the call: a claim or a link made a moment ago is seen by the next
// post, as a cache would not.
type sharedLookups struct {
	calls singleflight.Group
}

type customerContext struct {
	journeyID string
	cont      *casestate.Continuity
}

// do looks up the post's customer with look, sharing the call with every
// concurrent caller for that customer. A continuity that names the post's
// own case is dropped: a case does not follow itself.
func (s *sharedLookups) do(ctx context.Context, p post.Post,
	look func(context.Context, post.Post) (string, *casestate.Continuity, error)) (string, *casestate.Continuity, error) {
	v, err, _ := s.calls.Do(p.CustomerKey(), func() (any, error) {
		// Every caller waits on this one call: it runs on its own clock,
		// not on the first caller's cancellation.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ContextTimeout)
		defer cancel()
		journeyID, cont, err := look(ctx, p)
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
