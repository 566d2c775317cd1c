package whatif

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/slareport"
)

// Options say what a comparison covers.
type Options struct {
	Departments []string  // only these departments' rows and moves; none for all
	Since       time.Time // the cases read opened at or after this
	AsOf        time.Time // the replays run up to this moment
}

// Report sets a policy (After) against another (Before) on the same past.
type Report struct {
	Since  time.Time `json:"since"`
	AsOf   time.Time `json:"as_of"`
	Before string    `json:"before"` // the policies' versions
	After  string    `json:"after"`
	Cases  int       `json:"cases"`
	// Gone counts the cases listed that were gone when read (their history
	// passed retention in between): not in the replay.
	Gone int `json:"gone"`
	// Faithful counts the cases whose replay under Before ends with the
	// same SLA outcomes (each clock met or missed) as they really had: how
	// far the replay can be trusted on this past.
	Faithful int `json:"faithful"`
	// Moved are the cases the new policy routes to another department or
	// priority, with the new routing's reasons.
	Moved []Move `json:"moved"`
	// Rows are the SLA figures per department and priority, both ways;
	// Total is every case's.
	Rows  []RowChange `json:"rows"`
	Total RowChange   `json:"total"`
	// Fired counts what the cases did by themselves, and what people had
	// to do, both ways.
	Fired Compared[Fired] `json:"fired"`
	// Load is each department's new cases by hour of day (UTC), both ways.
	Load []Load `json:"load"`
}

// Compared is a figure under the policy before and after.
type Compared[T any] struct {
	Before T `json:"before"`
	After  T `json:"after"`
}

// Move is a case the new policy routes otherwise.
type Move struct {
	CaseID  string   `json:"case_id"`
	From    Route    `json:"from"`
	To      Route    `json:"to"`
	Reasons []string `json:"reasons"` // the new routing's, rule by rule
}

// Route is where a post goes on arrival.
type Route struct {
	Department string `json:"department"`
	Priority   string `json:"priority"`
}

// RowChange is one department and priority's SLA figures both ways.
type RowChange struct {
	Department string                   `json:"department"`
	Priority   string                   `json:"priority"`
	Figures    Compared[*slareport.Row] `json:"figures"` // nil where the policy gives the row no case
	Attainment Compared[*float64]       `json:"first_response_attainment_pct"`
	Points     *float64                 `json:"points"` // after − before, when both have a figure
}

// Fired counts the steps cases took by themselves and the approvals their
// replies needed.
type Fired struct {
	Warnings     int            `json:"warnings"`
	Breaches     int            `json:"breaches"`
	Escalations  int            `json:"escalations"`
	Approvals    int            `json:"approvals"`     // replies drafted for an approver
	NewApprovals int            `json:"new_approvals"` // of those, approved at once for want of a real approval
	Refused      map[string]int `json:"refused"`       // the past's steps the rules refused, by rule
}

// Load is a department's new cases by hour of day.
type Load struct {
	Department string            `json:"department"`
	ByHour     Compared[[24]int] `json:"by_hour"`
}

// Compare replays every past case under before and under after and sets
// the two against each other.
func Compare(past []slareport.Case, before, after policy.Policy, opt Options) Report {
	rep := Report{Since: opt.Since, AsOf: opt.AsOf, Before: before.Version, After: after.Version, Cases: len(past), Moved: []Move{}}
	was, will := make([]slareport.Case, len(past)), make([]slareport.Case, len(past))
	load := map[string]*Load{}
	loadOf := func(dept string) *Load {
		if load[dept] == nil {
			load[dept] = &Load{Department: dept}
		}
		return load[dept]
	}
	rep.Fired.Before.Refused, rep.Fired.After.Refused = map[string]int{}, map[string]int{}
	for i, c := range past {
		b, a := Replay(c, before, opt.AsOf), Replay(c, after, opt.AsOf)
		was[i], will[i] = b.Case, a.Case
		rep.Fired.Before.add(b)
		rep.Fired.After.add(a)
		if outcomes(b.Events) == outcomes(c.Events) {
			rep.Faithful++
		}
		signals := originalTriage(c).Signals(c.View.Post)
		from, to := before.Decide(signals), after.Decide(signals)
		hour := c.View.OpenedAt.UTC().Hour()
		if !from.Closed() {
			loadOf(from.Department).ByHour.Before[hour]++
		}
		if !to.Closed() {
			loadOf(to.Department).ByHour.After[hour]++
		}
		if (from.Department != to.Department || from.Priority != to.Priority) && (covers(opt, from.Department) || covers(opt, to.Department)) {
			rep.Moved = append(rep.Moved, Move{CaseID: c.View.ID, From: Route{from.Department, string(from.Priority)},
				To: Route{to.Department, string(to.Priority)}, Reasons: to.Reasons})
		}
	}
	slices.SortFunc(rep.Moved, func(x, y Move) int { return cmp.Compare(x.CaseID, y.CaseID) })
	ro := slareport.Options{Departments: opt.Departments, Since: opt.Since, AsOf: opt.AsOf}
	rep.Rows, rep.Total = joinRows(slareport.Compute(was, ro), slareport.Compute(will, ro))
	for _, l := range load {
		if covers(opt, l.Department) {
			rep.Load = append(rep.Load, *l)
		}
	}
	slices.SortFunc(rep.Load, func(x, y Load) int { return cmp.Compare(x.Department, y.Department) })
	return rep
}

