// Package incident is what the centre of excellence works when many
// customers write about one cause at once: the spikes that opened it
// (package spike), its member cases, a holding statement proposed and
// approved by a second person, that statement's delivery to every member
// case once, and the incident's resolution, which resolves its members
// with a link to it. It is plain Go; the Incident workflow carries it out.
package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/spike"
)

// Status is where an incident stands.
type Status string

const (
	StatusOpen     Status = "open"
	StatusResolved Status = "resolved"
)

// Incident is one cause many customers wrote about.
type Incident struct {
	ID       string    `json:"id"`
	Property string    `json:"property"` // "x:@acme_help"
	OpenedAt time.Time `json:"opened_at"`
	Status   Status    `json:"status"`
	// Departments work it: the centre of excellence, and the public
	// department (PR) when the posts are public.
	Departments []string `json:"departments"`
	Public      bool     `json:"public"`
	// Rules are who does what, fixed when the incident opens.
	Rules Rules `json:"rules"`
	// Alerts are the spikes that opened it or joined it, each saying why
	// it fired; their cases are members.
	Alerts []spike.Alert `json:"alerts"`
	// Members are the cases of the posts it is about, in the order they
	// joined; Samples the first few posts' texts, for people to read.
	Members []Member `json:"members"`
	Samples []Sample `json:"samples"`
	// Statements are the holding statements, the last one current.
	Statements []Statement `json:"statements,omitempty"`
	// Rejected is the last rejected statement's version, which a new one
	// goes past.
	Rejected int `json:"rejected,omitempty"`
	// Deliveries are what each member case made of each statement sent
	// and of the incident's resolution.
	Deliveries []Delivery  `json:"deliveries,omitempty"`
	Resolution *Resolution `json:"resolution,omitempty"`
	Trail      []Event     `json:"trail"`
}

// Rules are the incident's part of the policy.
type Rules struct {
	CoE string `json:"coe"`
	// Public is the department that approves what is said in public
	// (PR); empty, the centre of excellence's leads approve.
	Public string `json:"public,omitempty"`
}

// Member is a case of the incident.
type Member struct {
	CaseID   string    `json:"case_id"`
	JoinedAt time.Time `json:"joined_at"`
}

// Sample is a member post's text (redacted), for people to see what the
// customers say.
type Sample struct {
	CaseID string `json:"case_id"`
	Text   string `json:"text"`
}

// MaxSamples bounds the samples an incident keeps.
const MaxSamples = 10

// Statement is a holding statement: proposed by one person, approved by
// another, then sent to every member case.
type Statement struct {
	Version    int       `json:"version"` // 1, 2, …: a later one updates the customers
	Text       string    `json:"text"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	SentBy     string    `json:"sent_by,omitempty"`
	SentAt     time.Time `json:"sent_at,omitzero"`
	// Stopped: its delivery stopped when public posts joined an incident
	// of private messages; the public department approves again.
	Stopped bool `json:"stopped,omitempty"`
	// Sender is who the member cases see sending it: the centre of
	// excellence's lead who sent it, as the directory had them.
	Sender *policy.Actor `json:"sender,omitempty"`
}

// Resolution is how the incident ended.
type Resolution struct {
	By       string        `json:"by"`
	At       time.Time     `json:"at"`
	Text     string        `json:"text"`
	Resolver *policy.Actor `json:"resolver,omitempty"` // who the member cases see resolving them
}

// Outcome is what a member case made of a delivery.
type Outcome string

const (
	Sent     Outcome = "sent"     // the statement was published on the case
	Resolved Outcome = "resolved" // the case was resolved with the incident
	Refused  Outcome = "refused"  // the case refused it; Detail says why
	Failed   Outcome = "failed"   // it could not be reached; Detail says why
)

// Delivery is one member case's answer to a statement (Version) or to the
// resolution (Version 0).
type Delivery struct {
	CaseID  string    `json:"case_id"`
	Version int       `json:"version"`
	Outcome Outcome   `json:"outcome"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
}

// Event is a step of the incident's trail.
type Event struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"` // opened, spike, joined, proposed, approved, rejected, sent, delivered, resolved
	Actor string    `json:"actor,omitempty"`
	Text  string    `json:"text,omitempty"`
}

