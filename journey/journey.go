// Package journey is one customer's whole story across posts, channels and
// departments: an ordered timeline of every case's milestones, the cases
// still open, and the identities linked to the customer. Plain Go; the
// CustomerJourney workflow holds one.
package journey

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
)

// Milestone is one step of one case, as the case recorded it.
type Milestone struct {
	At            time.Time `json:"at"`
	CaseID        string    `json:"case_id"`
	Seq           int       `json:"seq"` // the step's number in its case's trail
	Kind          string    `json:"kind"`
	Channel       string    `json:"channel"`
	Actor         string    `json:"actor"`
	Department    string    `json:"department,omitempty"`
	Text          string    `json:"text,omitempty"`
	Detail        string    `json:"detail,omitempty"`
	SLA           string    `json:"sla,omitempty"`
	PolicyVersion string    `json:"policy_version,omitempty"`
}

// OpenCase is a case of the customer that is still being worked.
type OpenCase struct {
	CaseID     string    `json:"case_id"`
	Channel    string    `json:"channel"`
	Department string    `json:"department"`
	Assignee   string    `json:"assignee,omitempty"`
	Status     string    `json:"status"`
	Since      time.Time `json:"since"`
}

// Journey is one customer's record. Slices keep a stable order for replays.
type Journey struct {
	CustomerID string      `json:"customer_id"`
	Aliases    []string    `json:"aliases,omitempty"`     // other identities linked to this customer
	MergedInto string      `json:"merged_into,omitempty"` // set when this identity was linked into another's journey
	Timeline   []Milestone `json:"timeline"`
	Open       []OpenCase  `json:"open,omitempty"`
}

// CaseUpdate is what a case reports: its new milestones and where it stands.
type CaseUpdate struct {
	Case       OpenCase    `json:"case"`
	Closed     bool        `json:"closed"`
	Milestones []Milestone `json:"milestones"`
}

// Record adds a case's milestones (ignoring ones already recorded: signals
// can arrive twice) in time order, and tracks whether the case is open.
func (j *Journey) Record(u CaseUpdate) {
	if u.Case.CaseID == "" { // only makes sure the journey exists
		return
	}
	for _, m := range u.Milestones {
		j.add(m)
	}
	j.Open = slices.DeleteFunc(j.Open, func(o OpenCase) bool { return o.CaseID == u.Case.CaseID })
	if !u.Closed {
		j.Open = append(j.Open, u.Case)
		slices.SortFunc(j.Open, func(a, b OpenCase) int {
			return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.CaseID, b.CaseID))
		})
	}
}

func (j *Journey) add(m Milestone) {
	i, found := slices.BinarySearchFunc(j.Timeline, m, order)
	if found {
		return
	}
	j.Timeline = slices.Insert(j.Timeline, i, m)
}

// order sorts by time, then case, then the step's number in its case.
func order(a, b Milestone) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.Seq, b.Seq))
}

// Absorb merges another identity's journey into this one: timelines
// interleave in time order, open cases and aliases join.
func (j *Journey) Absorb(other Journey) {
	for _, m := range other.Timeline {
		j.add(m)
	}
	for _, o := range other.Open {
		j.Record(CaseUpdate{Case: o})
	}
	for _, id := range append([]string{other.CustomerID}, other.Aliases...) {
		j.Link(id)
	}
}

// Link notes that identity belongs to this customer.
func (j *Journey) Link(identity string) {
	if identity != j.CustomerID && !slices.Contains(j.Aliases, identity) {
		j.Aliases = append(j.Aliases, identity)
		slices.Sort(j.Aliases)
	}
}

// CheckLink says whether identity may be linked into this journey.
func (j *Journey) CheckLink(identity string) error {
	switch {
	case identity == "":
		return fmt.Errorf("rule identity: name the identity to link (platform:id)")
	case identity == j.CustomerID:
		return fmt.Errorf("rule identity: cannot link %s to itself", identity)
	case j.MergedInto != "":
		return fmt.Errorf("rule identity: %s is linked into %s; link to that journey instead", j.CustomerID, j.MergedInto)
	}
	return nil
}

// Identity is who a journey belongs to, without its timeline: enough to
// find a customer's primary journey and their other handles.
type Identity struct {
	CustomerID string   `json:"customer_id"`
	Aliases    []string `json:"aliases,omitempty"`
	MergedInto string   `json:"merged_into,omitempty"`
}

// Identity returns who the journey belongs to.
func (j *Journey) Identity() Identity {
	return Identity{CustomerID: j.CustomerID, Aliases: slices.Clone(j.Aliases), MergedInto: j.MergedInto}
}

// Equal says whether two identities name the same handles.
func (i Identity) Equal(o Identity) bool {
	return i.CustomerID == o.CustomerID && i.MergedInto == o.MergedInto && slices.Equal(i.Aliases, o.Aliases)
}

// Handles are the customer's identity and every identity linked to it.
func (i Identity) Handles() []string { return append([]string{i.CustomerID}, i.Aliases...) }

// Latest returns the open case a new post should follow, for continuity:
// of open (oldest first), the most recent one someone is working on, else
// the most recent one; never the case except.
func Latest(open []OpenCase, except string) (OpenCase, bool) {
	var found *OpenCase
	for i := len(open) - 1; i >= 0; i-- {
		o := &open[i]
		if o.CaseID == except {
			continue
		}
		if o.Assignee != "" {
			return *o, true
		}
		if found == nil {
			found = o
		}
	}
	if found == nil {
		return OpenCase{}, false
	}
	return *found, true
}

// FromEvents turns a case's trail into milestones, from the step after
// `after` on.
func FromEvents(caseID, channel, policyVersion string, events []casestate.Event, after int) []Milestone {
	var out []Milestone
	for _, e := range events[after:] {
		out = append(out, Milestone{At: e.At, CaseID: caseID, Seq: e.Seq, Kind: string(e.Kind), Channel: channel,
			Actor: e.Actor, Department: e.Department, Text: e.Text, Detail: e.Detail, SLA: e.SLA, PolicyVersion: policyVersion})
	}
	return out
}

// SeenBy is the journey as a viewer who may open the cases of the
// departments mayOpen allows sees it: every other case's milestones and
// open entry are left out, and withheld names each such case's department
// once, in the order the cases began, so the viewer learns that the
// customer has another case there and nothing of it. A case's department is
// the one it is open with, else the last one its milestones name, else ""
// (a case closed at triage, say), which mayOpen is asked about too.
func (j Journey) SeenBy(mayOpen func(department string) bool) (seen Journey, withheld []string) {
	dept := map[string]string{}
	var order []string
	for _, m := range j.Timeline {
		if _, ok := dept[m.CaseID]; !ok {
			order = append(order, m.CaseID)
			dept[m.CaseID] = ""
		}
		if m.Department != "" {
			dept[m.CaseID] = m.Department
		}
	}
	for _, o := range j.Open {
		if _, ok := dept[o.CaseID]; !ok {
			order = append(order, o.CaseID)
		}
		dept[o.CaseID] = o.Department
	}
	hidden := map[string]bool{}
	for _, id := range order {
		if d := dept[id]; !mayOpen(d) {
			hidden[id] = true
			withheld = append(withheld, d)
		}
	}
	seen = j
	seen.Timeline = slices.DeleteFunc(slices.Clone(j.Timeline), func(m Milestone) bool { return hidden[m.CaseID] })
	seen.Open = slices.DeleteFunc(slices.Clone(j.Open), func(o OpenCase) bool { return hidden[o.CaseID] })
	return seen, withheld
}