func covers(opt Options, dept string) bool {
	return len(opt.Departments) == 0 || slices.Contains(opt.Departments, dept)
}

func (f *Fired) add(r Replayed) {
	for _, e := range r.Events {
		switch e.Kind {
		case casestate.EventWarning:
			f.Warnings++
		case casestate.EventBreach:
			f.Breaches++
		case casestate.EventEscalated:
			f.Escalations++
		case casestate.EventDrafted:
			f.Approvals++
		}
	}
	f.NewApprovals += r.NewApprovals
	for _, rule := range r.Refused {
		f.Refused[rule]++
	}
}

// outcomes is a trail's SLA outcomes in order, as one comparable string:
// each clock's kind and whether it was met.
func outcomes(events []casestate.Event) string {
	var s []byte
	for _, e := range events {
		if e.Met != nil {
			s = append(s, string(e.Clock)...)
			if *e.Met {
				s = append(s, "+ "...)
			} else {
				s = append(s, "- "...)
			}
		}
	}
	return string(s)
}

// joinRows pairs the two reports' rows by department and priority.
func joinRows(before, after slareport.Report) ([]RowChange, RowChange) {
	byKey := map[[2]string]*RowChange{}
	var keys [][2]string
	put := func(r slareport.Row, set func(*RowChange, *slareport.Row)) {
		k := [2]string{r.Department, r.Priority}
		if byKey[k] == nil {
			byKey[k] = &RowChange{Department: r.Department, Priority: r.Priority}
			keys = append(keys, k)
		}
		set(byKey[k], &r)
	}
	for _, r := range before.Rows {
		put(r, func(c *RowChange, r *slareport.Row) { c.Figures.Before = r })
	}
	for _, r := range after.Rows {
		put(r, func(c *RowChange, r *slareport.Row) { c.Figures.After = r })
	}
	slices.SortFunc(keys, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	rows := make([]RowChange, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, byKey[k].settle())
	}
	total := RowChange{Department: slareport.All, Priority: slareport.All, Figures: Compared[*slareport.Row]{&before.Total, &after.Total}}
	return rows, total.settle()
}

// settle fills in the attainment figures and their change.
func (c RowChange) settle() RowChange {
	if c.Figures.Before != nil {
		c.Attainment.Before = c.Figures.Before.FirstResponse.Pct
	}
	if c.Figures.After != nil {
		c.Attainment.After = c.Figures.After.FirstResponse.Pct
	}
	if c.Attainment.Before != nil && c.Attainment.After != nil {
		d := *c.Attainment.After - *c.Attainment.Before
		c.Points = &d
	}
	return c
}

// CheckVersions refuses a changed policy that kept the version of the one
// it changes: a case records the version it ran under, so a version names
// one policy only.
func CheckVersions(before, after policy.Policy) error {
	if before.Version != after.Version {
		return nil
	}
	b, errB := json.Marshal(before)
	a, errA := json.Marshal(after)
	if errB != nil || errA != nil || !bytes.Equal(a, b) {
		return fmt.Errorf("policy.version is %q in both, but the policies differ: give the change a version of its own", after.Version)
	}
	return nil
}
