package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Write saves the report as bench-report.json and bench-report.md in dir.
func (r *Report) Write(dir, command string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Command string `json:"command"`
		*Report
	}{command, r}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench-report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bench-report.md"), []byte(r.Markdown(command)), 0o644)
}

// Markdown renders the report for people.
func (r *Report) Markdown(command string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# switchboard benchmark")
	p("")
	p("`%s` — %s, %s, backend %s, %.0f s. Method: docs/performance.md.", command, r.StartedAt.Format("2006-01-02 15:04 MST"), r.Machine, r.Backend, r.Seconds)
	p("")
	p("## Targets")
	p("")
	p("| target | goal | this run | met |")
	p("|---|---|---|---|")
	for _, t := range r.Targets {
		p("| %s | %s | %.2f | %s |", t.Name, t.Goal, t.Value, yesNo(t.Met))
	}
	p("")
	if len(r.Rounds) > 0 {
		p("## Throughput and latency, post to owner assigned (median of %d rounds)", len(r.Rounds))
		p("")
		p("| | bare workflow | case | case / bare |")
		p("|---|---|---|---|")
		m := r.Median
		p("| burst of %d, %d submitters: posts/s | %.1f | %.1f | %.2f× |", r.Options.Posts, r.Options.Concurrency, m.BareThroughput.PerSecond, m.CaseThroughput.PerSecond, m.ThroughputX)
		p("| steady rate, p50 | %.0f ms | %.0f ms | %.2f× |", m.BareLatency.P50ms, m.CaseLatency.P50ms, m.P50X)
		p("| steady rate, p99 | %.0f ms | %.0f ms | %.2f× |", m.BareLatency.P99ms, m.CaseLatency.P99ms, m.P99X)
		p("")
		p("| round | bare /s | case /s | ratio | rate /s | bare p50/p99 ms | case p50/p99 ms | p99 ratio | timer cases | warning late p50/max s | breach late p50/max s |")
		p("|---|---|---|---|---|---|---|---|---|---|---|")
		for i, rd := range r.Rounds {
			p("| %d | %.1f | %.1f | %.2f | %.1f | %.0f / %.0f | %.0f / %.0f | %.2f | %d | %.2f / %.2f | %.2f / %.2f |", i+1,
				rd.BareThroughput.PerSecond, rd.CaseThroughput.PerSecond, rd.ThroughputX, rd.CaseLatency.Rate,
				rd.BareLatency.P50ms, rd.BareLatency.P99ms, rd.CaseLatency.P50ms, rd.CaseLatency.P99ms, rd.P99X,
				rd.Timers.Cases, rd.Timers.WarningP50s, rd.Timers.WarningMaxs, rd.Timers.BreachP50s, rd.Timers.BreachMaxs)
		}
		p("")
	}
	p("## Billable actions of one post")
	for _, a := range []Actions{r.Actions, r.NextPostActions} {
		p("")
		p("%s: **%d** billable actions (%d answered queries included; the case's history has %d events).", a.Journey, a.Total, a.Queries, a.CaseEvents)
		p("")
		p("| workflow | category | count | billed |")
		p("|---|---|---|---|")
		flows := make([]string, 0, len(a.PerFlow))
		for id := range a.PerFlow {
			flows = append(flows, id)
		}
		slices.Sort(flows)
		for _, id := range flows {
			for _, l := range a.PerFlow[id] {
				p("| %s | %s | %d | %s |", id, l.Category, l.Count, yesNo(l.Billed))
			}
		}
	}
	if r.Memory != nil {
		mm := r.Memory
		p("")
		p("## Worker memory")
		p("")
		p("%d open cases waiting on their first-response timers, each from a new customer (so none with a journey: one starts at a customer's second case), opened in %.0f s on a fresh server and worker process. The worker keeps at most %d workflows cached (`temporal.cached_workflows`).", mm.OpenCases, mm.SubmitSeconds, mm.CachedWorkflows)
		p("")
		p("| idle RSS | RSS with open cases | Go heap in use | goroutines |")
		p("|---|---|---|---|")
		p("| %.0f MB | %.0f MB | %.0f MB | %.0f |", mm.IdleRSSMB, mm.RSSMB, mm.HeapInuseMB, mm.Goroutines)
		if t := mm.Timers; t != nil {
			p("")
			target := time.Duration(r.Options.ScaleTargetSeconds * float64(time.Second))
			if opens := time.Duration(r.Options.ScaleOpensAfterSeconds * float64(time.Second)); opens > 0 {
				p("Support stayed closed until %s after the step began, so the first-response timers (target %s; a warning, then a breach) of every case opened by then fell due at the same instant; on %d of them, evenly sampled:",
					opens, target, t.Cases)
			} else {
				p("Their first-response timers (target %s; a warning, then a breach) fell due at the rate the cases opened, %.0f a second; on %d of them, evenly sampled:",
					target, float64(mm.OpenCases)/mm.SubmitSeconds, t.Cases)
			}
			p("")
			p("| warning late p50 | max | breach late p50 | max |")
			p("|---|---|---|---|")
			p("| %.2f s | %.2f s | %.2f s | %.2f s |", t.WarningP50s, t.WarningMaxs, t.BreachP50s, t.BreachMaxs)
		}
	}
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}
