package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
)

// Inbox views: what an agent works on, what triage was unsure of, the spam
// queue to rescue customers from, and what may still reopen.
const (
	inboxActive      = "active"
	inboxNeedsReview = "needs_review"
	inboxSpam        = "spam"
	inboxResolved    = "resolved"
)

var inboxViews = []string{inboxActive, inboxNeedsReview, inboxSpam, inboxResolved}

// soonWindow marks an SLA as "due soon" in the inbox.
const soonWindow = 15 * time.Minute

type tab struct {
	Name    string
	URL     string
	Current bool
}

type inboxData struct {
	Bulk       *bulkData // the lead's bulk bar; nil for others
	Back       string    // this inbox, for the bulk bar to come back to
	Query      inboxQuery
	Filtered   bool     // a filter or search narrows the list
	Channels   []string // the platforms a filter can pick
	Clear      string   // the inbox without filters
	Title      string
	Tabs       []tab
	StatusTabs []tab
	Rows       []row
	AllDepts   bool // rows of several departments: show which
	RowsURL    string
	RefreshMS  int64
	Every      string
	Error      string
	Shifts     []shiftRow // departments that deal cases to agents on shift
}

type row struct {
	caseapi.Summary
	snippet
	URL      string
	DeptName string
	Due      string
	DueClass string // breached, soon or empty
	DueISO   string
	Opened   string
	Mine     bool
}

// inboxQuery is what an inbox lists: a department ("" is every one the
// agent sees), a view, and the agent's filters and search. It is the
// page's URL, so a view is saved as a bookmark (or in the page's saved
// views) and the live refresh asks for the same rows.
type inboxQuery struct {
	Dept, Status string
	Who          string // inboxMine, inboxUnassigned or "" for anyone
	Priority     string // P1 … P4, or "" for any
	Channel      string // a platform, or "" for any
	Breached     bool
	Escalated    bool
	Search       string // in the case id, the customer, the handle and the post
}

// Who an inbox's cases are with.
const (
	inboxMine       = "mine"
	inboxUnassigned = "unassigned"
)

// maxSearch bounds the search text: it is matched against every row.
const maxSearch = 200

// inboxScope reads the inbox's query and checks the agent may see its
// department. A filter value no case can have is dropped, so a hand-edited
// URL shows a wider list rather than an empty one.
func (s *server) inboxScope(r *http.Request, agent policy.Agent) (inboxQuery, bool) {
	v := r.URL.Query()
	q := inboxQuery{Dept: v.Get("dept"), Status: v.Get("status"), Who: v.Get("who"), Priority: strings.ToUpper(v.Get("priority")),
		Channel: v.Get("channel"), Breached: v.Get("breached") != "", Escalated: v.Get("escalated") != "", Search: strings.TrimSpace(v.Get("q"))}
	if !v.Has("dept") && !s.seesAll(agent) && len(agent.Departments) == 1 {
		q.Dept = agent.Departments[0]
	}
	if !slices.Contains(inboxViews, q.Status) {
		q.Status = inboxActive
	}
	if q.Who != inboxMine && q.Who != inboxUnassigned {
		q.Who = ""
	}
	if !policy.Priority(q.Priority).Valid() {
		q.Priority = ""
	}
	if !slices.Contains(s.channels(), q.Channel) {
		q.Channel = ""
	}
	if len(q.Search) > maxSearch {
		q.Search = strings.ToValidUTF8(q.Search[:maxSearch], "") // a rune cut in two is dropped
	}
	if q.Dept == "" {
		return q, true
	}
	if _, known := s.pol.Department(q.Dept); !known {
		return q, false
	}
	return q, s.maySee(agent, q.Dept)
}

// channels are the platforms the policy's properties are on.
func (s *server) channels() []string {
	var out []string
	for _, p := range s.pol.Properties {
		platform, _, _ := strings.Cut(p.Key, ":")
		if !slices.Contains(out, platform) {
			out = append(out, platform)
		}
	}
	return out
}

