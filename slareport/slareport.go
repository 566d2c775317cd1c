// Package slareport computes the SLA report from cases' audit trails: per
// department and priority, how many cases, how often the first response
// came in time, how long first responses and resolutions took, and how many
// breaches, escalations and handoffs there were. It is plain Go; the CLI
// fetches the cases from Temporal and hands them over.
//
// Definitions (docs/monitoring.md explains them to operators):
//
//   - Every figure comes from the structured SLA fields of casestate events
//     (Clock, ClockStarted, Target, Took, Met), never from their text.
//   - A clock is one SLA target that ran: identified by its department, kind
//     and start. A handoff gives the new department fresh clocks, so each
//     department is measured on the clocks it owned. A figure counts under
//     the department that owned the clock when it stopped or breached, and
//     the case's priority.
//   - Cases: the cases a department owned at some point. A case handed on
//     counts once for each department that owned it; the total counts it once.
//   - First-response attainment: first-response clocks met ÷ first-response
//     clocks with an outcome. Met: a reply by the due time. Missed: a reply
//     after it, or a breach. A clock that ended without either (the case was
//     handed off or resolved in time without a reply) or still runs has no
//     outcome yet and is left out.
//   - Time to first response: the working time (the department's business
//     hours, as the SLA measured it) from the clock's start to the reply,
//     late replies included. Time to resolution: the working time the
//     resolution clock ran until the case was resolved, time spent waiting
//     on the customer excluded; a reopened case's new clock is a new sample.
//   - Percentiles are nearest-rank: of n sorted samples, the p-th
//     percentile is the one at rank ⌈p·n/100⌉, so it is always a real
//     sample (see Percentile).
//   - Breaches: clocks of any kind (first response, next response,
//     resolution, approval) that went past their due time, each counted
//     once whether its breach timer fired, it was stopped late, or both.
//   - Escalations: escalation steps taken (each rung of the chain counts,
//     automatic or by hand). Handoffs: handoffs out of the department.
//   - Resolved unanswered: resolves that left the reply owed to the
//     customer unsent, each with the agent's reason on the trail ("no
//     reply needed", say); counted apart so that a queue emptied without
//     answers shows. Their first-response clock has no outcome.
package slareport

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
)

// Case is one case as the report reads it: the `state` and `events` query
// answers.
type Case struct {
	View   casestate.View
	Events []casestate.Event
}

// Options narrow and label a report.
type Options struct {
	Departments []string  // only rows of these departments; none for all
	Since       time.Time // the cases read started at or after this
	AsOf        time.Time // when the cases were read
}

// Report is the SLA report.
type Report struct {
	Since time.Time `json:"since"`
	AsOf  time.Time `json:"as_of"`
	// Read is how many cases were read; Unrouted of them never had an owner
	// (spam, closed at once or left in the spam queue, or still in triage)
	// and appear in no row.
	Read     int `json:"cases_read"`
	Unrouted int `json:"unrouted"`
	// Gone is how many listed cases could not be read: their history was
	// deleted (retention) between the list and the read. The reader sets it.
	Gone  int   `json:"gone"`
	Rows  []Row `json:"rows"`
	Total Row   `json:"total"` // all rows together; department and priority "all"
}

// All labels the total row.
const All = "all"

// Row is one department and priority.
type Row struct {
	Department          string       `json:"department"`
	Priority            string       `json:"priority"`
	Cases               int          `json:"cases"`
	FirstResponse       Attainment   `json:"first_response"`
	TimeToFirstResponse *Percentiles `json:"time_to_first_response"` // nil without a reply
	TimeToResolution    *Percentiles `json:"time_to_resolution"`     // nil without a resolution
	Breaches            int          `json:"breaches"`
	Escalations         int          `json:"escalations"`
	Handoffs            int          `json:"handoffs"`
	ResolvedUnanswered  int          `json:"resolved_unanswered"`
}

// acc gathers a row's figures before they are summarised.
type acc struct {
	Row
	cases          map[string]bool
	firstResponses []time.Duration
	resolutions    []time.Duration
}

func newAcc(dept, prio string) *acc {
	return &acc{Row: Row{Department: dept, Priority: prio}, cases: map[string]bool{}}
}

// Attainment counts clocks that met and missed their target.
type Attainment struct {
	Met    int      `json:"met"`
	Missed int      `json:"missed"`
	Pct    *float64 `json:"attainment_pct"` // nil when no clock has an outcome
}

// Percentiles summarise durations (nearest rank).
type Percentiles struct {
	N   int      `json:"n"`
	P50 Duration `json:"p50_seconds"`
	P90 Duration `json:"p90_seconds"`
	P99 Duration `json:"p99_seconds"`
}

// Duration is a time.Duration that JSON shows as seconds, so scripts can
// compare and add them.
type Duration time.Duration