// Open is a new incident for the spike a, whose posts are members.
func Open(id string, a spike.Alert, posts []spike.Post, public bool, rules Rules) *Incident {
	inc := &Incident{ID: id, Property: a.Property, OpenedAt: a.At, Status: StatusOpen, Public: public && rules.Public != "", Rules: rules,
		Departments: []string{rules.CoE}}
	if inc.Public {
		inc.Departments = append(inc.Departments, rules.Public)
	}
	inc.record(a.At, Event{Kind: "opened", Text: a.Why})
	inc.addAlert(a)
	inc.Join(posts, a.At)
	return inc
}

// Spike adds a later spike of the same cause (another series firing):
// its posts join.
func (inc *Incident) Spike(a spike.Alert, posts []spike.Post) {
	if inc.Status != StatusOpen {
		return
	}
	inc.record(a.At, Event{Kind: "spike", Text: a.Why})
	inc.addAlert(a)
	inc.Join(posts, a.At)
}

func (inc *Incident) addAlert(a spike.Alert) {
	a.Cases = nil // they are the members
	inc.Alerts = append(inc.Alerts, a)
}

// Join adds the posts' cases that are not members yet.
func (inc *Incident) Join(posts []spike.Post, now time.Time) int {
	added := 0
	for _, p := range posts {
		if inc.Status != StatusOpen || p.CaseID == "" || inc.Member(p.CaseID) {
			continue
		}
		if !p.Private && !inc.Public && inc.Rules.Public != "" {
			inc.goPublic(now)
		}
		inc.Members = append(inc.Members, Member{CaseID: p.CaseID, JoinedAt: now})
		if len(inc.Samples) < MaxSamples && strings.TrimSpace(p.Text) != "" {
			inc.Samples = append(inc.Samples, Sample{CaseID: p.CaseID, Text: p.Text})
		}
		added++
	}
	if added > 0 {
		inc.record(now, Event{Kind: "joined", Text: fmt.Sprintf("%d case(s) joined; %d in all", added, len(inc.Members))})
	}
	return added
}

// goPublic: a public post joined an incident of private messages. What
// it says in public is the public department's to approve, so PR joins,
// a statement being sent stops, and the latest approved one waits again,
// as a new version, for PR's approval.
func (inc *Incident) goPublic(now time.Time) {
	inc.Public = true
	inc.Departments = append(inc.Departments, inc.Rules.Public)
	for i := range inc.Statements {
		if st := &inc.Statements[i]; st.SentBy != "" {
			st.Stopped = true
		}
	}
	if cur := inc.Current(); cur != nil && cur.ApprovedBy != "" {
		inc.Statements = append(inc.Statements, Statement{Version: cur.Version + 1, Text: cur.Text, By: cur.By, At: now})
	}
	inc.record(now, Event{Kind: "public", Text: "a public post joined: " + inc.Rules.Public + " approves what the incident says from now on"})
}

// Member says whether the case is one of the incident's.
func (inc *Incident) Member(caseID string) bool {
	return slices.ContainsFunc(inc.Members, func(m Member) bool { return m.CaseID == caseID })
}

func (inc *Incident) record(at time.Time, e Event) {
	e.At = at
	inc.Trail = append(inc.Trail, e)
}

// Current is the latest statement, if any.
func (inc *Incident) Current() *Statement {
	if len(inc.Statements) == 0 {
		return nil
	}
	return &inc.Statements[len(inc.Statements)-1]
}

// ActionKind names something a person does to an incident.
type ActionKind string

const (
	ActionPropose ActionKind = "propose" // a holding statement, for approval
	ActionApprove ActionKind = "approve" // the proposed statement, by another person
	ActionReject  ActionKind = "reject"  // the proposed statement, with a reason
	ActionSend    ActionKind = "send"    // the approved statement, to every member case
	ActionResolve ActionKind = "resolve" // the incident, and with it every member case
)

// Actions lists every action kind.
var Actions = []ActionKind{ActionPropose, ActionApprove, ActionReject, ActionSend, ActionResolve}

// Action is a person's request; Actor is verified before the incident
// sees it.
type Action struct {
	Actor policy.Actor `json:"actor"`
	Text  string       `json:"text,omitempty"`
	// Version is the statement an approve, reject or send decides: the
	// one the person read, so a draft replaced meanwhile is not decided
	// unseen.
	Version int    `json:"version,omitempty"`
	Request string `json:"request,omitempty"` // the Update ID, one per human intent
	Proof   string `json:"proof,omitempty"`
}

