package policy

import (
	"fmt"
	"regexp"
	"slices"
)

// Roles an agent can hold in their departments.
const (
	RoleAgent    = "agent"
	RoleLead     = "lead"
	RoleHead     = "head"
	RoleApprover = "approver"
)

// SystemActor is the actor of what the case does by itself (timers, triage).
const SystemActor = "switchboard"

// Agent is a person in the directory.
type Agent struct {
	ID          string   `json:"id" mapstructure:"id"`
	Name        string   `json:"name" mapstructure:"name"`
	Departments []string `json:"departments" mapstructure:"departments"`
	Roles       []string `json:"roles" mapstructure:"roles"`
	Capacity    int      `json:"capacity" mapstructure:"capacity"`
	// PasswordHash is a bcrypt hash for the web console; never the password.
	PasswordHash string `json:"-" mapstructure:"password_hash"`
}

// Actor is who performs an action, as resolved from the directory by the
// caller at the time of the action (so a new hire can act on old cases).
type Actor struct {
	ID          string   `json:"id"`
	Departments []string `json:"departments,omitempty"`
	Roles       []string `json:"roles,omitempty"`
}

// Actor returns the identity this agent acts with.
func (a Agent) Actor() Actor {
	return Actor{ID: a.ID, Departments: slices.Clone(a.Departments), Roles: slices.Clone(a.Roles)}
}

// In reports whether the actor belongs to a department.
func (a Actor) In(dept string) bool { return slices.Contains(a.Departments, dept) }

// Has reports whether the actor holds a role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }

// Senior reports whether the actor is a lead or head.
func (a Actor) Senior() bool { return a.Has(RoleLead) || a.Has(RoleHead) }

// Directory is the set of agents, keyed by id.
type Directory struct {
	agents map[string]Agent
}

// NewDirectory indexes agents, refusing duplicates and unknown departments.
func NewDirectory(agents []Agent, p *Policy) (*Directory, error) {
	d := &Directory{agents: map[string]Agent{}}
	for i, a := range agents {
		key := fmt.Sprintf("agents[%d]", i)
		if !IsAgentID(a.ID) {
			return nil, fmt.Errorf("%s.id %q: 1 to %d letters, digits, '.', '_' or '-'", key, a.ID, MaxAgentIDBytes)
		}
		if _, dup := d.agents[a.ID]; dup {
			return nil, fmt.Errorf("%s.id: agent %q is listed twice", key, a.ID)
		}
		if len(a.Departments) == 0 {
			return nil, fmt.Errorf("%s.departments: agent %q has no department", key, a.ID)
		}
		for _, dept := range a.Departments {
			if _, ok := p.Departments[dept]; !ok {
				return nil, fmt.Errorf("%s.departments: unknown department %q", key, dept)
			}
		}
		for _, r := range a.Roles {
			if !slices.Contains([]string{RoleAgent, RoleLead, RoleHead, RoleApprover}, r) {
				return nil, fmt.Errorf("%s.roles: %q is not one of agent, lead, head, approver", key, r)
			}
		}
		if a.Capacity < 0 {
			return nil, fmt.Errorf("%s.capacity: %d is negative", key, a.Capacity)
		}
		d.agents[a.ID] = a
	}
	return d, nil
}

// MaxAgentIDBytes bounds an agent id: ids go into search attributes
// (Assignee), trails and tokens, and a person's handle is short.
const MaxAgentIDBytes = 64

var agentIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// IsAgentID reports whether id has the form of an agent id.
func IsAgentID(id string) bool { return agentIDPattern.MatchString(id) }

// Lookup finds an agent by id.
func (d *Directory) Lookup(id string) (Agent, error) {
	if len(id) > MaxAgentIDBytes {
		return Agent{}, fmt.Errorf("an agent id of %d bytes: ids are at most %d", len(id), MaxAgentIDBytes)
	}
	a, ok := d.agents[id]
	if !ok {
		return Agent{}, fmt.Errorf("unknown agent %q: pass --as with an agent id from the configuration's agents list", id)
	}
	return a, nil
}

// All lists the agents sorted by id.
func (d *Directory) All() []Agent {
	out := make([]Agent, 0, len(d.agents))
	for _, a := range d.agents {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y Agent) int {
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
	return out
}

// MaySee says whether an actor may open a case owned by dept at all:
// its members and the centre of excellence. Others learn at most that the
// case exists and which department has it.
func (p *Policy) MaySee(a Actor, dept string) bool { return a.In(dept) || a.In(p.CoE) }

// MaySeeCase adds to MaySee the approvers a drafted reply on the case
// waits for: a reply on a PR-owned account may need PR's approval while
// support owns the case.
func (p *Policy) MaySeeCase(a Actor, dept, approver string, drafted bool) bool {
	return p.MaySee(a, dept) || Decides(a, approver, drafted)
}

// Decides says whether the actor is an approver of the department that a
// drafted reply waits for.
func Decides(a Actor, approver string, drafted bool) bool {
	return drafted && slices.Contains(a.Roles, RoleApprover) && a.In(approver)
}

// MayActOn says whether an actor may act on a case owned by dept: members of
// the department, leads and heads of the departments on its escalation chain,
// and the centre of excellence. The error names the rule.
func (p *Policy) MayActOn(a Actor, dept string) error {
	if a.In(dept) || a.In(p.CoE) {
		return nil
	}
	for _, step := range p.Departments[dept].Escalation {
		if a.In(step.To) && a.Senior() {
			return nil
		}
	}
	return Refuse("department-member", "%s is not in %s (only its agents, leads and heads on its escalation chain, and %s may act)", a.ID, dept, p.CoE)
}
