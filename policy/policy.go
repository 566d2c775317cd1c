// Package policy is the configuration a case runs under: departments with
// their hours, SLA targets and escalation chains; the company's properties;
// routing by intent; and who may act. A case receives a snapshot of it when it
// starts, so a running case keeps the policy version it began with.
package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
)

// Priority orders cases by urgency; P1 is the most urgent.
type Priority string

const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{P1, P2, P3, P4}

// Valid reports whether p is one of P1…P4.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Raise returns the next more urgent priority, never above P1.
func (p Priority) Raise() Priority {
	if i := slices.Index(Priorities, p); i > 0 {
		return Priorities[i-1]
	}
	return p
}

// Targets are a department's SLA targets for one priority, in working time.
type Targets struct {
	FirstResponse time.Duration `json:"first_response" mapstructure:"first_response"`
	NextResponse  time.Duration `json:"next_response" mapstructure:"next_response"`
	Resolution    time.Duration `json:"resolution" mapstructure:"resolution"`
	Approval      time.Duration `json:"approval" mapstructure:"approval"` // to approve a drafted public reply
}

// EscalationStep is one rung of a department's escalation ladder: who is
// called in (a role of the department, or another department) and how long
// they have to act before the next rung.
type EscalationStep struct {
	To     string        `json:"to" mapstructure:"to"`
	Within time.Duration `json:"within" mapstructure:"within"`
}

// Department is a team that can own cases.
type Department struct {
	ID         string               `json:"id" mapstructure:"-"`
	Name       string               `json:"name" mapstructure:"name"`
	Hours      businesshours.Spec   `json:"hours" mapstructure:"hours"`
	Targets    map[Priority]Targets `json:"targets" mapstructure:"targets"`
	Escalation []EscalationStep     `json:"escalation" mapstructure:"escalation"`
	Assignment Assignment           `json:"assignment" mapstructure:"assignment"`
}

// Assignment says how a department's queue hands cases to agents.
type Assignment struct {
	Mode string `json:"mode" mapstructure:"mode"` // claim, round_robin or least_loaded
	// ClaimIdle sends a claimed case back to the queue when its assignee
	// has not acted for this long while a reply is owed; zero never does.
	ClaimIdle time.Duration `json:"claim_idle" mapstructure:"claim_idle"`
}

// Assignment modes.
const (
	AssignClaim       = "claim"        // agents pick cases from the queue
	AssignRoundRobin  = "round_robin"  // the dispatcher deals cases in turn
	AssignLeastLoaded = "least_loaded" // the dispatcher gives each case to the least busy agent
)

// AutoAssigned reports whether the dispatcher assigns the department's cases.
func (a Assignment) AutoAssigned() bool {
	return a.Mode == AssignRoundRobin || a.Mode == AssignLeastLoaded
}

// ApprovalRule makes public replies wait for an approver: on properties
// owned by PropertyOwner, or on cases of Intent (either may be empty, not both).
type ApprovalRule struct {
	PropertyOwner string `json:"property_owner,omitempty" mapstructure:"property_owner"`
	Intent        string `json:"intent,omitempty" mapstructure:"intent"`
	Approver      string `json:"approver" mapstructure:"approver"` // the department whose approvers decide
}

// Property is one of the company's social accounts.
type Property struct {
	Key       string `json:"key" mapstructure:"key"`             // "x:@acme_help"
	Owner     string `json:"owner" mapstructure:"owner"`         // accountable department
	Responder string `json:"responder" mapstructure:"responder"` // who answers customer issues; defaults to Owner
}

// Route sends an intent to a department at a priority.
type Route struct {
	Intent     string   `json:"intent" mapstructure:"intent"`
	Department string   `json:"department" mapstructure:"department"` // a department id, "responder", or "none"
	Priority   Priority `json:"priority" mapstructure:"priority"`
	Private    bool     `json:"private,omitempty" mapstructure:"private"` // must move to a private channel
}

// Route departments with a special meaning.
const (
	RouteToResponder = "responder" // the property's responder department
	RouteToNone      = "none"      // no owner: the case closes (spam)
)

// Modifiers raise a case's priority on signals of risk.
type Modifiers struct {
	HighReachFollowers int      `json:"high_reach_followers" mapstructure:"high_reach_followers"`
	NegativeSentiment  float64  `json:"negative_sentiment" mapstructure:"negative_sentiment"`
	RaiseIntents       []string `json:"raise_intents" mapstructure:"raise_intents"`
	HighReachWatcher   string   `json:"high_reach_watcher" mapstructure:"high_reach_watcher"`
}