// Check says whether the action is allowed now, changing nothing.
func (inc *Incident) Check(kind ActionKind, a Action) error {
	if inc.Status != StatusOpen {
		return policy.Refuse("incident-open", "incident %s is resolved", inc.ID)
	}
	if len(a.Text) > post.MaxTextLength {
		return policy.Refuse("text-too-long", "the text is %d bytes, more than %d", len(a.Text), post.MaxTextLength)
	}
	if !slices.ContainsFunc(inc.Departments, a.Actor.In) {
		return policy.Refuse("incident-member", "%s is not in %s, who work this incident", a.Actor.ID, strings.Join(inc.Departments, " or "))
	}
	s := inc.Current()
	switch kind {
	case ActionPropose:
		return inc.checkStatement(a.Text)
	case ActionApprove, ActionReject:
		if s == nil || s.ApprovedBy != "" {
			return policy.Refuse("no-statement", "no statement awaits approval; propose one first")
		}
		if err := s.named(a.Version); err != nil {
			return err
		}
		if a.Actor.ID == s.By {
			return policy.Refuse("four-eyes", "%s proposed this statement; another person approves it", a.Actor.ID)
		}
		if err := inc.mayApprove(a.Actor); err != nil {
			return err
		}
		if kind == ActionReject && strings.TrimSpace(a.Text) == "" {
			return policy.Refuse("text-required", "say why the statement is rejected")
		}
	case ActionSend:
		if err := inc.speaksForBrand(a.Actor, "send a statement"); err != nil {
			return err
		}
		if s == nil || s.ApprovedBy == "" {
			return policy.Refuse("statement-approved", "no approved statement to send; propose one and have it approved")
		}
		if err := s.named(a.Version); err != nil {
			return err
		}
		if s.SentBy != "" {
			return policy.Refuse("statement-sent", "statement %d was sent by %s; propose a new one to update the customers", s.Version, s.SentBy)
		}
	case ActionResolve:
		if err := inc.speaksForBrand(a.Actor, "resolve an incident"); err != nil {
			return err
		}
		if strings.TrimSpace(a.Text) == "" {
			return policy.Refuse("text-required", "say how the incident was resolved: each member case records it")
		}
	default:
		return policy.Refuse("action", "unknown incident action %q", kind)
	}
	return nil
}

// named: the action decides the statement the person read.
func (s *Statement) named(version int) error {
	if version != s.Version {
		return policy.Refuse("statement-version", "the statement is version %d, not %d: read it again (switchboard incident show) before deciding", s.Version, version)
	}
	return nil
}

// checkStatement: a statement goes to every member in public, so it must
// fit the platform's public reply and carry no personal data.
func (inc *Incident) checkStatement(text string) error {
	if strings.TrimSpace(text) == "" {
		return policy.Refuse("text-required", "the statement is empty")
	}
	platform, _, _ := strings.Cut(inc.Property, ":")
	if n, limit := post.ReplyLength(platform, text), post.ReplyLimit(platform, false); n > limit {
		return policy.Refuse("reply-too-long", "a reply on %s holds at most %d characters; the statement has %d", platform, limit, n)
	}
	return casestate.CheckPublicReply(text, "", false)
}

// mayApprove: what is said in public is approved by the public
// department's approvers; otherwise by the centre of excellence's leads.
func (inc *Incident) mayApprove(a policy.Actor) error {
	if inc.Public {
		if a.In(inc.Rules.Public) && a.Has(policy.RoleApprover) {
			return nil
		}
		return policy.Refuse("incident-approver", "the posts are public: an approver of %s approves the statement", inc.Rules.Public)
	}
	return inc.speaksForBrand(a, "approve a statement")
}

// speaksForBrand: sending and resolving act on every member case, which
// only the centre of excellence's leads and heads may do (the cases check
// it again: casestate's statement rule).
func (inc *Incident) speaksForBrand(a policy.Actor, what string) error {
	if a.In(inc.Rules.CoE) && a.Senior() {
		return nil
	}
	return policy.Refuse("incident-sender", "only a lead or head of %s may %s", inc.Rules.CoE, what)
}

