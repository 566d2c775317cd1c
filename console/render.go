package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/policy"
)

// view is what every page template receives: the layout reads the agent,
// token and flashes; the page reads Body.
type view struct {
	Title     string
	Nav       string // which navigation entry is current
	Agent     *policy.Agent
	CSRF      string
	Flashes   []flash
	Approver  bool
	Policies  bool // may try a policy on the past (the what-if page)
	Incidents bool // works incidents (the centre of excellence, PR)
	Body      any
}

// Kept is what the agent typed into the form of action on case, when the
// case refused it: the page shows it again rather than losing it.
func (v view) Kept(caseID, action string) keptForm {
	for _, f := range v.Flashes {
		if f.Kept != nil && f.Kept.Case == caseID && f.Kept.Action == action {
			return *f.Kept
		}
	}
	return keptForm{}
}

type page struct {
	tmpl *template.Template
}

// pageNames are the templates that are whole pages, each parsed with the
// layout; "inbox" and "board" also define the fragments their refresh
// fetches ("rows", "board-rows").
var pageNames = []string{"login", "error", "inbox", "case", "outbox", "approvals", "board", "whatif", "incidents", "incident"}

func parsePages() (map[string]*page, error) {
	out := map[string]*page{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		out[name] = &page{tmpl: t}
	}
	return out, nil
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	s.execute(w, r, status, name, "layout", v)
}

func (s *server) execute(w http.ResponseWriter, r *http.Request, status int, name, tmpl string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].tmpl.ExecuteTemplate(&buf, tmpl, data); err != nil {
		s.log.Error("render page", zap.String("page", name), zap.String("path", r.URL.Path), zap.Error(err))
		http.Error(w, "the console could not render this page; see its log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// withAgent fills in what the layout needs for a signed-in agent.
func (s *server) withAgent(sess session, agent policy.Agent, v view) view {
	v.Agent = &agent
	v.CSRF = sess.CSRF
	v.Approver = isApprover(agent)
	v.Policies = s.triesPolicies(agent)
	v.Incidents = s.worksIncidents(agent)
	v.Flashes = s.sessions.takeFlashes(sess.ID)
	return v
}

type errorData struct {
	Status  int
	Message string
}

// fail shows an error page; agent may be nil (signed out).
func (s *server) fail(w http.ResponseWriter, r *http.Request, agent *policy.Agent, status int, title, msg string) {
	v := view{Title: title, Agent: agent, Body: errorData{Status: status, Message: msg}}
	if agent != nil {
		v.Approver = isApprover(*agent)
		if c, err := r.Cookie(sessionCookie); err == nil {
			if sess, ok := s.sessions.get(c.Value); ok {
				v.CSRF = sess.CSRF // for the sign-out button
			}
		}
	}
	s.render(w, r, status, "error", v)
}

var funcs = template.FuncMap{
	"caseURL":        caseURL,
	"incidentURL":    incidentURL,
	"incidentActURL": func(kind, id string) string { return incidentActURL(incident.ActionKind(kind), id) },
	"actURL":         actURL,
	"request":        caseapi.NewRequest, // each action form's token, made as it is rendered
	"clock":          func(t time.Time) string { return t.UTC().Format("Mon 2 Jan 15:04 UTC") },
	"iso":            func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"percent":        func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"signed":         func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"label":          func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"join":           strings.Join,
	"lower":          strings.ToLower,
	"dur":            dur,
	"noReplyNeeded":  func() string { return casestate.NoReplyNeeded },
	"list":           func(s ...string) []string { return s },
	"eventLabel":     eventLabel,
	"noticeTime":     noticeTime,
}

// eventLabel is a trail step's kind as a heading: "SLA breach", "Handed
// off", "Customer wrote".
func eventLabel(kind casestate.EventKind) string {
	words := strings.Split(string(kind), "_")
	if words[0] == "sla" {
		words[0] = "SLA"
	} else {
		words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	}
	return strings.Join(words, " ")
}

// caseURL is the case page's path; each part of the id is escaped on its
// own so ids with odd characters still round-trip through the router.
func caseURL(id string) string { return "/case/" + escapeSegments(id) }

func actURL(kind, id string) string { return "/act/" + url.PathEscape(kind) + "/" + escapeSegments(id) }

func escapeSegments(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// until says how long until t ("in 42m") or how long past it
// ("12m overdue"), the way an agent reads an SLA at a glance.
func until(t, now time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return span(-d) + " overdue"
	}
	return "in " + span(d)
}

// dur is a configured target as people write it: 1h, 30m, 1h30m, 24h.
func dur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func ago(t, now time.Time) string { return span(now.Sub(t)) + " ago" }

// span is a duration in at most two units: 45s → "<1m", 1h5m → "1h 05m",
// 50h → "2d 2h".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}
