package whatif

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// The charts are SVG written here: two bar charts of a few dozen
// rectangles each, which a page shows as they are and a test renders.
const (
	chartWidth  = 760
	beforeColor = "#9aa5b1"
	afterColor  = "#0969da"
)

// AttainmentChart draws each row's first-response attainment before and
// after, side by side.
func (r Report) AttainmentChart() template.HTML {
	rows := slices.DeleteFunc(slices.Clone(r.Rows), func(c RowChange) bool { return c.Attainment.Before == nil && c.Attainment.After == nil })
	rows = append(rows, r.Total)
	const top, plot, left = 56, 160, 40
	slot := float64(chartWidth-left-10) / float64(len(rows))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="first-response attainment before and after" font-family="system-ui, sans-serif" font-size="11">`, chartWidth, top+plot+50)
	fmt.Fprintf(&b, `<text x="0" y="16" font-size="14" font-weight="600">First-response attainment, %% of clocks met</text>`)
	legend(&b, 0, 38, r.Before, r.After)
	for _, pct := range []int{0, 50, 100} {
		y := top + plot - plot*pct/100
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#d0d7de"/><text x="%d" y="%d" text-anchor="end">%d</text>`, left, chartWidth-10, y, y, left-4, y+4, pct)
	}
	for i, row := range rows {
		x := float64(left) + slot*float64(i)
		bar := func(p *float64, dx float64, color string) {
			if p == nil {
				return
			}
			h := float64(plot) * *p / 100
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%.1f %%</title></rect>`, x+dx, float64(top+plot)-h, slot*0.35, h, color, *p)
		}
		bar(row.Attainment.Before, slot*0.12, beforeColor)
		bar(row.Attainment.After, slot*0.5, afterColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text><text x="%.1f" y="%d" text-anchor="middle">%s</text>`,
			x+slot/2, top+plot+16, template.HTMLEscapeString(row.Department), x+slot/2, top+plot+30, template.HTMLEscapeString(row.Priority))
		if row.Points != nil {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-weight="600">%+.1f</text>`, x+slot/2, top+plot+44, *row.Points)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// LoadChart draws each department's new cases by hour of day, before and
// after, one strip a department on a shared scale.
func (r Report) LoadChart() template.HTML {
	const left, strip, gap, top = 90, 60, 14, 56
	most := 1
	for _, l := range r.Load {
		most = max(most, slices.Max(l.ByHour.Before[:]), slices.Max(l.ByHour.After[:]))
	}
	hour := float64(chartWidth-left-10) / 24
	var b strings.Builder
	height := top + len(r.Load)*(strip+gap) + 20
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="new cases by hour of day before and after" font-family="system-ui, sans-serif" font-size="11">`, chartWidth, height)
	fmt.Fprintf(&b, `<text x="0" y="16" font-size="14" font-weight="600">New cases by hour of day (UTC), at most %d in an hour</text>`, most)
	legend(&b, 0, 38, r.Before, r.After)
	for i, l := range r.Load {
		base := top + i*(strip+gap) + strip
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text><line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#d0d7de"/>`, base-strip/2, template.HTMLEscapeString(l.Department), left, chartWidth-10, base, base)
		for h := range 24 {
			x := float64(left) + hour*float64(h)
			for j, n := range []int{l.ByHour.Before[h], l.ByHour.After[h]} {
				height := float64(strip) * float64(n) / float64(most)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%02d:00 %d</title></rect>`,
					x+hour*(0.1+0.4*float64(j)), float64(base)-height, hour*0.38, height, []string{beforeColor, afterColor}[j], h, n)
			}
		}
	}
	last := top + len(r.Load)*(strip+gap) + 6
	for h := 0; h < 24; h += 3 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%02d</text>`, float64(left)+hour*(float64(h)+0.5), last, h)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// legend names the two policies on one line under a chart's title.
func legend(b *strings.Builder, x, y int, before, after string) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">before: %s</text>`, x, y-8, beforeColor, x+14, y+1, template.HTMLEscapeString(before))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">after: %s</text>`, x+chartWidth/2, y-8, afterColor, x+chartWidth/2+14, y+1, template.HTMLEscapeString(after))
}
