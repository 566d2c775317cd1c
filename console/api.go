package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/policy"
)

// The console's JSON API is how the CLI acts (`switchboard login`, then
// any action): like the console's forms, it is one of the two places where
// a person becomes an actor. An agent trades their id and password for a
// personal token (a session of its own, in the shared store, under the
// same attempt limits as the sign-in form); each request with the token
// acts as that agent, whatever its body says, and the case API signs it.
// Paths, bodies and answers are in these types, which the CLI shares.
const (
	APITokens  = "/api/v1/tokens"
	APIActions = "/api/v1/actions"
	APIShifts  = "/api/v1/shifts"
	APILinks   = "/api/v1/links"
	// APIIncidents lists incidents (?closed=1 with the resolved), or reads
	// one (?id=); APIIncidentActions acts on one.
	APIIncidents       = "/api/v1/incidents"
	APIIncidentActions = "/api/v1/incident-actions"
)

// IncidentActRequest is one action on an incident, as the token's agent.
type IncidentActRequest struct {
	ID      string              `json:"id"`
	Kind    incident.ActionKind `json:"kind"`
	Text    string              `json:"text,omitempty"`
	Version int                 `json:"version,omitempty"` // the statement an approve, reject or send decides
	Request string              `json:"request,omitempty"`
}

// TokenRequest signs an agent in for a personal token.
type TokenRequest struct {
	Agent    string `json:"agent"`
	Password string `json:"password"`
}

// Token is a personal token and whom it acts as.
type Token struct {
	Token   string    `json:"token"`
	Agent   string    `json:"agent"`
	Expires time.Time `json:"expires"`
}

// ActRequest is one action on a case, as the token's agent.
type ActRequest struct {
	CaseID string               `json:"case_id"`
	Kind   casestate.ActionKind `json:"kind"`
	// The action's own fields; its actor is the token's agent.
	Text          string `json:"text,omitempty"`
	To            string `json:"to,omitempty"`
	Intent        string `json:"intent,omitempty"`
	AwaitCustomer bool   `json:"await_customer,omitempty"`
	Private       bool   `json:"private,omitempty"`
	Request       string `json:"request,omitempty"`
}

// ShiftRequest puts Agent (the token's own, or another for a lead) on or
// off shift in Department.
type ShiftRequest struct {
	Department string `json:"department"`
	Agent      string `json:"agent"`
	On         bool   `json:"on"`
}

// LinkRequest links Identity into Customer's journey.
type LinkRequest struct {
	Customer string `json:"customer"`
	Identity string `json:"identity"`
}

// APIError is every refusal's body. Refused says the case refused the
// action by one of its rules (409), as against a request that never
// reached it.
type APIError struct {
	Error   string `json:"error"`
	Refused bool   `json:"refused,omitempty"`
}

// apiBodyLimit bounds a request body: an action's text is at most
// post.MaxTextLength, far below it.
const apiBodyLimit = 256 << 10

func (s *server) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+APITokens, s.apiSignIn)
	mux.HandleFunc("DELETE "+APITokens, s.api(s.apiSignOut))
	mux.HandleFunc("POST "+APIActions, s.api(s.apiAct))
	mux.HandleFunc("POST "+APIShifts, s.api(s.apiShift))
	mux.HandleFunc("POST "+APILinks, s.api(s.apiLink))
	mux.HandleFunc("GET "+APIIncidents, s.api(s.apiIncidents))
	mux.HandleFunc("POST "+APIIncidentActions, s.api(s.apiIncidentAct))
}

type apiHandler func(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent)

// api serves a request with a personal token: the agent is the token's.
func (s *server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, apiBodyLimit)
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sess, ok := session{}, false
		if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
			sess, ok = s.sessions.get(strings.TrimSpace(token))
		}
		agent, err := s.dir.Lookup(sess.AgentID)
		if !ok || err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			apiFail(w, http.StatusUnauthorized, "not signed in, or the token has expired: run `switchboard login`")
			return
		}
		h(w, r, sess, agent)
	}
}

func (s *server) apiSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	var req TokenRequest
	if !decodeAPI(w, r, &req) {
		return
	}
	id := strings.TrimSpace(req.Agent)
	address := s.clientAddress(r)
	slow, wait, ok := s.limits.reserve(id, address)
	if !ok {
		s.log.Warn("API sign-in refused: too many attempts", zap.String("agent", id), zap.String("address", address))
		wait = wait.Round(time.Second) + time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		apiFail(w, http.StatusTooManyRequests, "too many sign-in attempts from here; try again in "+wait.String())
		return
	}
	if slow > 0 && !pause(r.Context(), slow) {
		return
	}
	agent, lookupErr := s.dir.Lookup(id)
	if !s.checkPassword(agent, lookupErr == nil, req.Password) {
		s.log.Info("API sign-in failed", zap.String("agent", id), zap.String("address", address))
		apiFail(w, http.StatusUnauthorized, "unknown agent id or wrong password")
		return
	}
	s.limits.succeeded(id, address)
	sess, err := s.sessions.createFor(agent.ID, s.cfg.Console.TokenTTL)
	if err != nil {
		s.log.Error("API sign-in: shared store", zap.Error(err))
		apiFail(w, http.StatusServiceUnavailable, "signing in is not possible right now; try again in a moment")
		return
	}
	s.log.Info("API sign-in", zap.String("agent", agent.ID))
	writeAPI(w, http.StatusOK, Token{Token: sess.ID, Agent: agent.ID, Expires: sess.Expires})
}