// url is the inbox (or its rows, by path) for q.
func (q inboxQuery) url(path string) string {
	v := url.Values{}
	v.Set("dept", q.Dept)
	set := func(key, value string) {
		if value != "" {
			v.Set(key, value)
		}
	}
	if q.Status != inboxActive {
		v.Set("status", q.Status)
	}
	set("who", q.Who)
	set("priority", q.Priority)
	set("channel", q.Channel)
	set("q", q.Search)
	if q.Breached {
		v.Set("breached", "1")
	}
	if q.Escalated {
		v.Set("escalated", "1")
	}
	return path + "?" + v.Encode()
}

// filtered says whether any filter or search narrows the list.
func (q inboxQuery) filtered() bool {
	return q.Who != "" || q.Priority != "" || q.Channel != "" || q.Breached || q.Escalated || q.Search != ""
}

// matches says whether a row holds the search text, in any case.
func (q inboxQuery) matches(r row) bool {
	if q.Search == "" {
		return true
	}
	needle := strings.ToLower(q.Search)
	for _, hay := range []string{r.CaseID, r.CustomerID, r.Handle, r.text} {
		if strings.Contains(strings.ToLower(hay), needle) {
			return true
		}
	}
	return false
}

// inboxDepts are the tabs an agent gets: every department for the centre
// of excellence, else their own ("" is all of them together).
func (s *server) inboxDepts(agent policy.Agent) []string {
	if s.seesAll(agent) {
		return append([]string{""}, s.pol.DepartmentIDs()...)
	}
	if len(agent.Departments) == 1 {
		return agent.Departments
	}
	return append([]string{""}, agent.Departments...)
}

func (s *server) deptName(id string) string { return s.pol.DepartmentName(id) }

func (s *server) inbox(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	q, ok := s.inboxScope(r, agent)
	if !ok {
		s.fail(w, r, &agent, http.StatusForbidden, "Not your department",
			"You can see the inboxes of "+strings.Join(agent.Departments, ", ")+" only.")
		return
	}
	d := inboxData{
		Bulk:      s.bulkFor(agent),
		Back:      q.url("/inbox"),
		Query:     q,
		Filtered:  q.filtered(),
		Channels:  s.channels(),
		Clear:     inboxQuery{Dept: q.Dept, Status: q.Status}.url("/inbox"),
		RowsURL:   q.url("/inbox/rows"),
		RefreshMS: s.cfg.Console.RefreshInterval.Milliseconds(),
		Every:     s.cfg.Console.RefreshInterval.String(),
		Title:     "All departments",
		AllDepts:  q.Dept == "",
	}
	if q.Dept != "" {
		d.Title = s.deptName(q.Dept)
	} else if !s.seesAll(agent) {
		d.Title = "All my departments"
	}
	if depts := s.inboxDepts(agent); len(depts) > 1 { // one department needs no tabs
		for _, id := range depts {
			name := "All"
			if id != "" {
				name = s.deptName(id)
			}
			tq := q
			tq.Dept = id
			d.Tabs = append(d.Tabs, tab{Name: name, URL: tq.url("/inbox"), Current: id == q.Dept})
		}
	}
	for _, st := range inboxViews {
		tq := q
		tq.Status = st
		d.StatusTabs = append(d.StatusTabs, tab{Name: st, URL: tq.url("/inbox"), Current: st == q.Status})
	}
	rows, err := s.inboxRowsFor(r.Context(), agent, q)
	if err != nil {
		s.log.Warn("inbox: list cases", zap.Error(err))
		d.Error = "Could not list cases: " + err.Error()
	}
	d.Rows = rows
	d.Shifts = s.shiftsOf(r.Context(), agent)
	s.render(w, r, http.StatusOK, "inbox", s.withAgent(sess, agent, view{Title: "Inbox · " + d.Title, Nav: "inbox", Body: d}))
}