// SLA holds the clock settings shared by every department.
type SLA struct {
	WarningShare    float64       `json:"warning_share" mapstructure:"warning_share"`
	ReopenWindow    time.Duration `json:"reopen_window" mapstructure:"reopen_window"`
	CustomerSilence time.Duration `json:"customer_silence" mapstructure:"customer_silence"`
	// SpamQueue is how long a post closed as spam waits in the spam queue,
	// where a person can rescue it, before the case closes for good. Zero
	// closes spam at once (and is what cases from before the queue carry).
	SpamQueue time.Duration `json:"spam_queue,omitempty" mapstructure:"spam_queue"`
}

// Policy is the whole snapshot.
type Policy struct {
	Version           string                `json:"version" mapstructure:"version"`
	DefaultDepartment string                `json:"default_department" mapstructure:"default_department"`
	CoE               string                `json:"coe" mapstructure:"coe"` // the department that sees and may act on everything
	SLA               SLA                   `json:"sla" mapstructure:"sla"`
	Routing           []Route               `json:"routing" mapstructure:"routing"`
	Modifiers         Modifiers             `json:"modifiers" mapstructure:"modifiers"`
	Departments       map[string]Department `json:"departments" mapstructure:"departments"`
	Properties        []Property            `json:"properties" mapstructure:"properties"`
	Approvals         []ApprovalRule        `json:"approvals" mapstructure:"approvals"`
	Continuity        Continuity            `json:"continuity" mapstructure:"continuity"`
}

// Continuity sends a customer's new post where their open case already is,
// so they do not start over with someone new.
type Continuity struct {
	Enabled       bool     `json:"enabled" mapstructure:"enabled"`
	KeepAssignee  bool     `json:"keep_assignee" mapstructure:"keep_assignee"`
	ExceptIntents []string `json:"except_intents" mapstructure:"except_intents"` // routed by intent regardless
}

// ApproverFor returns the department that must approve public replies on a
// case, by the first matching rule, or "" when replies go out directly.
func (p *Policy) ApproverFor(propertyKey, intent string) string {
	owner := ""
	if pr, ok := p.Property(propertyKey); ok {
		owner = pr.Owner
	}
	for _, r := range p.Approvals {
		if (r.PropertyOwner == "" || r.PropertyOwner == owner) && (r.Intent == "" || r.Intent == intent) {
			return r.Approver
		}
	}
	return ""
}

// Department returns the department with id, or false.
func (p *Policy) Department(id string) (Department, bool) {
	d, ok := p.Departments[id]
	return d, ok
}

// DepartmentName is a department's name, else its id (for one the policy
// does not know, or that has no name).
func (p *Policy) DepartmentName(id string) string {
	if d, ok := p.Department(id); ok && d.Name != "" {
		return d.Name
	}
	return id
}

