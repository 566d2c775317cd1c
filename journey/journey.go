// Package journey is one customer's whole story across posts, channels and
// departments. The CustomerJourney workflow keeps an Index: who the
// customer is (their linked identities) and which cases are theirs, a
// bounded record whatever the cases hold. A Journey is the story as read:
// the index with every case's trail, read from the cases themselves,
// merged in time order. Plain Go.
package journey

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
)

// Case is what a journey keeps of one of the customer's cases: enough to
// list it, route a new post by it and find its trail, which stays in the
// case.
type Case struct {
	CaseID     string    `json:"case_id"`
	Channel    string    `json:"channel"`
	Department string    `json:"department"`
	Assignee   string    `json:"assignee,omitempty"`
	Status     string    `json:"status"`
	Since      time.Time `json:"since"`
	Closed     bool      `json:"closed,omitempty"`
	Steps      int       `json:"steps,omitempty"` // its trail's length when it last reported
	Last       string    `json:"last,omitempty"`  // the kind of its latest step then
	LastAt     time.Time `json:"last_at,omitzero"`
}

// CaseUpdate is what a case reports about itself.
type CaseUpdate struct {
	Case   Case `json:"case"`
	Closed bool `json:"closed"`
}

// MaxCases bounds the cases an index keeps, so a journey's state stays a
// few hundred kilobytes through every continue-as-new however many posts
// the customer writes; past it the oldest closed cases leave the index
// (readers list the customer's cases from visibility too).
const MaxCases = 2000

// Index is what the journey workflow keeps: the customer's identity and
// their cases, oldest first.
type Index struct {
	Identity
	Cases []Case `json:"cases,omitempty"`
}