// shiftRow is the agent's shift in one department that deals cases.
type shiftRow struct {
	Dept, DeptName, Mode string
	On                   bool
	Cases, Capacity      int
}

// shiftsOf lists the agent's departments that deal cases to agents on
// shift, with whether the agent is on. A board that cannot be read is left
// out: the inbox still works.
func (s *server) shiftsOf(ctx context.Context, agent policy.Agent) []shiftRow {
	var out []shiftRow
	for _, dept := range agent.Departments {
		d, ok := s.cfg.Policy.Department(dept)
		if !ok || !d.Assignment.AutoAssigned() {
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		b, err := s.cases.Board(ctx, dept)
		cancel()
		if err != nil {
			s.log.Warn("inbox: read dispatcher board", zap.String("department", dept), zap.Error(err))
			continue
		}
		row := shiftRow{Dept: dept, DeptName: s.deptName(dept), Mode: d.Assignment.Mode, Capacity: agent.Capacity}
		for _, a := range b.Agents {
			if a.ID == agent.ID {
				row.On, row.Cases = a.OnShift, len(a.Cases)
			}
		}
		out = append(out, row)
	}
	return out
}

// shift puts the signed-in agent on or off shift in one of their departments.
func (s *server) shift(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	dept := r.PathValue("dept")
	if !slices.Contains(agent.Departments, dept) {
		s.fail(w, r, &agent, http.StatusForbidden, "Not your department", "You can go on shift in "+strings.Join(agent.Departments, ", ")+" only.")
		return
	}
	on := r.PostFormValue("on") == "1"
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	if _, err := s.cases.Shift(ctx, dept, agent.ID, on, agent.ID); err != nil {
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "Your shift did not change: " + err.Error()})
	} else if on {
		s.sessions.addFlash(sess.ID, flash{Kind: "ok", Text: "You are on shift in " + s.deptName(dept) + ": cases come to you up to your capacity."})
	} else {
		s.sessions.addFlash(sess.ID, flash{Kind: "ok", Text: "You are off shift in " + s.deptName(dept) + ": your open cases went back to the queue."})
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// inboxRows is the table body alone, fetched by the page's refresh script.
func (s *server) inboxRows(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	q, ok := s.inboxScope(r, agent)
	if !ok {
		http.Error(w, "not your department", http.StatusForbidden)
		return
	}
	rows, err := s.inboxRowsFor(r.Context(), agent, q)
	if err != nil {
		s.log.Warn("inbox refresh: list cases", zap.Error(err))
		http.Error(w, "could not list cases", http.StatusBadGateway)
		return
	}
	s.execute(w, r, http.StatusOK, "inbox", "rows", inboxData{Rows: rows, AllDepts: q.Dept == "", Filtered: q.filtered(), Bulk: s.bulkFor(agent)})
}

func (s *server) inboxRowsFor(ctx context.Context, agent policy.Agent, q inboxQuery) ([]row, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	f := caseapi.Filter{Running: true, Priority: q.Priority, Channel: q.Channel, Escalated: q.Escalated}
	switch q.Who {
	case inboxMine:
		f.Assignee = agent.ID
	case inboxUnassigned:
		f.Assignee = "none"
	}
	if q.Breached {
		f.Breached = &q.Breached
	}
	switch q.Status {
	case inboxResolved:
		f.Status = string(casestate.StatusResolved)
	case inboxSpam:
		f.Status = string(casestate.StatusSpam)
	case inboxNeedsReview:
		f.NeedsReview = true
	}
	var depts []string // one list per department, or one for all
	switch {
	case q.Dept != "":
		depts = []string{q.Dept}
	case s.seesAll(agent):
		depts = []string{""}
	default:
		depts = agent.Departments
	}
	var list []caseapi.Summary
	for _, d := range depts {
		f.Department = d
		part, err := s.cases.List(ctx, f)
		if err != nil {
			return nil, err
		}
		list = append(list, part...)
	}
	caseapi.SortBySLA(list)
	now := s.now()
	rows := make([]row, 0, len(list))
	for _, c := range list {
		if q.Status == inboxActive && (c.Status == string(casestate.StatusResolved) || c.Status == string(casestate.StatusClosed) || c.Status == string(casestate.StatusSpam)) {
			continue
		}
		if c.Department != "" && !s.maySee(agent, c.Department) {
			continue // the list query already scopes; this guards a department changing mid-list
		}
		rw := row{Summary: c, URL: caseURL(c.CaseID), DeptName: s.deptName(c.Department),
			Due: "no clock", Opened: ago(c.OpenedAt, now), Mine: c.Assignee == agent.ID}
		if c.SLADueAt != nil {
			rw.Due, rw.DueISO = until(*c.SLADueAt, now), c.SLADueAt.UTC().Format(time.RFC3339)
			switch {
			case c.SLABreached || c.SLADueAt.Before(now):
				rw.DueClass = "breached"
			case c.SLADueAt.Sub(now) < soonWindow:
				rw.DueClass = "soon"
			}
		} else if c.SLABreached {
			rw.DueClass = "breached"
		}
		rows = append(rows, rw)
	}
	s.snippets.fill(ctx, s.cases, rows)
	if q.Search != "" {
		rows = slices.DeleteFunc(rows, func(r row) bool { return !q.matches(r) })
	}
	return rows, nil
}

type clockView struct {
	Name   string
	Due    string
	DueAt  time.Time
	Target time.Duration
	State  string
	Class  string
}

// timelineSteps is how many of a case's newest steps its page shows: a
// case with hundreds of follow-ups stays quick to read and to render.
const timelineSteps = 200

type caseData struct {
	V            casestate.View
	Events       []casestate.Event
	Steps        int // the whole trail's length; the CLI and the journey export show it all
	DeptName     string
	ApproverName string
	Clocks       []clockView
	NextDeadline string
	Handoff      []policy.Department
	Active       bool
	Resolved     bool
	Closed       bool
	Spam         bool     // in the spam queue: rescue it
	Intents      []string // what an agent may relabel or rescue the post as
	Mine         bool
	Member       bool // may act on the case's department (else here to approve)
	Decides      bool // an approver the drafted reply waits for
	DraftMine    bool // drafted by this agent: another approver must decide
	// Offer is the actions the case allows this agent now: the page shows
	// only their forms.
	Thread     []threadItem // the events as a conversation
	Offer      map[string]bool
	ReplyLimit struct{ Public, Private int } // characters, as the platform counts them
	Canned     []cannedReply                 // stock answers for this case, filled in
	Customer   customerHistory
}

// customerHistory is the customer's other cases, across channels and
// linked identities, so the agent answers knowing the whole story: the
// newest historyCases of them, the rest counted (the journey export has
// them all). Cases the agent may not open appear only as Elsewhere: the
// names of their departments, one per case, without id, content or steps.
type customerHistory struct {
	ID        string
	Aliases   []string
	Cases     []pastCase
	Older     int // the agent's other cases not listed
	Elsewhere []string
	Hidden    int // cases elsewhere not listed
}

// historyCases bounds the cases a case page lists: a customer with
// hundreds of cases keeps a page that reads at a glance.
const historyCases = 20

type pastCase struct {
	CaseID, Channel, Department, Status, URL string
	Open                                     bool
	Since                                    string
	Steps                                    int    // when it last reported; 0 while it is open
	Last                                     string // the kind of its latest step then
}

func (s *server) historyOf(agent policy.Agent, full journey.Journey, current string) customerHistory {
	j, withheld := full.SeenBy(func(dept string) bool { return s.maySee(agent, dept) })
	h := customerHistory{ID: j.CustomerID, Aliases: j.Aliases}
	for i := len(j.Cases) - 1; i >= 0; i-- {
		c := j.Cases[i]
		if c.CaseID == current {
			continue
		}
		if len(h.Cases) == historyCases {
			h.Older++
			continue
		}
		h.Cases = append(h.Cases, pastCase{CaseID: c.CaseID, Channel: c.Channel, Department: c.Department, Status: c.Status,
			URL: caseURL(c.CaseID), Open: !c.Closed, Since: c.Since.UTC().Format("Jan 2 15:04"), Steps: c.Steps, Last: c.Last})
	}
	for i := len(withheld) - 1; i >= 0; i-- {
		if len(h.Elsewhere) == historyCases {
			h.Hidden++
			continue
		}
		h.Elsewhere = append(h.Elsewhere, s.deptName(withheld[i]))
	}
	return h
}

// visibleCase loads a case the agent may see; a case of another department
// is "not found", the same as one that does not exist, so the console does
// not tell which cases exist elsewhere.
func (s *server) visibleCase(ctx context.Context, agent policy.Agent, id string) (casestate.View, error) {
	v, err := s.cases.State(ctx, id)
	if err != nil {
		return v, err
	}
	if !s.maySeeCase(agent, v.Department, v.Approver, v.Draft != nil) {
		return casestate.View{}, caseapi.ErrNotFound
	}
	return v, nil
}

func (s *server) casePage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	id := r.PathValue("id")
	v, err := s.visibleCase(ctx, agent, id)
	if errors.Is(err, caseapi.ErrNotFound) {
		s.fail(w, r, &agent, http.StatusNotFound, "No such case", "There is no case "+id+" in your departments.")
		return
	}
	if err != nil {
		s.log.Warn("case page: state", zap.String("case", id), zap.Error(err))
		s.fail(w, r, &agent, http.StatusBadGateway, "Case unavailable", "Could not read the case: "+err.Error())
		return
	}
	events, steps, err := s.cases.LatestEvents(ctx, id, timelineSteps)
	if err != nil {
		s.log.Warn("case page: events", zap.String("case", id), zap.Error(err))
		s.fail(w, r, &agent, http.StatusBadGateway, "Case unavailable", "Could not read the case's timeline: "+err.Error())
		return
	}
	now := s.now()
	d := caseData{
		V: v, Events: events, Steps: steps, DeptName: s.deptName(v.Department), ApproverName: s.deptName(v.Approver),
		Active: v.Status == casestate.StatusOpen || v.Status == casestate.StatusWaitingCustomer ||
			v.Status == casestate.StatusAwaitingApproval,
		Resolved:  v.Status == casestate.StatusResolved,
		Spam:      v.Status == casestate.StatusSpam,
		Intents:   s.pol.Intents(),
		Closed:    v.Status == casestate.StatusClosed,
		Mine:      v.Assignee == agent.ID,
		Member:    s.pol.MayActOn(agent.Actor(), v.Department) == nil,
		Decides:   s.decides(agent, v.Approver, v.Draft != nil),
		DraftMine: v.Draft != nil && v.Draft.By == agent.ID,
	}
	d.ReplyLimit.Public, d.ReplyLimit.Private = post.ReplyLimit(v.Post.Platform, false), post.ReplyLimit(v.Post.Platform, true)
	d.Offer = s.offers(ctx, id, agent)
	d.Canned = s.canned(v, agent)
	if j, err := s.cases.Customer(ctx, v.CustomerID); err != nil {
		s.log.Warn("case page: customer journey", zap.String("customer", v.CustomerID), zap.Error(err))
	} else {
		d.Customer = s.historyOf(agent, j, v.ID)
	}
	d.Thread = thread(d.Events)
	clocks := []*casestate.Clock{v.Response, v.Resolution}
	if v.Draft != nil {
		clocks = append(clocks, v.Draft.Clock)
	}
	for _, c := range clocks {
		if c != nil {
			d.Clocks = append(d.Clocks, clockOf(c, now))
		}
	}
	if nd := v.NextDeadline; nd != nil {
		d.NextDeadline = nd.Label + " " + until(nd.At, now)
	}
	for _, id := range s.pol.DepartmentIDs() {
		if id != v.Department {
			dep, _ := s.pol.Department(id)
			d.Handoff = append(d.Handoff, dep)
		}
	}
	s.render(w, r, http.StatusOK, "case", s.withAgent(sess, agent, view{Title: v.ID, Nav: "inbox", Body: d}))
}