// DepartmentIDs lists the department ids in a stable order.
func (p *Policy) DepartmentIDs() []string {
	ids := make([]string, 0, len(p.Departments))
	for id := range p.Departments {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Property returns the configured property for key, or false.
func (p *Policy) Property(key string) (Property, bool) {
	for _, pr := range p.Properties {
		if pr.Key == key {
			return pr, true
		}
	}
	return Property{}, false
}

// Calendar returns the business-hours calendar of a department.
func (p *Policy) Calendar(dept string) *businesshours.Calendar {
	d, ok := p.Departments[dept]
	if !ok {
		return businesshours.AlwaysOpen()
	}
	cal, err := businesshours.New(d.Hours)
	if err != nil { // validated at load; a snapshot that fails here was hand-made
		return businesshours.AlwaysOpen()
	}
	return cal
}

// TargetsFor returns a department's targets for a priority.
func (p *Policy) TargetsFor(dept string, prio Priority) Targets {
	return p.Departments[dept].Targets[prio]
}

// Validate checks the snapshot for the mistakes that would leave a case
// without an owner or a clock; each error names the offending key.
func (p *Policy) Validate() error {
	if p.Version == "" {
		return fmt.Errorf("policy.version is required")
	}
	if len(p.Departments) == 0 {
		return fmt.Errorf("policy.departments: at least one department is required")
	}
	if p.SLA.WarningShare <= 0 || p.SLA.WarningShare >= 1 {
		return fmt.Errorf("policy.sla.warning_share: %v must be between 0 and 1", p.SLA.WarningShare)
	}
	if p.SLA.ReopenWindow < 0 {
		return fmt.Errorf("policy.sla.reopen_window: %s is negative", p.SLA.ReopenWindow)
	}
	if p.SLA.SpamQueue < 0 {
		return fmt.Errorf("policy.sla.spam_queue: %s is negative", p.SLA.SpamQueue)
	}
	if p.SLA.CustomerSilence <= 0 {
		return fmt.Errorf("policy.sla.customer_silence: %s must be positive", p.SLA.CustomerSilence)
	}
	if _, ok := p.Departments[p.DefaultDepartment]; !ok {
		return fmt.Errorf("policy.default_department: unknown department %q", p.DefaultDepartment)
	}
	if _, ok := p.Departments[p.CoE]; !ok {
		return fmt.Errorf("policy.coe: unknown department %q", p.CoE)
	}
	for _, id := range p.DepartmentIDs() {
		if err := p.validateDepartment(id, p.Departments[id]); err != nil {
			return err
		}
	}
	for i, pr := range p.Properties {
		key := fmt.Sprintf("policy.properties[%d]", i)
		if pr.Key == "" {
			return fmt.Errorf("%s.key is required (platform:account, e.g. x:@acme_help)", key)
		}
		if pr.Owner == "" {
			return fmt.Errorf("%s.owner: property %q has no owner department", key, pr.Key)
		}
		if _, ok := p.Departments[pr.Owner]; !ok {
			return fmt.Errorf("%s.owner: unknown department %q", key, pr.Owner)
		}
		if _, ok := p.Departments[pr.Responder]; pr.Responder != "" && !ok {
			return fmt.Errorf("%s.responder: unknown department %q", key, pr.Responder)
		}
	}
	for i, r := range p.Approvals {
		key := fmt.Sprintf("policy.approvals[%d]", i)
		if r.PropertyOwner == "" && r.Intent == "" {
			return fmt.Errorf("%s: give property_owner or intent, or every reply would need approval", key)
		}
		if _, ok := p.Departments[r.Approver]; !ok {
			return fmt.Errorf("%s.approver: unknown department %q", key, r.Approver)
		}
		if _, ok := p.Departments[r.PropertyOwner]; r.PropertyOwner != "" && !ok {
			return fmt.Errorf("%s.property_owner: unknown department %q", key, r.PropertyOwner)
		}
	}
	for i, r := range p.Routing {
		key := fmt.Sprintf("policy.routing[%d]", i)
		if r.Intent == "" {
			return fmt.Errorf("%s.intent is required", key)
		}
		switch r.Department {
		case RouteToNone:
			continue
		case RouteToResponder:
		default:
			if _, ok := p.Departments[r.Department]; !ok {
				return fmt.Errorf("%s.department: unknown department %q (use a department id, %q or %q)", key, r.Department, RouteToResponder, RouteToNone)
			}
		}
		if !r.Priority.Valid() {
			return fmt.Errorf("%s.priority: %q is not one of P1, P2, P3, P4", key, r.Priority)
		}
	}
	return nil
}

func (p *Policy) validateDepartment(id string, d Department) error {
	key := "policy.departments." + id
	if _, err := businesshours.New(d.Hours); err != nil {
		return fmt.Errorf("%s.hours: %w", key, err)
	}
	for _, prio := range Priorities {
		t, ok := d.Targets[prio]
		if !ok {
			return fmt.Errorf("%s.targets.%s is missing", key, prio)
		}
		for _, target := range []struct {
			name string
			v    time.Duration
		}{{"first_response", t.FirstResponse}, {"next_response", t.NextResponse}, {"resolution", t.Resolution}, {"approval", t.Approval}} {
			if target.v <= 0 {
				return fmt.Errorf("%s.targets.%s.%s: %s must be positive", key, prio, target.name, target.v)
			}
		}
	}
	for i, step := range d.Escalation {
		skey := fmt.Sprintf("%s.escalation[%d]", key, i)
		if step.To != RoleLead && step.To != RoleHead {
			if _, ok := p.Departments[step.To]; !ok {
				return fmt.Errorf("%s.to: unknown department %q (use %q, %q or a department id)", skey, step.To, RoleLead, RoleHead)
			}
		}
		if step.Within < 0 {
			return fmt.Errorf("%s.within: %s is negative", skey, step.Within)
		}
	}
	switch d.Assignment.Mode {
	case "", AssignClaim, AssignRoundRobin, AssignLeastLoaded:
	default:
		return fmt.Errorf("%s.assignment.mode: %q is not one of %s, %s, %s", key, d.Assignment.Mode, AssignClaim, AssignRoundRobin, AssignLeastLoaded)
	}
	if d.Assignment.ClaimIdle < 0 {
		return fmt.Errorf("%s.assignment.claim_idle: %s is negative", key, d.Assignment.ClaimIdle)
	}
	return nil
}