// UnmarshalJSON also reads a journey recorded before the index, which
// carried every step of every case: its timeline and open cases fold into
// the index, so a running journey continues with nothing lost but the
// texts (which its cases keep).
func (x *Index) UnmarshalJSON(b []byte) error {
	type plain Index
	var v struct {
		plain
		Timeline []Milestone `json:"timeline"`
		Open     []Case      `json:"open"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*x = Index(v.plain)
	open := map[string]bool{}
	for _, o := range v.Open {
		open[o.CaseID] = true
	}
	byCase := map[string]*Case{}
	var order []string
	for _, m := range v.Timeline {
		c, ok := byCase[m.CaseID]
		if !ok {
			c = &Case{CaseID: m.CaseID, Channel: m.Channel, Since: m.At, Closed: !open[m.CaseID]}
			byCase[m.CaseID] = c
			order = append(order, m.CaseID)
		}
		c.Steps++
		c.Last, c.LastAt = m.Kind, m.At
		if m.Department != "" {
			c.Department = m.Department
		}
	}
	for _, id := range order {
		x.Record(CaseUpdate{Case: *byCase[id], Closed: byCase[id].Closed})
	}
	for _, o := range v.Open {
		x.Record(CaseUpdate{Case: o})
	}
	return nil
}

// Record notes what a case reported, the latest report standing (a case's
// reports arrive in order, and a resolved case can be reopened; a report
// delivered twice changes nothing); the index keeps MaxCases.
func (x *Index) Record(u CaseUpdate) {
	if u.Case.CaseID == "" { // only makes sure the journey exists
		return
	}
	c := u.Case
	c.Closed = u.Closed
	if i := slices.IndexFunc(x.Cases, func(k Case) bool { return k.CaseID == c.CaseID }); i >= 0 {
		old := x.Cases[i]
		if c.Since.IsZero() || (!old.Since.IsZero() && old.Since.Before(c.Since)) {
			c.Since = old.Since
		}
		if c.Steps < old.Steps {
			c.Steps, c.Last, c.LastAt = old.Steps, old.Last, old.LastAt
		}
		x.Cases = slices.Delete(x.Cases, i, i+1)
	}
	i, _ := slices.BinarySearchFunc(x.Cases, c, bySince)
	x.Cases = slices.Insert(x.Cases, i, c)
	for len(x.Cases) > MaxCases {
		oldest := slices.IndexFunc(x.Cases, func(k Case) bool { return k.Closed })
		if oldest < 0 {
			oldest = 0
		}
		x.Cases = slices.Delete(x.Cases, oldest, oldest+1)
	}
}

func bySince(a, b Case) int { return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.CaseID, b.CaseID)) }

// Absorb merges another identity's index into this one.
func (x *Index) Absorb(other Index) {
	for _, c := range other.Cases {
		x.Record(CaseUpdate{Case: c, Closed: c.Closed})
	}
	for _, id := range other.Handles() {
		x.Link(id)
	}
}

// Link notes that identity belongs to this customer.
func (x *Index) Link(identity string) {
	if identity != x.CustomerID && !slices.Contains(x.Aliases, identity) {
		x.Aliases = append(x.Aliases, identity)
		slices.Sort(x.Aliases)
	}
}

// CheckLink says whether identity may be linked into this journey.
func (x *Index) CheckLink(identity string) error {
	switch {
	case identity == "":
		return policy.Refuse("identity", "name the identity to link (platform:id)")
	case identity == x.CustomerID:
		return policy.Refuse("identity", "cannot link %s to itself", identity)
	case x.MergedInto != "":
		return policy.Refuse("identity", "%s is linked into %s; link to that journey instead", x.CustomerID, x.MergedInto)
	}
	return nil
}

// Identity is who a journey belongs to: enough to find a customer's
// primary journey and their other handles.
type Identity struct {
	CustomerID string   `json:"customer_id"`
	Aliases    []string `json:"aliases,omitempty"`     // other identities linked to this customer
	MergedInto string   `json:"merged_into,omitempty"` // set when this identity was linked into another's journey
}

// Clone is a copy that shares nothing with i.
func (i Identity) Clone() Identity {
	i.Aliases = slices.Clone(i.Aliases)
	return i
}

// Equal says whether two identities name the same handles.
func (i Identity) Equal(o Identity) bool {
	return i.CustomerID == o.CustomerID && i.MergedInto == o.MergedInto && slices.Equal(i.Aliases, o.Aliases)
}

// Handles are the customer's identity and every identity linked to it.
func (i Identity) Handles() []string { return append([]string{i.CustomerID}, i.Aliases...) }

// Latest returns the open case a new post should follow, for continuity:
// of cases (oldest first), the most recent open one someone is working on,
// else the most recent open one; never the case except.
func Latest(cases []Case, except string) (Case, bool) {
	var found *Case
	for i := len(cases) - 1; i >= 0; i-- {
		o := &cases[i]
		if o.CaseID == except || o.Closed {
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
		return Case{}, false
	}
	return *found, true
}

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

// Journey is a customer's whole story as read: their identity, their cases
// (oldest first) and every step of those cases in time order.
type Journey struct {
	Identity
	Cases    []Case      `json:"cases"`
	Timeline []Milestone `json:"timeline"`
}

// Trail adds one case's steps to the timeline, in time order.
func (j *Journey) Trail(caseID, channel, policyVersion string, events []casestate.Event) {
	for _, e := range events {
		m := Milestone{At: e.At, CaseID: caseID, Seq: e.Seq, Kind: string(e.Kind), Channel: channel,
			Actor: e.Actor, Department: e.Department, Text: e.Text, Detail: e.Detail, SLA: e.SLA, PolicyVersion: policyVersion}
		if i, found := slices.BinarySearchFunc(j.Timeline, m, order); !found {
			j.Timeline = slices.Insert(j.Timeline, i, m)
		}
	}
}

// order sorts by time, then case, then the step's number in its case.
func order(a, b Milestone) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.Seq, b.Seq))
}

// Open are the cases still being worked.
func (j Journey) Open() []Case {
	return slices.DeleteFunc(slices.Clone(j.Cases), func(c Case) bool { return c.Closed })
}

// SeenBy is the journey as a viewer who may open the cases of the
// departments mayOpen allows sees it: every other case and its steps are
// left out, and withheld names each such case's department once, oldest
// case first, so the viewer learns that the customer has another case there
// and nothing of it. A case with no department (closed at triage, say) is
// asked about as "".
func (j Journey) SeenBy(mayOpen func(department string) bool) (seen Journey, withheld []string) {
	hidden := map[string]bool{}
	for _, c := range j.Cases {
		if !mayOpen(c.Department) {
			hidden[c.CaseID] = true
			withheld = append(withheld, c.Department)
		}
	}
	seen = j
	seen.Aliases = slices.Clone(j.Aliases)
	seen.Cases = slices.DeleteFunc(slices.Clone(j.Cases), func(c Case) bool { return hidden[c.CaseID] })
	seen.Timeline = slices.DeleteFunc(slices.Clone(j.Timeline), func(m Milestone) bool { return hidden[m.CaseID] })
	return seen, withheld
}