// threadItem is a step of the case's conversation: an event by a person
// (the customer's posts, the agents' replies, notes and decisions), or a
// run of switchboard's own steps between them, folded.
type threadItem struct {
	Event  casestate.Event
	Folded []casestate.Event
}

// thread is events, oldest first, with switchboard's own steps (triage,
// queueing, timers, assignment) folded into runs between the people's.
func thread(events []casestate.Event) []threadItem {
	var out []threadItem
	for _, e := range events {
		// By kind as well: a customer's post stays in view whatever their
		// handle says.
		if e.Actor != policy.SystemActor || e.Kind == casestate.EventOpened || e.Kind == casestate.EventCustomer {
			out = append(out, threadItem{Event: e})
			continue
		}
		if n := len(out); n > 0 && out[n-1].Folded != nil {
			out[n-1].Folded = append(out[n-1].Folded, e)
			continue
		}
		out = append(out, threadItem{Folded: []casestate.Event{e}})
	}
	return out
}

// cannedReply is a stock answer as the case page offers it: its
// placeholders filled in for the case and the agent.
type cannedReply struct{ Title, Text string }

// canned is the configuration's stock answers for the case's department
// and language, filled in.
func (s *server) canned(v casestate.View, agent policy.Agent) []cannedReply {
	first := v.Post.Author.Handle
	if name, _, _ := strings.Cut(strings.TrimSpace(v.Post.Author.Name), " "); name != "" {
		first = name
	}
	me, _, _ := strings.Cut(strings.TrimSpace(agent.Name), " ")
	if me == "" {
		me = agent.ID
	}
	fill := strings.NewReplacer("{first_name}", first, "{handle}", v.Post.Author.Handle, "{case_id}", v.ID, "{agent}", me)
	var out []cannedReply
	for _, c := range s.cfg.Console.CannedReplies {
		if c.Offered(v.Department, v.Triage.Language) {
			out = append(out, cannedReply{Title: c.Title, Text: fill.Replace(c.Text)})
		}
	}
	return out
}

