package console

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/policy"
)

// worksIncidents says who sees incidents: the centre of excellence, which
// owns them, and the department that approves what they say in public.
func (s *server) worksIncidents(a policy.Agent) bool {
	return s.seesAll(a) || (s.cfg.Incidents.PublicDepartment != "" && slices.Contains(a.Departments, s.cfg.Incidents.PublicDepartment))
}

// mayOpenIncident: the centre sees every incident, PR those it works
// (public posts): an incident of private messages is not PR's to read.
func (s *server) mayOpenIncident(a policy.Agent, inc incident.Incident) bool {
	return s.seesAll(a) || slices.ContainsFunc(inc.Departments, func(d string) bool { return slices.Contains(a.Departments, d) })
}

func incidentURL(id string) string { return "/incident/" + escapeSegments(id) }

func incidentActURL(kind incident.ActionKind, id string) string {
	return "/incident-act/" + string(kind) + "/" + escapeSegments(id)
}

type incidentsData struct {
	Incidents []caseapi.IncidentSummary
	Error     string
}

func (s *server) incidentsPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	if !s.worksIncidents(agent) {
		s.fail(w, r, &agent, http.StatusForbidden, "Incidents", "Incidents are the centre of excellence's and PR's.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	var d incidentsData
	list, err := s.cases.Incidents(ctx, r.URL.Query().Get("closed") != "")
	if err != nil {
		d.Error = "Could not list the incidents: " + err.Error()
	}
	d.Incidents = list
	s.render(w, r, http.StatusOK, "incidents", s.withAgent(sess, agent, view{Title: "Incidents", Nav: "incidents", Body: d}))
}

type incidentData struct {
	incident.Incident
	Statement *incident.Statement
	Tally     map[incident.Outcome]int
	// What the agent may do now: the forms the page shows.
	May map[string]bool
}

func (s *server) incidentPage(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	if !s.worksIncidents(agent) {
		s.fail(w, r, &agent, http.StatusForbidden, "Incidents", "Incidents are the centre of excellence's and PR's.")
		return
	}
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	inc, err := s.cases.Incident(ctx, id)
	if errors.Is(err, caseapi.ErrNotFound) {
		s.fail(w, r, &agent, http.StatusNotFound, "No such incident", "There is no incident "+id+".")
		return
	}
	if err != nil {
		s.fail(w, r, &agent, http.StatusBadGateway, "Incident", "Could not read the incident: "+err.Error())
		return
	}
	if !s.mayOpenIncident(agent, inc) {
		s.fail(w, r, &agent, http.StatusNotFound, "No such incident", "There is no incident "+id+" for your departments.")
		return
	}
	d := incidentData{Incident: inc, Statement: inc.Current(), May: map[string]bool{}}
	if d.Statement != nil {
		d.Tally = inc.Tally(d.Statement.Version)
	}
	for _, kind := range incident.Actions {
		// A sample text that fits every text rule: the form is offered, the
		// action is checked again with what the agent writes.
		version := 0
		if d.Statement != nil {
			version = d.Statement.Version
		}
		d.May[string(kind)] = inc.Check(kind, incident.Action{Actor: agent.Actor(), Text: "We are looking into it.", Version: version}) == nil
	}
	s.render(w, r, http.StatusOK, "incident", s.withAgent(sess, agent, view{Title: "Incident", Nav: "incidents", Body: d}))
}

// incidentAct performs an incident action from its page's form.
func (s *server) incidentAct(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	id, kind := r.PathValue("id"), incident.ActionKind(r.PathValue("kind"))
	if !slices.Contains(incident.Actions, kind) || !s.worksIncidents(agent) {
		s.fail(w, r, &agent, http.StatusNotFound, "Unknown action", "There is no incident action "+string(kind)+" for you.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	// The statement's version, rendered with the form: what the person read.
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	a := incident.Action{Text: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n")), Version: version, Request: r.PostFormValue("request")}
	_, err := s.cases.ActIncident(ctx, id, kind, agent.ID, a)
	var refused *caseapi.RefusedError
	switch {
	case errors.As(err, &refused):
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "Refused (" + string(kind) + "): " + refused.Reason})
	case err != nil:
		s.log.Warn("incident action failed", zap.String("incident", id), zap.String("action", string(kind)), zap.Error(err))
		s.sessions.addFlash(sess.ID, flash{Kind: "error", Text: "The " + string(kind) + " did not go through: " + err.Error()})
	default:
		s.sessions.addFlash(sess.ID, flash{Kind: "ok", Text: incidentDone[kind]})
	}
	http.Redirect(w, r, incidentURL(id), http.StatusSeeOther)
}

var incidentDone = map[incident.ActionKind]string{
	incident.ActionPropose: "Statement proposed: another person approves it.",
	incident.ActionApprove: "Statement approved: a lead of the centre of excellence sends it.",
	incident.ActionReject:  "Statement rejected and returned.",
	incident.ActionSend:    "Statement sent: each member case gets it once, at the platforms' pace, and each case that joins too.",
	incident.ActionResolve: "Incident resolved: each member case is being resolved with a link to it.",
}
