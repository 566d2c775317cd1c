package console

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
)

// boardRow is one department on the SLA board: its live cases by what they
// need, its escalation ladder with the cases on each rung, and the
// customer who has waited longest for an answer.
type boardRow struct {
	Dept, Name       string
	Open, Unassigned int // live cases (open, waiting on the customer or an approver), and of them unclaimed
	DueSoon          int // an owed clock falls due within soonWindow
	Breached         int // an owed clock is past due
	Ladder           []rung
	Oldest           *waiting // nil when nobody waits on the department
	InboxURL         string
	BreachedURL      string
}

// rung is one level of a department's escalation chain.
type rung struct {
	Level int
	To    string
	After string // how long after the breach the level is called in
	Cases int    // cases whose escalation stands at this level now
}

// waiting is the case whose customer has waited longest for a reply.
type waiting struct {
	CaseID, URL, CustomerID, Since string
}

type boardData struct {
	Rows      []boardRow
	RowsURL   string
	RefreshMS int64
	Every     string
	Error     string
}

// boardRowFor counts a department's live cases, as listed, at now.
func boardRowFor(dept policy.Department, cases []caseapi.Summary, now time.Time) boardRow {
	r := boardRow{Dept: dept.ID, Name: dept.Name,
		InboxURL:    inboxQuery{Dept: dept.ID, Status: inboxActive}.url("/inbox"),
		BreachedURL: inboxQuery{Dept: dept.ID, Status: inboxActive, Breached: true}.url("/inbox")}
	for i, step := range dept.Escalation {
		r.Ladder = append(r.Ladder, rung{Level: i + 1, To: step.To, After: span(step.Within)})
	}
	var oldest *caseapi.Summary
	for i, c := range cases {
		switch casestate.Status(c.Status) {
		case casestate.StatusOpen, casestate.StatusWaitingCustomer, casestate.StatusAwaitingApproval:
		default:
			continue
		}
		r.Open++
		if c.Assignee == "" {
			r.Unassigned++
		}
		if c.SLADueAt != nil {
			switch due := c.SLADueAt.Sub(now); {
			case c.SLABreached || due < 0:
				r.Breached++
			case due < soonWindow:
				r.DueSoon++
			}
		} else if c.SLABreached {
			r.Breached++
		}
		if lvl := int(c.EscalationLevel); lvl > 0 && lvl <= len(r.Ladder) {
			r.Ladder[lvl-1].Cases++
		}
		// Someone owes this customer an answer: the case is open (not
		// waiting on them) and a clock runs.
		if casestate.Status(c.Status) == casestate.StatusOpen && c.SLADueAt != nil && (oldest == nil || c.OpenedAt.Before(oldest.OpenedAt)) {
			oldest = &cases[i]
		}
	}
	if oldest != nil {
		r.Oldest = &waiting{CaseID: oldest.CaseID, URL: caseURL(oldest.CaseID), CustomerID: oldest.CustomerID, Since: ago(oldest.OpenedAt, now)}
	}
	return r
}

// boardDepts are the departments an agent's board shows: every one for
// the centre of excellence, else their own.
func (s *server) boardDepts(agent policy.Agent) []string {
	if s.seesAll(agent) {
		return s.pol.DepartmentIDs()
	}
	return agent.Departments
}

func (s *server) boardRows(ctx context.Context, agent policy.Agent) ([]boardRow, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	now := s.now()
	var rows []boardRow
	for _, id := range s.boardDepts(agent) {
		dept, ok := s.pol.Department(id)
		if !ok {
			continue
		}
		cases, err := s.cases.List(ctx, caseapi.Filter{Department: id, Running: true})
		if err != nil {
			return nil, err
		}
		rows = append(rows, boardRowFor(dept, cases, now))
	}
	return rows, nil
}

// boardPage is the SLA board: each of the agent's departments' live
// cases, due soon, breached, on each rung of the escalation ladder, and
// the longest wait, refreshed live like the inbox.
func (s *server) boardPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	d := boardData{RowsURL: "/board/rows", RefreshMS: s.cfg.Console.RefreshInterval.Milliseconds(), Every: s.cfg.Console.RefreshInterval.String()}
	rows, err := s.boardRows(r.Context(), agent)
	if err != nil {
		s.log.Warn("board: list cases", zap.Error(err))
		d.Error = "Could not list cases: " + err.Error()
	}
	d.Rows = rows
	s.render(w, r, http.StatusOK, "board", s.withAgent(sess, agent, view{Title: "SLA board", Nav: "board", Body: d}))
}

func (s *server) boardFragment(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	rows, err := s.boardRows(r.Context(), agent)
	if err != nil {
		s.log.Warn("board refresh: list cases", zap.Error(err))
		http.Error(w, "could not list cases", http.StatusBadGateway)
		return
	}
	s.execute(w, r, http.StatusOK, "board", "board-rows", boardData{Rows: rows})
}