// offers is the set of actions the case allows agent now. A case that
// cannot say (a worker from before the offers query) is offered every
// form, as before: the case still refuses what its rules do not allow.
func (s *server) offers(ctx context.Context, id string, agent policy.Agent) map[string]bool {
	kinds, err := s.cases.Offers(ctx, id, agent.ID)
	if err != nil {
		s.log.Warn("case page: offers", zap.String("case", id), zap.Error(err))
		kinds = casestate.Actions
	}
	out := map[string]bool{}
	for _, k := range kinds {
		out[string(k)] = true
	}
	return out
}

func clockOf(c *casestate.Clock, now time.Time) clockView {
	cv := clockView{Name: strings.ReplaceAll(string(c.Kind), "_", " "), DueAt: c.DueAt, Target: c.Target, Due: until(c.DueAt, now)}
	switch {
	case c.Breached:
		cv.State, cv.Class = "breached", "breached"
	case c.Paused:
		cv.State, cv.Due = "paused while waiting on the customer", span(c.Remaining)+" left"
	case c.DueAt.Before(now):
		cv.State, cv.Class = "past due", "breached"
	case c.Warned || !c.WarnAt.After(now):
		cv.State, cv.Class = "warning", "soon"
	default:
		cv.State = "running"
	}
	return cv
}

