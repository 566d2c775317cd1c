package whatif

import (
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/switchboard-care/switchboard/slareport"
)

// Markdown writes the report as tables a person reads in a pull request.
func (r Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# What if: %s instead of %s\n\n", r.After, r.Before)
	fmt.Fprintf(w, "%d cases opened %s – %s, replayed up to then under each policy. %s\n\n",
		r.Cases, r.Since.UTC().Format("2006-01-02 15:04"), r.AsOf.UTC().Format("2006-01-02 15:04 UTC"), r.FaithfulNote())
	fmt.Fprintf(w, "## First-response attainment\n\n| department | priority | cases before | cases after | before | after | change |\n|---|---|---|---|---|---|---|\n")
	for _, row := range append(r.Rows, r.Total) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(row.Department), row.Priority, cases(row.Figures.Before), cases(row.Figures.After),
			pct(row.Attainment.Before), pct(row.Attainment.After), points(row.Points))
	}
	b, a := r.Fired.Before, r.Fired.After
	fmt.Fprintf(w, "\n## What fired\n\n| | before | after |\n|---|---|---|\n")
	fmt.Fprintf(w, "| SLA warnings | %d | %d |\n| SLA breaches | %d | %d |\n| escalations | %d | %d |\n| replies held for approval | %d | %d |\n",
		b.Warnings, a.Warnings, b.Breaches, a.Breaches, b.Escalations, a.Escalations, b.Approvals, a.Approvals)
	fmt.Fprintf(w, "| of those, approved at once (no approval in the past) | %d | %d |\n", b.NewApprovals, a.NewApprovals)
	for _, rule := range refusedRules(r.Fired) {
		fmt.Fprintf(w, "| steps refused by rule %s | %d | %d |\n", rule, b.Refused[rule], a.Refused[rule])
	}
	fmt.Fprintf(w, "\n## Cases routed otherwise (%d)\n\n", len(r.Moved))
	if len(r.Moved) > 0 {
		fmt.Fprintf(w, "| case | before | after | why |\n|---|---|---|---|\n")
		for _, m := range r.Moved {
			fmt.Fprintf(w, "| %s | %s %s | %s %s | %s |\n", cell(m.CaseID), cell(m.From.Department), m.From.Priority, cell(m.To.Department), m.To.Priority,
				cell(strings.Join(m.Reasons, "; ")))
		}
	}
	fmt.Fprintf(w, "\n## New cases by hour of day (UTC)\n\n| department | | %s |\n|---|---|%s\n", strings.Join(hours(), " | "), strings.Repeat("---|", 24))
	for _, l := range r.Load {
		fmt.Fprintf(w, "| %s | before | %s |\n| | after | %s |\n", cell(l.Department), counts(l.ByHour.Before), counts(l.ByHour.After))
	}
}

// FaithfulNote says how far the replay reproduces the past.
func (r Report) FaithfulNote() string {
	note := fmt.Sprintf("Replayed under %s, %d of %d cases end with the SLA outcomes they really had.", r.Before, r.Faithful, r.Cases)
	if r.Gone > 0 {
		note += fmt.Sprintf(" %d more were gone before they could be read.", r.Gone)
	}
	return note
}

func refusedRules(f Compared[Fired]) []string {
	var rules []string
	for _, m := range []map[string]int{f.Before.Refused, f.After.Refused} {
		rules = slices.AppendSeq(rules, maps.Keys(m))
	}
	slices.Sort(rules)
	return slices.Compact(rules)
}

// cell is text safe in a markdown table cell.
func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func cases(r *slareport.Row) string {
	if r == nil {
		return "–"
	}
	return fmt.Sprint(r.Cases)
}

func pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", *p)
}

func points(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%+.1f points", *p)
}

func hours() []string {
	h := make([]string, 24)
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}

func counts(byHour [24]int) string {
	s := make([]string, 24)
	for i, n := range byHour {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " | ")
}