func (s *server) apiSignOut(w http.ResponseWriter, _ *http.Request, sess session, agent policy.Agent) {
	if err := s.sessions.end(sess.ID); err != nil {
		s.log.Error("API sign-out: shared store", zap.Error(err))
		apiFail(w, http.StatusServiceUnavailable, "the token could not be revoked; try again in a moment")
		return
	}
	s.log.Info("API sign-out", zap.String("agent", agent.ID))
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) apiAct(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	var req ActRequest
	if !decodeAPI(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	out, err := s.cases.Act(ctx, req.CaseID, req.Kind, agent.ID, casestate.Action{Text: req.Text, To: req.To, Intent: req.Intent,
		AwaitCustomer: req.AwaitCustomer, Private: req.Private, Request: req.Request})
	s.answer(w, agent, "action "+string(req.Kind)+" on "+req.CaseID, out, err)
}

func (s *server) apiShift(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	var req ShiftRequest
	if !decodeAPI(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	board, err := s.cases.Shift(ctx, req.Department, req.Agent, req.On, agent.ID)
	s.answer(w, agent, "shift of "+req.Agent+" in "+req.Department, board, err)
}

func (s *server) apiLink(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	var req LinkRequest
	if !decodeAPI(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	j, err := s.cases.Link(ctx, req.Customer, req.Identity, agent.ID)
	s.answer(w, agent, "link of "+req.Identity+" to "+req.Customer, j, err)
}

// apiIncidents lists the incidents, or reads the one ?id= names, for
// those who work incidents.
func (s *server) apiIncidents(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	if !s.worksIncidents(agent) {
		apiFail(w, http.StatusForbidden, "incidents are the centre of excellence's and PR's")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	if id := r.URL.Query().Get("id"); id != "" {
		inc, err := s.cases.Incident(ctx, id)
		if err == nil && !s.mayOpenIncident(agent, inc) {
			err = fmt.Errorf("%w: incident %s is not one of your departments'", caseapi.ErrNotFound, id)
		}
		s.answer(w, agent, "read of incident "+id, inc, err)
		return
	}
	list, err := s.cases.Incidents(ctx, r.URL.Query().Get("closed") != "")
	if list == nil {
		list = []caseapi.IncidentSummary{}
	}
	s.answer(w, agent, "list of incidents", list, err)
}

func (s *server) apiIncidentAct(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	var req IncidentActRequest
	if !decodeAPI(w, r, &req) {
		return
	}
	if !slices.Contains(incident.Actions, req.Kind) {
		apiFail(w, http.StatusBadRequest, fmt.Sprintf("unknown incident action %q", req.Kind))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	inc, err := s.cases.ActIncident(ctx, req.ID, req.Kind, agent.ID, incident.Action{Text: req.Text, Version: req.Version, Request: req.Request})
	s.answer(w, agent, "incident "+string(req.Kind)+" on "+req.ID, inc, err)
}

// answer writes what the case API said: the result, or the refusal with
// the status the CLI turns back into its exit codes.
func (s *server) answer(w http.ResponseWriter, agent policy.Agent, what string, result any, err error) {
	var refused *caseapi.RefusedError
	switch {
	case err == nil:
		writeAPI(w, http.StatusOK, result)
	case errors.As(err, &refused):
		writeAPI(w, http.StatusConflict, APIError{Error: refused.Reason, Refused: true})
	case errors.Is(err, caseapi.ErrNotFound):
		apiFail(w, http.StatusNotFound, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		apiFail(w, http.StatusServiceUnavailable, what+": Temporal did not answer in time; try again")
	default:
		s.log.Warn("API: "+what, zap.String("agent", agent.ID), zap.Error(err))
		apiFail(w, http.StatusUnprocessableEntity, err.Error())
	}
}

// decodeAPI reads a JSON body strictly: a misspelt field is an error, not
// a field left out.
func decodeAPI(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiFail(w, http.StatusBadRequest, "malformed request: "+err.Error())
		return false
	}
	return true
}

func apiFail(w http.ResponseWriter, status int, msg string) {
	writeAPI(w, status, APIError{Error: msg})
}

func writeAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
