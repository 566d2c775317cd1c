package whatif

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Condition is a bound a policy change may not pass, as CI checks it
// before the change is deployed: "attainment drops > 2 points",
// "breaches rises > 10", "moved > 50".
type Condition struct {
	Figure string  // attainment, warnings, breaches, escalations, approvals or moved
	Rises  bool    // the bound is on a rise (else on a drop); moved only rises
	Bound  float64 // points for attainment, a count otherwise
	text   string
}

var conditionPattern = regexp.MustCompile(`^(attainment|warnings|breaches|escalations|approvals)\s+(drops|falls|rises|grows)\s*(?:by\s*)?>\s*([0-9]+(?:\.[0-9]+)?)\s*(?:points?)?$|^moved\s*>\s*([0-9]+)$`)

// ParseCondition reads a condition, or says what one looks like.
func ParseCondition(s string) (Condition, error) {
	m := conditionPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return Condition{}, fmt.Errorf("%q: a condition is FIGURE drops|rises > N (attainment in points; warnings, breaches, escalations, approvals as counts) or moved > N", s)
	}
	if m[4] != "" {
		n, _ := strconv.ParseFloat(m[4], 64)
		return Condition{Figure: "moved", Rises: true, Bound: n, text: s}, nil
	}
	n, _ := strconv.ParseFloat(m[3], 64)
	return Condition{Figure: m[1], Rises: m[2] == "rises" || m[2] == "grows", Bound: n, text: s}, nil
}

// Failed says whether the report passes the bound, and by how much.
func (c Condition) Failed(r Report) (bool, string) {
	var change float64
	unit := ""
	b, a := r.Fired.Before, r.Fired.After
	switch c.Figure {
	case "attainment":
		if r.Total.Points == nil {
			return false, ""
		}
		change, unit = *r.Total.Points, " points"
	case "warnings":
		change = float64(a.Warnings - b.Warnings)
	case "breaches":
		change = float64(a.Breaches - b.Breaches)
	case "escalations":
		change = float64(a.Escalations - b.Escalations)
	case "approvals":
		change = float64(a.Approvals - b.Approvals)
	case "moved":
		change = float64(len(r.Moved))
	}
	if !c.Rises {
		change = -change
	}
	if change <= c.Bound {
		return false, ""
	}
	way := "drops"
	if c.Rises {
		way = "rises"
	}
	if c.Figure == "moved" {
		return true, fmt.Sprintf("%s: %d cases routed otherwise", c.text, len(r.Moved))
	}
	return true, fmt.Sprintf("%s: %s %s by %.1f%s", c.text, c.Figure, way, change, unit)
}