// done is what an accepted action tells the agent; after is the case as
// it stands after the action.
func (s *server) done(kind casestate.ActionKind, a casestate.Action, after casestate.Outcome) string {
	switch kind {
	case casestate.ActionClaim:
		return "You claimed the case."
	case casestate.ActionRelease:
		return "Released: the case is back in the queue."
	case casestate.ActionReply:
		if after.Draft != nil {
			return "Reply drafted: it is published once an approver of " + s.deptName(after.Approver) + " approves it."
		}
		if a.AwaitCustomer {
			return "Reply published; the case waits on the customer."
		}
		return "Reply published."
	case casestate.ActionNote:
		return "Note added."
	case casestate.ActionHandoff:
		return "Handed over to " + s.deptName(a.To) + " with a fresh clock."
	case casestate.ActionEscalate:
		return "Escalated."
	case casestate.ActionResolve:
		return "Resolved."
	case casestate.ActionReopen:
		return "Reopened."
	case casestate.ActionApprove:
		return "Approved: the reply is published."
	case casestate.ActionReject:
		return "Rejected: the draft goes back to its author with your reason."
	case casestate.ActionRelabel:
		if after.Status == casestate.StatusSpam {
			return "Relabelled spam: the post is in the spam queue. Thanks: triage learns from this."
		}
		return "Relabelled " + a.Intent + ": the case is with " + s.deptName(after.Department) + ". Thanks: triage learns from this."
	case casestate.ActionRescue:
		return "Rescued as " + a.Intent + ": the case is with " + s.deptName(after.Department) + ", its SLA running from when the post arrived."
	}
	return "Done: " + string(kind) + "."
}