// HTML writes the report as a page of its own: Fragment with a style.
func (r Report) HTML(w io.Writer) error {
	body, err := r.Fragment()
	if err != nil {
		return err
	}
	return page.Execute(w, struct {
		Title string
		Body  template.HTML
	}{"What if: " + r.After + " instead of " + r.Before, body})
}

// Fragment is the report as HTML to put in a page: the charts, then the
// tables (class names whatif-*, which the console's style sheet and
// HTML's both style).
func (r Report) Fragment() (template.HTML, error) {
	var b strings.Builder
	err := fragment.Execute(&b, struct {
		Report
		Attainment, Load template.HTML
	}{r, r.AttainmentChart(), r.LoadChart()})
	return template.HTML(b.String()), err
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1d2733; }
table.whatif { border-collapse: collapse; margin: 1em 0; } .whatif td, .whatif th { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; }
.whatif td:first-child, .whatif th:first-child, .whatif td.text { text-align: left; }
</style></head><body>
{{.Body}}
</body></html>
`))

var fragment = template.Must(template.New("whatif").Funcs(template.FuncMap{"pct": pct, "points": points, "cases": cases}).Parse(`<section class="whatif-report">
<h2>What if: {{.After}} instead of {{.Before}}</h2>
<p>{{.Cases}} cases opened {{.Since.UTC.Format "2006-01-02 15:04"}} – {{.AsOf.UTC.Format "2006-01-02 15:04 UTC"}}, replayed under each policy. {{.FaithfulNote}}</p>
{{.Attainment}}
{{.Load}}
<h3>First-response attainment</h3>
<table class="whatif" data-whatif="rows"><tr><th>department</th><th>priority</th><th>cases before</th><th>cases after</th><th>before</th><th>after</th><th>change</th></tr>
{{range .Rows}}<tr><td>{{.Department}}</td><td>{{.Priority}}</td><td>{{cases .Figures.Before}}</td><td>{{cases .Figures.After}}</td><td>{{pct .Attainment.Before}}</td><td>{{pct .Attainment.After}}</td><td>{{points .Points}}</td></tr>
{{end}}<tr><th>all</th><th>all</th><th>{{cases .Total.Figures.Before}}</th><th>{{cases .Total.Figures.After}}</th><th>{{pct .Total.Attainment.Before}}</th><th>{{pct .Total.Attainment.After}}</th><th data-whatif="points">{{points .Total.Points}}</th></tr></table>
<h3>What fired</h3>
<table class="whatif"><tr><th></th><th>before</th><th>after</th></tr>
<tr><td>SLA warnings</td><td>{{.Fired.Before.Warnings}}</td><td>{{.Fired.After.Warnings}}</td></tr>
<tr><td>SLA breaches</td><td>{{.Fired.Before.Breaches}}</td><td>{{.Fired.After.Breaches}}</td></tr>
<tr><td>escalations</td><td>{{.Fired.Before.Escalations}}</td><td>{{.Fired.After.Escalations}}</td></tr>
<tr><td>replies held for approval</td><td>{{.Fired.Before.Approvals}}</td><td>{{.Fired.After.Approvals}}</td></tr>
<tr><td>of those, approved at once (no approval in the past)</td><td>{{.Fired.Before.NewApprovals}}</td><td>{{.Fired.After.NewApprovals}}</td></tr>
</table>
<h3>Cases routed otherwise ({{len .Moved}})</h3>
{{if .Moved}}<table class="whatif" data-whatif="moved"><tr><th>case</th><th>before</th><th>after</th><th>why</th></tr>
{{range .Moved}}<tr data-moved="{{.CaseID}}"><td>{{.CaseID}}</td><td class="text">{{.From.Department}} {{.From.Priority}}</td><td class="text">{{.To.Department}} {{.To.Priority}}</td><td class="text">{{range $i, $r := .Reasons}}{{if $i}}; {{end}}{{$r}}{{end}}</td></tr>
{{end}}</table>{{end}}
</section>
`))
