package caseapi

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/slareport"
)

// PastCases reads the state and trail of every case opened since,
// parallel at a time so a long window neither crawls nor floods the
// workers with queries: what the SLA report and a what-if read. Cases
// listed but gone when read (their history passed retention in between)
// are counted, not fatal; any other error is.
func (c *Client) PastCases(ctx context.Context, since time.Time, parallel int) ([]slareport.Case, int, error) {
	ids, err := c.CasesOpenedSince(ctx, since)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*slareport.Case, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	var mu sync.Mutex
	gone := 0
	for i, id := range ids {
		g.Go(func() error {
			v, err := c.State(gctx, id)
			if err == nil {
				var ev []casestate.Event
				if ev, err = c.Events(gctx, id); err == nil {
					out[i] = &slareport.Case{View: v, Events: ev}
				}
			}
			if errors.Is(err, ErrNotFound) {
				mu.Lock()
				gone++
				mu.Unlock()
				return nil
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	read := make([]slareport.Case, 0, len(ids))
	for _, c := range out {
		if c != nil {
			read = append(read, *c)
		}
	}
	return read, gone, nil
}
