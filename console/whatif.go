package console

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/slareport"
	"github.com/switchboard-care/switchboard/whatif"
)

// whatifWindows are the pasts a lead may try a policy on from the console;
// longer ones are for `switchboard policy whatif`, which has no request
// to finish in.
var whatifWindows = []string{"1d", "7d", "30d"}

// whatifTimeout bounds a what-if's reading of the past: every case of the
// window is two queries.
const whatifTimeout = 2 * time.Minute

type whatifData struct {
	Policy  string // the YAML as pasted
	Since   string
	Windows []string
	Report  template.HTML
	Error   string
}

// triesPolicies says who may try a policy on the past: leads, heads and
// the centre of excellence, who change policies.
func (s *server) triesPolicies(a policy.Agent) bool { return a.Actor().Senior() || s.seesAll(a) }

func (s *server) whatifPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	s.showWhatIf(w, r, sess, agent, whatifData{Since: "7d"})
}

// whatifRun replays the past under the pasted policy and the running one
// and shows the report under the form, the policy kept in it.
func (s *server) whatifRun(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	d := whatifData{Policy: r.PostFormValue("policy"), Since: r.PostFormValue("since")}
	if !slices.Contains(whatifWindows, d.Since) {
		d.Since = "7d"
	}
	if !s.triesPolicies(agent) {
		s.showWhatIf(w, r, sess, agent, d)
		return
	}
	next, err := config.Parse("the pasted policy", []byte(d.Policy))
	if err == nil {
		err = whatif.CheckVersions(*s.pol, next.Policy)
	}
	if err != nil {
		d.Error = err.Error()
		s.showWhatIf(w, r, sess, agent, d)
		return
	}
	// One replay at a time per console: each reads the whole window.
	select {
	case s.whatifs <- struct{}{}:
		defer func() { <-s.whatifs }()
	default:
		d.Error = "Another what-if is running on this console; try again in a minute."
		s.showWhatIf(w, r, sess, agent, d)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), whatifTimeout)
	defer cancel()
	window, _ := slareport.ParseWindow(d.Since) // one of whatifWindows
	asOf := s.now().UTC()
	from := asOf.Add(-window)
	past, _, err := s.cases.PastCases(ctx, from, stateLookups) // how many were gone is not scoped to the lead: not shown
	if err != nil {
		s.log.Warn("what-if: read the past", zap.Error(err))
		d.Error = "Could not read the past cases: " + err.Error()
		s.showWhatIf(w, r, sess, agent, d)
		return
	}
	// Only the cases the lead may open now, by the running policy: a pasted
	// policy that routes everything to their department shows them no
	// other department's case, row or count.
	past = slices.DeleteFunc(past, func(c slareport.Case) bool {
		return !s.maySeeCase(agent, c.View.Department, c.View.Approver, c.View.Draft != nil)
	})
	rep := whatif.Compare(past, *s.pol, next.Policy, whatif.Options{Since: from, AsOf: asOf})
	if d.Report, err = rep.Fragment(); err != nil {
		d.Error = err.Error()
	}
	s.showWhatIf(w, r, sess, agent, d)
}

func (s *server) showWhatIf(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent, d whatifData) {
	status := http.StatusOK
	if !s.triesPolicies(agent) {
		status, d.Error = http.StatusForbidden, "Trying a policy on the past is for leads, heads and the centre of excellence."
	}
	d.Windows = whatifWindows
	s.render(w, r, status, "whatif", s.withAgent(sess, agent, view{Title: "What if", Nav: "whatif", Body: d}))
}
