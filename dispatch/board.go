// Package dispatch deals a department's queued cases to its agents on shift:
// round robin, or to the least loaded, within each agent's capacity, the
// most urgent and then the oldest case first. It is plain Go; the
// Dispatcher workflow holds one Board per department.
package dispatch

import (
	"cmp"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/policy"
)

// Entry is a case waiting in the queue.
type Entry struct {
	CaseID   string          `json:"case_id"`
	Priority policy.Priority `json:"priority"`
	QueuedAt time.Time       `json:"queued_at"`
}

// Agent is an agent known to the board; Cases are those assigned to them.
type Agent struct {
	ID       string   `json:"id"`
	Capacity int      `json:"capacity"`
	OnShift  bool     `json:"on_shift"`
	Cases    []string `json:"cases,omitempty"`
}

func (a *Agent) free() bool { return a.OnShift && len(a.Cases) < a.Capacity }

// Board is one department's queue and agents. Slices, not maps, so every
// replay deals the same way.
type Board struct {
	Department string  `json:"department"`
	Mode       string  `json:"mode"`
	Queue      []Entry `json:"queue"`
	Agents     []Agent `json:"agents"` // sorted by id
	Next       int     `json:"next"`   // round robin: index of the agent dealt to next
	Dealt      int     `json:"dealt"`  // assignments made, for the record
}

// Assignment gives a case to an agent.
type Assignment struct {
	CaseID string `json:"case_id"`
	Agent  string `json:"agent"`
}

// Queued puts a case in the queue (again); it leaves any agent's load.
func (b *Board) Queued(e Entry) {
	b.Gone(e.CaseID)
	b.Queue = append(b.Queue, e)
}

// Claimed records that a case is an agent's, however it came to be.
func (b *Board) Claimed(caseID, agent string) {
	b.Gone(caseID)
	if a := b.agent(agent); a != nil {
		a.Cases = append(a.Cases, caseID)
	}
}

// Gone forgets a case: resolved, closed, or handed to another department.
func (b *Board) Gone(caseID string) {
	b.Queue = slices.DeleteFunc(b.Queue, func(e Entry) bool { return e.CaseID == caseID })
	for i := range b.Agents {
		b.Agents[i].Cases = slices.DeleteFunc(b.Agents[i].Cases, func(id string) bool { return id == caseID })
	}
}

// Shift puts an agent on or off shift. Going off returns their cases, which
// the caller sends back to the queue so others take them.
func (b *Board) Shift(agent string, capacity int, on bool) (release []string) {
	a := b.agent(agent)
	if a == nil {
		b.Agents = append(b.Agents, Agent{ID: agent})
		slices.SortFunc(b.Agents, func(x, y Agent) int { return cmp.Compare(x.ID, y.ID) })
		a = b.agent(agent)
	}
	a.Capacity, a.OnShift = capacity, on
	if on {
		return nil
	}
	release, a.Cases = a.Cases, nil
	return release
}

// Deal makes every assignment possible now, most urgent case first.
func (b *Board) Deal() []Assignment {
	slices.SortStableFunc(b.Queue, func(x, y Entry) int {
		if c := cmp.Compare(x.Priority, y.Priority); c != 0 {
			return c
		}
		return x.QueuedAt.Compare(y.QueuedAt)
	})
	var out []Assignment
	for len(b.Queue) > 0 {
		a := b.pick()
		if a == nil {
			break
		}
		e := b.Queue[0]
		b.Queue = b.Queue[1:]
		a.Cases = append(a.Cases, e.CaseID)
		b.Dealt++
		out = append(out, Assignment{CaseID: e.CaseID, Agent: a.ID})
	}
	return out
}

// pick chooses the agent for the next case, or nil if nobody has room.
func (b *Board) pick() *Agent {
	n := len(b.Agents)
	switch b.Mode {
	case policy.AssignRoundRobin:
		for i := range n {
			a := &b.Agents[(b.Next+i)%n]
			if a.free() {
				b.Next = (b.Next + i + 1) % n
				return a
			}
		}
	case policy.AssignLeastLoaded:
		var best *Agent
		for i := range n { // ties go to the agent after the last one dealt to
			a := &b.Agents[(b.Next+i)%n]
			if a.free() && (best == nil || len(a.Cases) < len(best.Cases)) {
				best = a
			}
		}
		if best != nil {
			b.Next = (slices.IndexFunc(b.Agents, func(x Agent) bool { return x.ID == best.ID }) + 1) % n
		}
		return best
	}
	return nil
}

func (b *Board) agent(id string) *Agent {
	for i := range b.Agents {
		if b.Agents[i].ID == id {
			return &b.Agents[i]
		}
	}
	return nil
}

// Load returns how many cases each agent holds, by id.
func (b *Board) Load() map[string]int {
	out := make(map[string]int, len(b.Agents))
	for _, a := range b.Agents {
		out[a.ID] = len(a.Cases)
	}
	return out
}

// CheckShift validates a shift change by an actor for an agent.
func CheckShift(dept string, actor policy.Actor, agent string) error {
	if !actor.In(dept) {
		return policy.Refuse("department-member", "%s is not in %s", actor.ID, dept)
	}
	if actor.ID != agent && !actor.Senior() {
		return policy.Refuse("shift-self", "only %s or a lead may change %s's shift", agent, agent)
	}
	return nil
}
