package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
)

// maxBulk bounds one bulk action: each case is one Update.
const maxBulk = 100

// Bulk actions a lead takes on the inbox's chosen cases.
const (
	bulkAssign  = "assign"  // give them to an agent of the department
	bulkHandoff = "handoff" // hand them to another department, with a reason
	bulkSpam    = "spam"    // relabel them spam: into the spam queue
)

// bulkData is what the inbox's bulk bar offers a lead: the agents they may
// give cases to, and the departments to hand over to.
type bulkData struct {
	Agents []policy.Agent
	Depts  []policy.Department
}

// bulkFor is the bulk bar for agent, or nil: only leads and heads get one,
// for the departments they lead.
func (s *server) bulkFor(agent policy.Agent) *bulkData {
	if !agent.Actor().Senior() {
		return nil
	}
	d := &bulkData{}
	for _, a := range s.dir.All() {
		if slices.ContainsFunc(a.Departments, func(dept string) bool { return slices.Contains(agent.Departments, dept) }) {
			d.Agents = append(d.Agents, a)
		}
	}
	for _, id := range s.pol.DepartmentIDs() {
		dep, _ := s.pol.Department(id)
		d.Depts = append(d.Depts, dep)
	}
	return d
}

// bulk takes one action on every chosen case, each its own Update that the
// case checks as if taken alone, and says how many went through and why
// the others were refused.
func (s *server) bulk(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/inbox?") && back != "/inbox" {
		back = "/inbox"
	}
	fail := func(msg string) {
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: msg})
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
	if s.bulkFor(agent) == nil {
		fail("Bulk actions are for leads and heads.")
		return
	}
	ids := r.PostForm["case"]
	if len(ids) == 0 {
		fail("Choose the cases first.")
		return
	}
	if len(ids) > maxBulk {
		fail(fmt.Sprintf("At most %d cases at once.", maxBulk))
		return
	}
	kind, a, what, problem := s.bulkAction(r.PostFormValue("action"), r.PostFormValue("to"), r.PostFormValue("agent"), r.PostFormValue("text"))
	if problem != "" {
		fail(problem)
		return
	}
	// The form's token and the case make each case's request: the form sent
	// twice is one action on each case.
	token := r.PostFormValue("request")
	if token == "" {
		token = caseapi.NewRequest()
	}
	var done int
	var refused []string
	for _, id := range ids {
		ctx, cancel := context.WithTimeout(r.Context(), callTimeout) // each case its own time
		err := s.bulkOne(ctx, agent, id, kind, a, token)
		cancel()
		var rule *caseapi.RefusedError
		switch {
		case errors.Is(err, caseapi.ErrNotFound):
			refused = append(refused, id+": not a case of your departments")
		case errors.As(err, &rule):
			refused = append(refused, id+": "+rule.Reason)
		case err != nil:
			s.log.Warn("bulk action failed", zap.String("case", id), zap.String("action", string(kind)), zap.Error(err))
			refused = append(refused, id+": "+err.Error())
		default:
			done++
		}
	}
	s.log.Info("bulk action", zap.String("action", string(kind)), zap.String("agent", agent.ID), zap.Int("done", done), zap.Int("refused", len(refused)))
	if done > 0 {
		s.sessions.addFlash(sess.ID, flash{Kind: "ok", Text: fmt.Sprintf("%s: %d of %d cases.", what, done, len(ids))})
	}
	if len(refused) > 0 {
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: fmt.Sprintf("%d refused: %s", len(refused), strings.Join(refused, "; "))})
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// bulkOne takes the bulk action on one case the agent may see.
func (s *server) bulkOne(ctx context.Context, agent policy.Agent, id string, kind casestate.ActionKind, a casestate.Action, token string) error {
	if _, err := s.visibleCase(ctx, agent, id); err != nil {
		return err
	}
	a.Request = bulkRequest(token, id)
	_, err := s.cases.Act(ctx, id, kind, agent.ID, a)
	return err
}

// bulkRequest is one case's request token in a bulk action: the same for
// the same form and case, and as short as any.
func bulkRequest(token, caseID string) string {
	sum := sha256.Sum256([]byte(token + "\x00" + caseID))
	return hex.EncodeToString(sum[:16])
}

// bulkAction is the case action a bulk choice stands for and how to say it
// was done, or what the lead must fix in the form.
func (s *server) bulkAction(action, dept, agentID, text string) (kind casestate.ActionKind, a casestate.Action, done, problem string) {
	text = strings.TrimSpace(text)
	switch action {
	case bulkAssign:
		to, err := s.dir.Lookup(agentID)
		if err != nil {
			return "", a, "", "Choose an agent to give the cases to."
		}
		return casestate.ActionAssign, casestate.Action{To: to.ID, Text: text}, "Given to " + to.ID, ""
	case bulkHandoff:
		if _, ok := s.pol.Department(dept); !ok {
			return "", a, "", "Choose the department to hand the cases to."
		}
		if text == "" {
			return "", a, "", "Say why: the department sees it with each case."
		}
		return casestate.ActionHandoff, casestate.Action{To: dept, Text: text}, "Handed over to " + s.deptName(dept), ""
	case bulkSpam:
		if text == "" {
			text = "spam, by a lead's bulk action"
		}
		return casestate.ActionRelabel, casestate.Action{Intent: "spam", Text: text}, "Moved to the spam queue", ""
	}
	return "", a, "", fmt.Sprintf("There is no bulk action %q.", action)
}