// act performs one action from a case page's form, then redirects back
// (post/redirect/get) with a flash saying what happened or which rule
// refused it.
func (s *server) act(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	id := r.PathValue("id")
	kind := casestate.ActionKind(r.PathValue("kind"))
	if !slices.Contains(casestate.Actions, kind) {
		s.fail(w, r, &agent, http.StatusNotFound, "Unknown action", "There is no action "+string(kind)+".")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	if _, err := s.visibleCase(ctx, agent, id); err != nil {
		if errors.Is(err, caseapi.ErrNotFound) {
			s.fail(w, r, &agent, http.StatusNotFound, "No such case", "There is no case "+id+" in your departments.")
			return
		}
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "Could not read the case, nothing was done: " + err.Error()})
		http.Redirect(w, r, caseURL(id), http.StatusSeeOther)
		return
	}
	a := casestate.Action{
		Text:          strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n")),
		To:            r.PostFormValue("to"),
		Intent:        r.PostFormValue("intent"),
		AwaitCustomer: r.PostFormValue("await_customer") != "",
		Private:       r.PostFormValue("private") != "",
		// Rendered with the form: submitting it twice is one action.
		Request: r.PostFormValue("request"),
	}
	after, err := s.cases.Act(ctx, id, kind, agent.ID, a)
	var refused *caseapi.RefusedError
	switch {
	case errors.As(err, &refused):
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "Refused (" + string(kind) + "): " + refused.Reason,
			Kept: &keptForm{Case: id, Action: string(kind), Text: a.Text, To: a.To, Intent: a.Intent}})
	case errors.Is(err, caseapi.ErrNotFound):
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "The case has closed meanwhile; nothing was done."})
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return
	case err != nil:
		s.log.Warn("action failed", zap.String("case", id), zap.String("action", string(kind)), zap.String("agent", agent.ID), zap.Error(err))
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "The " + string(kind) + " did not go through: " + err.Error()})
	default:
		s.log.Info("action", zap.String("case", id), zap.String("action", string(kind)), zap.String("agent", agent.ID))
		s.sessions.addFlash(sess.ID, flash{Kind: "ok", Text: s.done(kind, a, after)})
		if !s.maySeeCase(agent, after.Department, after.Approver, after.Draft != nil) { // handed to another department, or decided as an outside approver
			back := "/inbox"
			if kind == casestate.ActionApprove || kind == casestate.ActionReject {
				back = "/approvals"
			}
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, caseURL(id), http.StatusSeeOther)
}

type outboxRow struct {
	publish.OutboxEntry
	URL      string // empty when the case is not the agent's to open
	DeptName string
}

