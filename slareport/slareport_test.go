package slareport_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/slareport"
)

func TestPercentileIsNearestRank(t *testing.T) {
	mins := func(ms ...int) []time.Duration {
		var out []time.Duration
		for _, m := range ms {
			out = append(out, time.Duration(m)*time.Minute)
		}
		return out
	}
	for _, tc := range []struct {
		samples []time.Duration
		p       int
		want    time.Duration
	}{
		// The textbook example of the nearest-rank method.
		{mins(15, 20, 35, 40, 50), 5, 15 * time.Minute},
		{mins(15, 20, 35, 40, 50), 30, 20 * time.Minute},
		{mins(15, 20, 35, 40, 50), 40, 20 * time.Minute},
		{mins(15, 20, 35, 40, 50), 50, 35 * time.Minute},
		{mins(15, 20, 35, 40, 50), 100, 50 * time.Minute},
		// Ten samples: p50 is the 5th, p90 the 9th, p99 rounds up to the 10th.
		{mins(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Minute},
		{mins(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Minute},
		{mins(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Minute},
		{mins(7), 50, 7 * time.Minute},
		{mins(7), 99, 7 * time.Minute},
		{mins(1, 2), 50, 1 * time.Minute},
		{mins(1, 2), 51, 2 * time.Minute},
	} {
		if got := slareport.Percentile(tc.samples, tc.p); got != tc.want {
			t.Errorf("p%d of %v = %v, want %v", tc.p, tc.samples, got, tc.want)
		}
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour,
		"1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "1w1d": 8 * 24 * time.Hour, " 7d ": 7 * 24 * time.Hour,
	} {
		if got, err := slareport.ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "7", "d", "-7d", "0d", "7x", "1d-5h", "-1h", "99999999999d"} {
		if got, err := slareport.ParseWindow(in); err == nil {
			t.Errorf("ParseWindow(%q) = %v, want an error", in, got)
		}
	}
}

// Friday 20 November 2026, 10:00 UTC: 10:00 in London (support, pr), 05:00
// in New York (marketing opens at 09:00, Monday to Friday).
var t0 = time.Date(2015, 11, 20, 10, 0, 0, 0, time.UTC)

// script drives one case through casestate as the workflow would: every
// deadline that has passed fires before the next action.
type script struct {
	t   *testing.T
	c   *casestate.Case
	dir *policy.Directory
}

func open(t *testing.T, cfg *config.Config, id, intent string, sentiment float64) *script {
	t.Helper()
	p := post.Post{ID: id, Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u-" + id, Handle: "@" + id, Followers: 50},
		Text: "text of " + id, CreatedAt: t0}
	tri := policy.Triage{Intent: intent, Confidence: 1, Sentiment: sentiment, Language: "en", Redacted: p.Text}
	return &script{t: t, c: casestate.Open(p, tri, cfg.Policy, nil, t0), dir: cfg.Directory()}
}

// at fires the deadlines due by t0+d, then performs the action.
func (s *script) at(d time.Duration, kind casestate.ActionKind, agent string, a casestate.Action) *script {
	s.t.Helper()
	s.advance(d)
	return s.late(d, kind, agent, a)
}

// late performs the action at t0+d without firing deadlines first: an
// action that reached the case before its breach timer did.
func (s *script) late(d time.Duration, kind casestate.ActionKind, agent string, a casestate.Action) *script {
	s.t.Helper()
	who, err := s.dir.Lookup(agent)
	if err != nil {
		s.t.Fatal(err)
	}
	a.Actor = who.Actor()
	if _, err := s.c.Apply(kind, a, "ref", t0.Add(d)); err != nil {
		s.t.Fatalf("%s: %s by %s at +%s: %v", s.c.ID, kind, agent, d, err)
	}
	return s
}

func (s *script) customer(d time.Duration) *script {
	s.advance(d)
	s.c.CustomerWrote(post.Post{ID: s.c.Post.ID + "-again", Platform: "x", Property: "@acme_help", Author: s.c.Post.Author, Text: "and?", CreatedAt: t0.Add(d)}, t0.Add(d))
	return s
}

// advance fires each deadline due by t0+d at its own time, as the
// workflow's timer does (Advance alone would stamp them all with t0+d).
func (s *script) advance(d time.Duration) *script {
	for {
		next, ok := s.c.NextDeadline()
		if !ok || next.At.After(t0.Add(d)) {
			return s
		}
		s.c.Advance(next.At)
	}
}

// read returns the case as the CLI gets it: through the queries' JSON.
func (s *script) read() slareport.Case {
	s.t.Helper()
	var out slareport.Case
	v, _ := json.Marshal(s.c.View())
	ev, _ := json.Marshal(s.c.Events)
	if err := json.Unmarshal(v, &out.View); err != nil {
		s.t.Fatal(err)
	}
	if err := json.Unmarshal(ev, &out.Events); err != nil {
		s.t.Fatal(err)
	}
	return out
}

var (
	claim   = casestate.ActionClaim
	reply   = casestate.ActionReply
	resolve = casestate.ActionResolve
	handoff = casestate.ActionHandoff
	none    = casestate.Action{}
	answer  = casestate.Action{Text: "thanks, on it"}
	ask     = casestate.Action{Text: "which version?", AwaitCustomer: true}
)

const (
	m = time.Minute
	h = time.Hour
)

// theWeek is the hand-computed scenario. Targets (embedded demo policy):
// support (24×7) P3 first response 1h, next response 1h, resolution 24h,
// escalation lead +30m, head +1h, coe +1h; support P2 first response 30m;
// pr (Mon–Fri 08–20 London) P3 first response 2h; marketing (Mon–Fri 09–18
// New York) P4 first response 8h, escalation lead +1h, head +2h.
func theWeek(t *testing.T) []slareport.Case {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	var cases []*script
	add := func(s *script) { cases = append(cases, s) }
	// s1: replied at 20m (met), resolved at 2h.
	add(open(t, cfg, "s1", "complaint", 0).at(1*m, claim, "sam", none).at(20*m, reply, "sam", answer).at(2*h, resolve, "sam", none))
	// s2: replied at 50m (met), still open.
	add(open(t, cfg, "s2", "question", 0).at(1*m, claim, "sofia", none).at(50*m, reply, "sofia", answer))
	// s3: breached at 1h (escalated to lead), replied at 1h20m asking the
	// customer (missed; resolution paused), customer back at 3h20m (2h
	// paused), answered at 3h50m (next response met), resolved at 5h:
	// resolution took 5h − 2h = 3h.
	add(open(t, cfg, "s3", "complaint", 0).at(1*m, claim, "sam", none).at(1*h+20*m, reply, "sam", ask).
		customer(3*h+20*m).at(3*h+50*m, reply, "sam", answer).at(5*h, resolve, "sam", none))
	// s4: handed to pr at 10m without a reply (support's clock had no
	// outcome); pr replied at 1h10m (1h of pr's clock, met), resolved at
	// 3h10m (3h).
	add(open(t, cfg, "s4", "complaint", 0).at(10*m, handoff, "sam", casestate.Action{To: "pr", Text: "press interest"}).
		at(11*m, claim, "priya", none).at(1*h+10*m, reply, "priya", answer).at(3*h+10*m, resolve, "priya", none))
	// s5: never answered; by 3h it breached and climbed lead, head, coe.
	add(open(t, cfg, "s5", "complaint", 0).advance(3 * h))
	// s6: strongly negative, raised to P2; replied at 10m.
	add(open(t, cfg, "s6", "complaint", -0.9).at(1*m, claim, "sid", none).at(10*m, reply, "sid", answer))
	// s7: replied at 1h05m before the breach timer fired: no sla_breach
	// event, but the reply itself says it was late (missed, a breach).
	add(open(t, cfg, "s7", "question", 0).at(1*m, claim, "sue", none).late(1*h+5*m, reply, "sue", answer))
	// m1: opened 05:00 New York, before marketing opens; replied 11:00 New
	// York: 6h on the wall, 2h of working time (met).
	add(open(t, cfg, "m1", "praise", 0).at(1*m, claim, "maya", none).at(6*h, reply, "maya", answer))
	// m2: due Friday 17:00 New York; breached, escalated to lead (17:00)
	// and head (18:00); replied Monday 10:00 New York: 8h + 1h Friday + 1h
	// Monday = 10h of working time (missed).
	add(open(t, cfg, "m2", "praise", 0).at(1*m, claim, "maya", none).at(3*24*h+5*h, reply, "maya", answer))
	// s8: a thank-you, resolved at 30m without a reply ("no reply
	// needed"): a resolution of 30m, and no first response either way.
	add(open(t, cfg, "s8", "question", 0).at(1*m, claim, "sue", none).at(30*m, resolve, "sue", casestate.Action{Text: casestate.NoReplyNeeded}))
	// spam: closed at once, owned by nobody.
	add(open(t, cfg, "spam", "spam", 0))

	out := make([]slareport.Case, 0, len(cases)+1)
	for _, s := range cases {
		out = append(out, s.read())
	}
	// A case still in triage answers `state` with no events.
	return append(out, slareport.Case{View: casestate.View{Outcome: casestate.Outcome{ID: "case/x/new", Status: "triaging"}}})
}

func pct(met, missed int) *float64 { p := 100 * float64(met) / float64(met+missed); return &p }

func pcts(n int, p50, p90, p99 time.Duration) *slareport.Percentiles {
	return &slareport.Percentiles{N: n, P50: slareport.Duration(p50), P90: slareport.Duration(p90), P99: slareport.Duration(p99)}
}

func TestReportOfAHandComputedWeek(t *testing.T) {
	cases := theWeek(t)
	// support P3: s1–s5, s7 and s8 (s4 counts here and under pr).
	//   first response: met s1, s2; missed s3, s5, s7 → 2/5 = 40 %;
	//   times 20m, 50m, 1h05m, 1h20m → p50 rank ⌈2⌉ = 50m, p90 rank ⌈3.6⌉ = 1h20m;
	//   resolution 30m (s8), 2h (s1), 3h (s3) → p50 rank 2 = 2h, p90 rank ⌈2.7⌉ = 3h;
	//   breaches s3, s5, s7 (s3's breach event and late reply are one clock);
	//   escalations s3 lead, s5 lead, head, coe = 4; handoffs s4 = 1;
	//   resolved with the reply owed: s8.
	supportP3 := slareport.Row{Department: "support", Priority: "P3", Cases: 7,
		FirstResponse:       slareport.Attainment{Met: 2, Missed: 3, Pct: pct(2, 3)},
		TimeToFirstResponse: pcts(4, 50*m, 1*h+20*m, 1*h+20*m),
		TimeToResolution:    pcts(3, 2*h, 3*h, 3*h),
		Breaches:            3, Escalations: 4, Handoffs: 1, ResolvedUnanswered: 1}
	supportP2 := slareport.Row{Department: "support", Priority: "P2", Cases: 1,
		FirstResponse:       slareport.Attainment{Met: 1, Pct: pct(1, 0)},
		TimeToFirstResponse: pcts(1, 10*m, 10*m, 10*m)}
	prP3 := slareport.Row{Department: "pr", Priority: "P3", Cases: 1,
		FirstResponse:       slareport.Attainment{Met: 1, Pct: pct(1, 0)},
		TimeToFirstResponse: pcts(1, 1*h, 1*h, 1*h),
		TimeToResolution:    pcts(1, 3*h, 3*h, 3*h)}
	// marketing P4: m1 met in 2h, m2 missed in 10h → 50 %; p50 rank 1 = 2h,
	// p90 rank ⌈1.8⌉ = 10h.
	marketingP4 := slareport.Row{Department: "marketing", Priority: "P4", Cases: 2,
		FirstResponse:       slareport.Attainment{Met: 1, Missed: 1, Pct: pct(1, 1)},
		TimeToFirstResponse: pcts(2, 2*h, 10*h, 10*h),
		Breaches:            1, Escalations: 2}
	// All: 10 routed cases; first response met 5, missed 4; times sorted 10m
	// 20m 50m 1h 1h05m 1h20m 2h 10h → p50 rank 4 = 1h, p90 rank ⌈7.2⌉ = 10h;
	// resolutions 30m 2h 3h 3h → p50 rank 2 = 2h, p90 rank ⌈3.6⌉ = 3h.
	total := slareport.Row{Department: slareport.All, Priority: slareport.All, Cases: 10,
		FirstResponse:       slareport.Attainment{Met: 5, Missed: 4, Pct: pct(5, 4)},
		TimeToFirstResponse: pcts(8, 1*h, 10*h, 10*h),
		TimeToResolution:    pcts(4, 2*h, 3*h, 3*h),
		Breaches:            4, Escalations: 6, Handoffs: 1, ResolvedUnanswered: 1}

	since, asOf := t0.Add(-7*24*h), t0.Add(4*24*h)
	for _, tc := range []struct {
		name string
		opt  slareport.Options
		rows []slareport.Row
		tot  slareport.Row
	}{
		{"all departments", slareport.Options{Since: since, AsOf: asOf},
			[]slareport.Row{marketingP4, prP3, supportP2, supportP3}, total},
		// A department's rows only: s4 shows under pr, its support part stays out.
		{"pr only", slareport.Options{Departments: []string{"pr"}, Since: since, AsOf: asOf},
			[]slareport.Row{prP3}, withLabel(prP3)},
		{"unknown department", slareport.Options{Departments: []string{"nobody"}},
			[]slareport.Row{}, slareport.Row{Department: slareport.All, Priority: slareport.All}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := slareport.Compute(cases, tc.opt)
			if rep.Read != 12 || rep.Unrouted != 2 || !rep.Since.Equal(tc.opt.Since) || !rep.AsOf.Equal(tc.opt.AsOf) {
				t.Errorf("read %d unrouted %d since %v as of %v; want 12, 2 (spam, triaging)", rep.Read, rep.Unrouted, rep.Since, rep.AsOf)
			}
			if !reflect.DeepEqual(rep.Rows, tc.rows) {
				t.Errorf("rows:\n got %s\nwant %s", js(rep.Rows), js(tc.rows))
			}
			if !reflect.DeepEqual(rep.Total, tc.tot) {
				t.Errorf("total:\n got %s\nwant %s", js(rep.Total), js(tc.tot))
			}
		})
	}
}

func withLabel(r slareport.Row) slareport.Row {
	r.Department, r.Priority = slareport.All, slareport.All
	return r
}

// The SLA fields the report reads are what casestate records: checked on
// one case so a change to either side shows here first.
func TestEventsCarryTheSLAFigures(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, cfg, "late", "complaint", 0).at(1*m, claim, "sam", none).at(1*h+15*m, reply, "sam", answer)
	var breach, replied *casestate.Event
	for i, e := range s.c.Events {
		switch e.Kind {
		case casestate.EventBreach:
			breach = &s.c.Events[i]
		case casestate.EventReplied:
			replied = &s.c.Events[i]
		}
	}
	if breach == nil || replied == nil {
		t.Fatalf("events %s", js(s.c.Events))
	}
	if breach.Clock != casestate.ClockFirstResponse || !breach.ClockStarted.Equal(t0) || breach.Target != h || breach.Met == nil || *breach.Met {
		t.Errorf("breach %s", js(breach))
	}
	if replied.Clock != casestate.ClockFirstResponse || !replied.ClockStarted.Equal(t0) || replied.Target != h ||
		replied.Took != h+15*m || replied.Met == nil || *replied.Met || replied.SLA != "first response breached: 15m late (target 1h of working time)" {
		t.Errorf("reply %s", js(replied))
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