// Apply performs a checked action at now.
func (inc *Incident) Apply(kind ActionKind, a Action, now time.Time) error {
	if err := inc.Check(kind, a); err != nil {
		return err
	}
	s := inc.Current()
	switch kind {
	case ActionPropose:
		version := inc.Rejected + 1
		if s != nil {
			version = max(version, s.Version+1) // never reused: an approval names the text it read
		}
		if s != nil && s.ApprovedBy == "" { // an unapproved one is replaced
			inc.Statements = inc.Statements[:len(inc.Statements)-1]
		}
		inc.Statements = append(inc.Statements, Statement{Version: version, Text: a.Text, By: a.Actor.ID, At: now})
		inc.record(now, Event{Kind: "proposed", Actor: a.Actor.ID, Text: a.Text})
	case ActionApprove:
		s.ApprovedBy, s.ApprovedAt = a.Actor.ID, now
		inc.record(now, Event{Kind: "approved", Actor: a.Actor.ID, Text: fmt.Sprintf("statement %d", s.Version)})
	case ActionReject:
		inc.Statements = inc.Statements[:len(inc.Statements)-1]
		inc.Rejected = s.Version
		inc.record(now, Event{Kind: "rejected", Actor: a.Actor.ID, Text: a.Text})
	case ActionSend:
		sender := a.Actor
		s.SentBy, s.SentAt, s.Sender = a.Actor.ID, now, &sender
		inc.record(now, Event{Kind: "sent", Actor: a.Actor.ID, Text: fmt.Sprintf("statement %d to %d case(s), and to each that joins", s.Version, len(inc.Members))})
	case ActionResolve:
		resolver := a.Actor
		inc.Status = StatusResolved
		inc.Resolution = &Resolution{By: a.Actor.ID, At: now, Text: a.Text, Resolver: &resolver}
		inc.record(now, Event{Kind: "resolved", Actor: a.Actor.ID, Text: a.Text})
	}
	return nil
}

// Task is a delivery the workflow must take to a member case.
type Task struct {
	CaseID  string
	Kind    casestate.ActionKind // statement or resolve
	Action  casestate.Action
	Version int
}

// Next is the member cases' deliveries still to make, in the order the
// cases joined: the sent statement to each member without it (one that
// joins later gets it too), and once resolved, the resolution.
func (inc *Incident) Next() []Task {
	var out []Task
	done := map[string]bool{}
	for _, d := range inc.Deliveries {
		done[inc.request(d.CaseID, d.Version)] = true
	}
	if s := inc.sent(); s != nil && inc.Status == StatusOpen {
		for _, m := range inc.Members {
			if !done[inc.request(m.CaseID, s.Version)] {
				out = append(out, Task{CaseID: m.CaseID, Kind: casestate.ActionStatement, Version: s.Version,
					Action: casestate.Action{Actor: *s.Sender, Text: s.Text, Incident: inc.ID, Request: inc.request(m.CaseID, s.Version)}})
			}
		}
	}
	if r := inc.Resolution; r != nil {
		for _, m := range inc.Members {
			if !done[inc.request(m.CaseID, 0)] {
				out = append(out, Task{CaseID: m.CaseID, Kind: casestate.ActionResolve,
					Action: casestate.Action{Actor: *r.Resolver, Text: "resolved with incident " + inc.ID + ": " + r.Text, Incident: inc.ID, Request: inc.request(m.CaseID, 0)}})
			}
		}
	}
	return out
}

// sent is the newest statement sent: proposing an update goes on
// delivering it until the update is sent.
func (inc *Incident) sent() *Statement {
	for i := len(inc.Statements) - 1; i >= 0; i-- {
		if st := &inc.Statements[i]; st.SentBy != "" && !st.Stopped {
			return st
		}
	}
	return nil
}

// request is the Update ID of a delivery: the same for every attempt, so
// a case takes a statement once however often it is tried.
func (inc *Incident) request(caseID string, version int) string {
	if version == 0 {
		return inc.ID + "/resolve/" + caseID
	}
	return fmt.Sprintf("%s/statement-%d/%s", inc.ID, version, caseID)
}

func (inc *Incident) delivered(caseID string, version int) bool {
	return slices.ContainsFunc(inc.Deliveries, func(d Delivery) bool { return d.CaseID == caseID && d.Version == version })
}

// Delivered records what a member case made of a task.
func (inc *Incident) Delivered(t Task, outcome Outcome, detail string, now time.Time) {
	if inc.delivered(t.CaseID, t.Version) {
		return
	}
	inc.Deliveries = append(inc.Deliveries, Delivery{CaseID: t.CaseID, Version: t.Version, Outcome: outcome, Detail: detail, At: now})
}

// Tally counts the deliveries of a statement version (0: the resolution)
// by outcome.
func (inc *Incident) Tally(version int) map[Outcome]int {
	out := map[Outcome]int{}
	for _, d := range inc.Deliveries {
		if d.Version == version {
			out[d.Outcome]++
		}
	}
	return out
}
