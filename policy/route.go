package policy

import (
	"fmt"
	"slices"
)

// Signals are the facts about a post that routing needs, as triage found them.
type Signals struct {
	Intent      string
	Sentiment   float64 // VADER compound, -1…1
	Followers   int
	Verified    bool
	PropertyKey string
	Private     bool // personal data seen, or the route demands a private channel
	// NeedsReview: triage is unsure of the intent, so the post goes to the
	// property's responder (at its intent's priority) for a person to read.
	NeedsReview bool
}

// Decision is where a post goes and how urgently, with the reasons.
type Decision struct {
	Department string   `json:"department"` // "none" for spam
	Priority   Priority `json:"priority,omitempty"`
	Watchers   []string `json:"watchers,omitempty"`
	Private    bool     `json:"private"`
	Reasons    []string `json:"reasons,omitempty"`
}

// Closed reports whether the decision gives the case no owner (spam).
func (d Decision) Closed() bool { return d.Department == RouteToNone }

// Decide routes a post: the first route of its intent, then the priority
// modifiers, each raising one level (never above P1).
func (p *Policy) Decide(s Signals) Decision {
	route := p.route(s.Intent)
	dec := Decision{Department: route.Department, Priority: route.Priority, Private: s.Private || route.Private}
	dec.Reasons = append(dec.Reasons, fmt.Sprintf("route: intent %s → %s", s.Intent, route.Department))
	if dec.Closed() {
		dec.Priority = ""
		return dec
	}
	if s.NeedsReview && dec.Department != RouteToResponder {
		dec.Department = RouteToResponder
		dec.Reasons = append(dec.Reasons, "route: needs review → responder")
	}
	if dec.Department == RouteToResponder {
		dec.Department = p.Responder(s.PropertyKey)
		dec.Reasons = append(dec.Reasons, fmt.Sprintf("route: responder of %s is %s", s.PropertyKey, dec.Department))
	}
	if !slices.Contains(p.Modifiers.RaiseIntents, s.Intent) {
		return dec
	}
	m := p.Modifiers
	if m.HighReachFollowers > 0 && (s.Followers >= m.HighReachFollowers || s.Verified) {
		dec.Priority = dec.Priority.Raise()
		dec.Reasons = append(dec.Reasons, fmt.Sprintf("priority raised: high-reach author (%d followers, verified %t)", s.Followers, s.Verified))
		if m.HighReachWatcher != "" && m.HighReachWatcher != dec.Department {
			dec.Watchers = append(dec.Watchers, m.HighReachWatcher)
		}
	}
	if s.Sentiment <= m.NegativeSentiment {
		dec.Priority = dec.Priority.Raise()
		dec.Reasons = append(dec.Reasons, fmt.Sprintf("priority raised: strongly negative sentiment %.2f ≤ %.2f", s.Sentiment, m.NegativeSentiment))
	}
	return dec
}

// Intents lists the intents the routing names, in its order: the intents
// an agent may give a post.
func (p *Policy) Intents() []string {
	out := make([]string, 0, len(p.Routing))
	for _, r := range p.Routing {
		if !slices.Contains(out, r.Intent) {
			out = append(out, r.Intent)
		}
	}
	return out
}

func (p *Policy) route(intent string) Route {
	for _, r := range p.Routing {
		if r.Intent == intent {
			return r
		}
	}
	for _, r := range p.Routing {
		if r.Intent == "other" {
			return r
		}
	}
	return Route{Intent: intent, Department: p.DefaultDepartment, Priority: P4}
}

// Responder is the department that answers a property's routine posts and
// reads what triage was unsure of.
func (p *Policy) Responder(propertyKey string) string {
	if pr, ok := p.Property(propertyKey); ok {
		if pr.Responder != "" {
			return pr.Responder
		}
		return pr.Owner
	}
	return p.DefaultDepartment
}