type outboxData struct {
	Configured bool
	Rows       []outboxRow
	Error      string
}

// outboxPage lists the replies the sandbox publisher sent, newest first,
// for the cases the agent may see.
func (s *server) outboxPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	d := outboxData{Configured: s.outbox != ""}
	if d.Configured {
		rows, err := s.outboxRows(r.Context(), agent)
		if err != nil {
			s.log.Warn("outbox page", zap.Error(err))
			d.Error = err.Error()
		}
		d.Rows = rows
	}
	s.render(w, r, http.StatusOK, "outbox", s.withAgent(sess, agent, view{Title: "Outbox", Nav: "outbox", Body: d}))
}

func (s *server) outboxRows(ctx context.Context, agent policy.Agent) ([]outboxRow, error) {
	entries, err := publish.ReadOutbox(s.outbox)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	// Which department owns each case now, from one visibility query
	// (closed cases included) rather than a query per reply.
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	all, err := s.cases.List(ctx, caseapi.Filter{})
	if err != nil {
		return nil, err
	}
	owner := make(map[string]string, len(all))
	for _, c := range all {
		owner[c.CaseID] = c.Department
	}
	var rows []outboxRow
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		dept, known := owner[e.CaseID]
		if !s.seesAll(agent) && (!known || !s.maySee(agent, dept)) {
			continue // not listed yet, or another department's
		}
		rows = append(rows, outboxRow{OutboxEntry: e, URL: caseURL(e.CaseID), DeptName: s.deptName(dept)})
	}
	return rows, nil
}

type approvalsData struct {
	Rows  []approvalRow
	Error string
}

type approvalRow struct {
	CaseID   string
	URL      string
	DeptName string // who owns the case
	Approver string // whose approvers decide
	By       string
	Waiting  string
	Due      string
	DueAt    time.Time
	DueClass string
	Text     string
	Mine     bool // drafted by this agent: someone else must decide
}

// approvalsPage lists the drafted replies that wait for an approver of the
// agent's departments, the most urgent approval clock first.
func (s *server) approvalsPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	if !isApprover(agent) {
		s.fail(w, r, &agent, http.StatusForbidden, "Approvers only", "The approval queue is for agents with the approver role.")
		return
	}
	rows, err := s.approvalRows(r.Context(), agent)
	d := approvalsData{Rows: rows}
	if err != nil {
		s.log.Warn("approvals page", zap.Error(err))
		d.Error = "Could not list the cases awaiting approval: " + err.Error()
	}
	s.render(w, r, http.StatusOK, "approvals", s.withAgent(sess, agent, view{Title: "Approvals", Nav: "approvals", Body: d}))
}

// approvalRows finds the cases awaiting approval (a search attribute) and
// reads each one's draft, since which department approves is not indexed.
func (s *server) approvalRows(ctx context.Context, agent policy.Agent) ([]approvalRow, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	list, err := s.cases.List(ctx, caseapi.Filter{Status: string(casestate.StatusAwaitingApproval), Running: true})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.CaseID
	}
	now := s.now()
	var rows []approvalRow
	for _, v := range states(ctx, s.cases, ids) {
		if v.ID == "" || !s.decides(agent, v.Approver, v.Draft != nil) {
			continue
		}
		d := v.Draft
		ar := approvalRow{CaseID: v.ID, URL: caseURL(v.ID), DeptName: s.deptName(v.Department), Approver: s.deptName(v.Approver),
			By: d.By, Waiting: ago(d.At, now), Text: d.Text, Mine: d.By == agent.ID}
		if d.Clock != nil {
			cv := clockOf(d.Clock, now)
			ar.Due, ar.DueAt, ar.DueClass = cv.Due, d.Clock.DueAt, cv.Class
		}
		rows = append(rows, ar)
	}
	slices.SortStableFunc(rows, func(a, b approvalRow) int { return a.DueAt.Compare(b.DueAt) })
	return rows, nil
}