// MarshalJSON writes the duration in seconds.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).Seconds()) }

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted,
// non-empty samples: the sample at rank ⌈p·n/100⌉ (1-based). Nearest rank never
// interpolates, so every figure is a time some customer actually waited.
func Percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ⌈p·n/100⌉ in integers
	return sorted[max(rank, 1)-1]
}

func summarise(samples []time.Duration) *Percentiles {
	if len(samples) == 0 {
		return nil
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return &Percentiles{N: len(s), P50: Duration(Percentile(s, 50)), P90: Duration(Percentile(s, 90)), P99: Duration(Percentile(s, 99))}
}

// clockID names one clock that ran: department, kind and start.
type clockID struct {
	dept    string
	kind    casestate.ClockKind
	started int64 // UnixNano: time.Time values from JSON differ in location pointers
}

type clockResult struct {
	id      clockID
	missed  bool // breached, or stopped late
	stopped bool // a reply, approval, rejection or resolution ended it
	took    time.Duration
}

// Compute builds the report from cases.
func Compute(cases []Case, opt Options) Report {
	rep := Report{Since: opt.Since, AsOf: opt.AsOf, Read: len(cases)}
	rows := map[[2]string]*acc{}
	row := func(dept, prio string) *acc {
		k := [2]string{dept, prio}
		if rows[k] == nil {
			rows[k] = newAcc(dept, prio)
		}
		return rows[k]
	}
	for _, c := range cases {
		if !tally(c, row) {
			rep.Unrouted++
		}
	}
	total := newAcc(All, All)
	for _, r := range rows {
		if len(opt.Departments) > 0 && !slices.Contains(opt.Departments, r.Department) {
			continue
		}
		total.add(r)
		rep.Rows = append(rep.Rows, r.finish())
	}
	rep.Total = total.finish()
	slices.SortFunc(rep.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Department, b.Department), cmp.Compare(a.Priority, b.Priority))
	})
	if rep.Rows == nil {
		rep.Rows = []Row{} // JSON: an empty list, not null
	}
	return rep
}

// tally adds one case to its rows; false when it never had an owner.
func tally(c Case, row func(dept, prio string) *acc) bool {
	prio := c.View.Priority
	var clocks []*clockResult // each clock once, however many events mention it
	byID := map[clockID]*clockResult{}
	owner, spam := "", false
	for _, e := range c.Events {
		switch e.Kind {
		case casestate.EventSpamQueued:
			spam = true
		case casestate.EventRescued:
			spam = false
		}
		if e.Department == "" || spam { // opened, triaged: before the case had an owner; in the spam queue: none
			continue
		}
		r := row(e.Department, prio)
		r.cases[c.View.ID] = true
		switch e.Kind {
		case casestate.EventHandedOff: // recorded under the receiving department
			if owner != "" {
				row(owner, prio).Handoffs++
			}
		case casestate.EventEscalated:
			r.Escalations++
		case casestate.EventResolved:
			if e.Unanswered {
				r.ResolvedUnanswered++
			}
		}
		owner = e.Department
		if e.Clock == "" || e.Met == nil {
			continue
		}
		id := clockID{dept: e.Department, kind: e.Clock, started: e.ClockStarted.UnixNano()}
		k := byID[id]
		if k == nil {
			k = &clockResult{id: id}
			byID[id] = k
			clocks = append(clocks, k)
		}
		if !*e.Met {
			k.missed = true
		}
		if e.Kind != casestate.EventBreach {
			k.stopped, k.took = true, e.Took
		}
	}
	for _, k := range clocks {
		r := row(k.id.dept, prio)
		if k.missed {
			r.Breaches++
		}
		switch k.id.kind {
		case casestate.ClockFirstResponse:
			if k.missed {
				r.FirstResponse.Missed++
			} else {
				r.FirstResponse.Met++
			}
			if k.stopped {
				r.firstResponses = append(r.firstResponses, k.took)
			}
		case casestate.ClockResolution:
			if k.stopped {
				r.resolutions = append(r.resolutions, k.took)
			}
		}
	}
	return owner != ""
}

func (r *acc) add(o *acc) {
	for id := range o.cases {
		r.cases[id] = true
	}
	r.FirstResponse.Met += o.FirstResponse.Met
	r.FirstResponse.Missed += o.FirstResponse.Missed
	r.firstResponses = append(r.firstResponses, o.firstResponses...)
	r.resolutions = append(r.resolutions, o.resolutions...)
	r.Breaches += o.Breaches
	r.Escalations += o.Escalations
	r.Handoffs += o.Handoffs
	r.ResolvedUnanswered += o.ResolvedUnanswered
}

// finish summarises the gathered figures into the row.
func (r *acc) finish() Row {
	r.Cases = len(r.cases)
	if n := r.FirstResponse.Met + r.FirstResponse.Missed; n > 0 {
		pct := 100 * float64(r.FirstResponse.Met) / float64(n)
		r.FirstResponse.Pct = &pct
	}
	r.TimeToFirstResponse = summarise(r.firstResponses)
	r.TimeToResolution = summarise(r.resolutions)
	return r.Row
}
