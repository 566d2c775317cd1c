package dispatch

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

var t0 = time.Date(2015, 11, 22, 9, 0, 0, 0, time.UTC)

func boardWith(mode string, capacity int, agents ...string) *Board {
	b := &Board{Department: "support", Mode: mode}
	for _, a := range agents {
		b.Shift(a, capacity, true)
	}
	return b
}

func queue(b *Board, n int) {
	for i := range n {
		b.Queued(Entry{CaseID: fmt.Sprintf("c%02d", i), Priority: policy.P3, QueuedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
}

func TestRoundRobinDealsInTurn(t *testing.T) {
	b := boardWith(policy.AssignRoundRobin, 20, "ana", "ben", "cy")
	queue(b, 30)
	dealt := b.Deal()
	if len(dealt) != 30 || len(b.Queue) != 0 {
		t.Fatalf("dealt %d, %d left", len(dealt), len(b.Queue))
	}
	for i, a := range dealt {
		if want := []string{"ana", "ben", "cy"}[i%3]; a.Agent != want {
			t.Fatalf("case %d to %s, want %s", i, a.Agent, want)
		}
	}
	if l := b.Load(); l["ana"] != 10 || l["ben"] != 10 || l["cy"] != 10 {
		t.Fatalf("load %v", l)
	}
}

func TestLeastLoadedFillsTheEmptiestFirst(t *testing.T) {
	b := boardWith(policy.AssignLeastLoaded, 20, "ana", "ben", "cy")
	queue(b, 6)
	b.Deal()
	// ana finishes her two cases; the next four go mostly to her.
	for _, id := range slices.Clone(b.Agents[0].Cases) {
		b.Gone(id)
	}
	for i := range 4 {
		b.Queued(Entry{CaseID: fmt.Sprintf("n%d", i), Priority: policy.P3, QueuedAt: t0.Add(time.Hour)})
	}
	b.Deal()
	if l := b.Load(); l["ana"] != 2 || l["ben"] != 3 || l["cy"] != 3 {
		t.Fatalf("load %v, want ana 2 ben 3 cy 3", l)
	}
	// 30 cases over three agents stay within one of each other.
	b = boardWith(policy.AssignLeastLoaded, 20, "ana", "ben", "cy")
	queue(b, 30)
	b.Deal()
	if l := b.Load(); l["ana"] != 10 || l["ben"] != 10 || l["cy"] != 10 {
		t.Fatalf("load %v", l)
	}
}

func TestUrgentAndOldestFirstWithinCapacity(t *testing.T) {
	b := boardWith(policy.AssignRoundRobin, 1, "ana")
	b.Queued(Entry{CaseID: "old-p3", Priority: policy.P3, QueuedAt: t0})
	b.Queued(Entry{CaseID: "new-p1", Priority: policy.P1, QueuedAt: t0.Add(time.Hour)})
	b.Queued(Entry{CaseID: "older-p1", Priority: policy.P1, QueuedAt: t0.Add(time.Minute)})
	dealt := b.Deal()
	if len(dealt) != 1 || dealt[0].CaseID != "older-p1" {
		t.Fatalf("dealt %v", dealt)
	}
	if len(b.Queue) != 2 || b.Queue[0].CaseID != "new-p1" {
		t.Fatalf("queue %v", b.Queue)
	}
}

func TestOffShiftReleasesCasesToOthers(t *testing.T) {
	b := boardWith(policy.AssignRoundRobin, 20, "ana", "ben", "cy")
	queue(b, 30)
	b.Deal()
	released := b.Shift("ben", 20, false)
	if len(released) != 10 {
		t.Fatalf("released %d", len(released))
	}
	for i, id := range released { // the cases come back through the queue
		b.Queued(Entry{CaseID: id, Priority: policy.P3, QueuedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	b.Deal()
	if l := b.Load(); l["ben"] != 0 || l["ana"]+l["cy"] != 30 || len(b.Queue) != 0 {
		t.Fatalf("load %v queue %d", l, len(b.Queue))
	}
}

func TestNobodyOnShiftKeepsTheQueue(t *testing.T) {
	b := boardWith(policy.AssignLeastLoaded, 5, "ana")
	b.Shift("ana", 5, false)
	queue(b, 3)
	if dealt := b.Deal(); len(dealt) != 0 || len(b.Queue) != 3 {
		t.Fatalf("dealt %v", dealt)
	}
	b.Shift("ana", 5, true)
	if dealt := b.Deal(); len(dealt) != 3 {
		t.Fatalf("dealt %v after shift start", dealt)
	}
}

func TestClaimedMovesLoad(t *testing.T) {
	b := boardWith(policy.AssignRoundRobin, 5, "ana", "ben")
	queue(b, 1)
	b.Deal() // to ana
	b.Claimed("c00", "ben")
	if l := b.Load(); l["ana"] != 0 || l["ben"] != 1 {
		t.Fatalf("load %v", l)
	}
	b.Gone("c00")
	if l := b.Load(); l["ben"] != 0 {
		t.Fatalf("load %v", l)
	}
}

func TestCheckShift(t *testing.T) {
	sam := policy.Actor{ID: "sam", Departments: []string{"support"}, Roles: []string{"agent"}}
	sue := policy.Actor{ID: "sue", Departments: []string{"support"}, Roles: []string{"lead"}}
	maya := policy.Actor{ID: "maya", Departments: []string{"marketing"}}
	if err := CheckShift("support", sam, "sam"); err != nil {
		t.Fatal(err)
	}
	if err := CheckShift("support", sue, "sam"); err != nil {
		t.Fatal(err)
	}
	if err := CheckShift("support", sam, "sofia"); err == nil {
		t.Fatal("an agent changed another's shift")
	}
	if err := CheckShift("support", maya, "maya"); err == nil {
		t.Fatal("an outsider joined support's shift")
	}
}
