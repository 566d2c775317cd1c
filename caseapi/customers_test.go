package caseapi

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/post"
)

type countingCustomers struct {
	calls atomic.Int32
	open  string // the customer's open case
}

func (c *countingCustomers) look(context.Context, post.Post) (string, *casestate.Continuity, error) {
	c.calls.Add(1)
	time.Sleep(10 * time.Millisecond) // long enough for the callers to pile up
	return "journey/x:u1", &casestate.Continuity{CaseID: c.open, Department: "support"}, nil
}

func TestSharedLookupsAskOncePerCustomerAtATime(t *testing.T) {
	inner := &countingCustomers{open: "case/x/1"}
	var shared sharedLookups
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := post.Post{ID: string(rune('a' + i%26)), Platform: "x", Author: post.Author{ID: "u1"}}
			journey, cont, err := shared.do(context.Background(), p, inner.look)
			if err != nil || journey != "journey/x:u1" || cont == nil || cont.CaseID != "case/x/1" {
				t.Errorf("%s %+v %v", journey, cont, err)
			}
		}()
	}
	wg.Wait()
	if n := inner.calls.Load(); n != 1 {
		t.Fatalf("%d look-ups for one customer's 50 posts, want 1", n)
	}
	// The open case's own post does not follow itself.
	if _, cont, _ := shared.do(context.Background(), post.Post{ID: "1", Platform: "x", Author: post.Author{ID: "u1"}}, inner.look); cont != nil {
		t.Fatalf("the case follows itself: %+v", cont)
	}
	// Nothing is kept after the call: the next post asks again.
	if _, _, err := shared.do(context.Background(), post.Post{ID: "z", Platform: "x", Author: post.Author{ID: "u1"}}, inner.look); err != nil || inner.calls.Load() != 3 {
		t.Fatalf("later: %d look-ups, %v", inner.calls.Load(), err)
	}
}
