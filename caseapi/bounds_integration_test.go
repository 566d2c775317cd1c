package caseapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-care/switchboard/casestate"
)

// A customer who writes 500 long follow-ups on one case: its trail is more
// than a gRPC message holds (4 MiB), yet the case reads whole, a page at a
// time (as `case show` and the journey export read it), and its newest
// steps read at once (the console shows those); past 4 MiB of history the
// case continued as new.
func TestACaseWithFiveHundredFollowUpsStaysReadable(t *testing.T) {
	h := newHarness(t)
	root := xPost("long-0", "talker", "my router drops every evening")
	root.CreatedAt = time.Now().UTC()
	if _, err := h.cases.Submit(h.ctx, root); err != nil {
		t.Fatal(err)
	}
	id := root.CaseID()
	h.waitStatus(id, casestate.StatusOpen)
	const followUps = 500
	filler := strings.Repeat("still dropping, here is the log again. ", 220) // ~8.6 KB
	var g errgroup.Group
	g.SetLimit(8)
	for i := 1; i <= followUps; i++ {
		g.Go(func() error {
			p := xPost(fmt.Sprintf("long-%d", i), "talker", fmt.Sprintf("%d: %s", i, filler))
			p.InReplyTo, p.ThreadID, p.CreatedAt = root.ID, root.ID, root.CreatedAt.Add(time.Duration(i)*time.Second)
			if out, err := h.cases.Submit(h.ctx, p); err != nil || out.CaseID != id {
				return fmt.Errorf("follow-up %d: %+v %v", i, out, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var events []casestate.Event
	h.eventually("every follow-up on the trail", func() (err error) {
		events, err = h.cases.Events(h.ctx, id)
		if err == nil && countKind(events, casestate.EventCustomer) != followUps {
			err = fmt.Errorf("%d follow-ups on the trail", countKind(events, casestate.EventCustomer))
		}
		return err
	})
	text := 0
	for _, e := range events {
		text += len(e.Text)
	}
	if text <= 4<<20 {
		t.Fatalf("the trail holds %d bytes of text, not more than a gRPC message", text)
	}
	latest, total, err := h.cases.LatestEvents(h.ctx, id, 200)
	if err != nil || len(latest) != 200 || total != len(events) || latest[len(latest)-1].Seq != events[len(events)-1].Seq {
		t.Fatalf("latest 200: %d of %d, %v", len(latest), total, err)
	}
	// The customer's journey export reads the same trail, whole.
	if j, err := h.cases.Journey(h.ctx, "x:talker"); err != nil || len(j.Timeline) != len(events) || len(j.Cases) != 1 {
		t.Fatalf("journey export: %d steps of %d cases, %v", len(j.Timeline), len(j.Cases), err)
	}
	runs := h.runs(id)
	if len(runs) < 2 {
		t.Fatalf("a %d MiB trail in one run: the case did not continue as new", text>>20)
	}
	largest, all := 0, 0
	for _, run := range runs {
		size := 0
		for _, e := range h.runHistory(id, run).Events {
			size += proto.Size(e)
		}
		largest, all = max(largest, size), all+size
	}
	t.Logf("%d follow-ups: %d trail steps, %.1f MiB of text, read in pages; %d runs, %.1f MiB of history in all, the largest run %.1f MiB",
		followUps, len(events), float64(text)/(1<<20), len(runs), float64(all)/(1<<20), float64(largest)/(1<<20))
}

func countKind(events []casestate.Event, kind casestate.EventKind) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
