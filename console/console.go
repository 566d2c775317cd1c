// Package console is the agents' web console: sign in, an inbox per
// department ordered by SLA due that refreshes itself, a case page with the
// post, triage, clocks, timeline and action forms, the sandbox outbox and
// the queue of drafted replies awaiting approval. Pages are server-rendered html/template; the only
// script refreshes the inbox. Every form carries a per-session CSRF token
// and an agent sees only the cases of their departments (the centre of
// excellence sees all).
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/slareport"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cases is what the console needs of the case API; *caseapi.Client
// implements it.
type Cases interface {
	List(ctx context.Context, f caseapi.Filter) ([]caseapi.Summary, error)
	State(ctx context.Context, caseID string) (casestate.View, error)
	// LatestEvents is at most n of a case's newest events and the trail's length.
	LatestEvents(ctx context.Context, caseID string, n int) ([]casestate.Event, int, error)
	Act(ctx context.Context, caseID string, kind casestate.ActionKind, agentID string, a casestate.Action) (casestate.Outcome, error)
	// Offers is the actions the agent may take on the case now.
	Offers(ctx context.Context, caseID, agentID string) ([]casestate.ActionKind, error)
	Board(ctx context.Context, dept string) (dispatch.Board, error)
	Shift(ctx context.Context, dept, agentID string, on bool, actorID string) (dispatch.Board, error)
	Customer(ctx context.Context, customerID string) (journey.Journey, error)
	Link(ctx context.Context, customerID, identity, agentID string) (journey.Journey, error)
	// PastCases is every case opened since, with its trail, and how many
	// were gone when read: the past a what-if replays.
	PastCases(ctx context.Context, since time.Time, parallel int) ([]slareport.Case, int, error)
	Incidents(ctx context.Context, closed bool) ([]caseapi.IncidentSummary, error)
	Incident(ctx context.Context, id string) (incident.Incident, error)
	ActIncident(ctx context.Context, id string, kind incident.ActionKind, agentID string, a incident.Action) (incident.Incident, error)
}

// Options are what the console is built from.
type Options struct {
	Config *config.Config // policy, agent directory and the console: key
	Cases  Cases
	// Store keeps the sessions every console replica shares.
	Store *kv.Store
	Log   *zap.Logger
	// OutboxPath is the sandbox publisher's file (app.OutboxPath); empty
	// leaves the outbox page saying there is none.
	OutboxPath string
	// Now is the clock for SLA countdowns and session expiry (time.Now).
	Now func() time.Time
}

// callTimeout bounds each page's calls to Temporal, so a stalled server
// shows an error page instead of a spinning tab.
const callTimeout = 20 * time.Second

type server struct {
	cfg    *config.Config
	pol    *policy.Policy
	dir    *policy.Directory
	cases  Cases
	log    *zap.Logger
	outbox string
	now    func() time.Time

	sessions *sessions
	limits   *signInLimits
	// secureCookies is config.Console.SecureCookies, and proxies its
	// TrustedProxies, whose X-Forwarded-For names the client.
	secureCookies bool
	proxies       []netip.Prefix
	snippets      *snippets
	whatifs       chan struct{} // a slot for the one what-if a console runs at a time
	store         *kv.Store     // the shared store: the agents' notices, among others
	pages         map[string]*page
	// dummyHash is compared against when the agent id is unknown, so a
	// wrong id costs as long as a wrong password and timing does not tell
	// which agent ids exist.
	dummyHash []byte
}

// New builds the console's HTTP handler.
func New(o Options) (http.Handler, error) {
	if o.Config == nil || o.Cases == nil || o.Store == nil {
		return nil, errors.New("console: Config, Cases and Store are required")
	}
	if err := o.Config.Console.Validate(); err != nil {
		return nil, err
	}
	if o.Config.Directory() == nil {
		return nil, errors.New("console: the configuration has no agent directory (load it with config.Load)")
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	proxies, err := o.Config.Console.Proxies()
	if err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg: o.Config, pol: &o.Config.Policy, dir: o.Config.Directory(), cases: o.Cases,
		log: o.Log.Named("console"), outbox: o.OutboxPath, now: o.Now,
		sessions:      newSessions(o.Config.Console.SessionTTL, o.Now, o.Store, o.Log.Named("console")),
		limits:        newSignInLimits(o.Now),
		secureCookies: o.Config.Console.SecureCookies(), proxies: proxies,
		snippets: newSnippets(), whatifs: make(chan struct{}, 1), store: o.Store,
		pages: pages, dummyHash: dummy,
	}
	for _, a := range s.dir.All() {
		if a.PasswordHash == "" {
			s.log.Info("agent has no password_hash and cannot sign in to the console", zap.String("agent", a.ID))
		}
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.form(s.logout))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /inbox", s.page(s.inbox))
	mux.HandleFunc("GET /inbox/rows", s.fragment(s.inboxRows))
	mux.HandleFunc("GET /case/{id...}", s.page(s.casePage))
	mux.HandleFunc("POST /act/{kind}/{id...}", s.form(s.act))
	mux.HandleFunc("POST /shift/{dept}", s.form(s.shift))
	mux.HandleFunc("POST /bulk", s.form(s.bulk))
	mux.HandleFunc("GET /notices", s.fragment(s.notices))
	mux.HandleFunc("GET /board", s.page(s.boardPage))
	mux.HandleFunc("GET /board/rows", s.fragment(s.boardFragment))
	mux.HandleFunc("GET /whatif", s.page(s.whatifPage))
	mux.HandleFunc("POST /whatif", s.form(s.whatifRun))
	mux.HandleFunc("GET /incidents", s.page(s.incidentsPage))
	mux.HandleFunc("GET /incident/{id...}", s.page(s.incidentPage))
	mux.HandleFunc("POST /incident-act/{kind}/{id...}", s.form(s.incidentAct))
	mux.HandleFunc("GET /outbox", s.page(s.outboxPage))
	mux.HandleFunc("GET /approvals", s.page(s.approvalsPage))
	s.apiRoutes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, http.StatusNotFound, "Not found", "There is no page at "+r.URL.Path+".")
	})
	// The per-session token is the CSRF defence; the browser's Fetch
	// Metadata check in front refuses cross-site form posts even earlier.
	return securityHeaders(http.NewCrossOriginProtection().Handler(mux)), nil
}

// securityHeaders keeps pages out of frames, stops content sniffing and
// allows only the console's own scripts and styles, so injected markup
// could not run script even if escaping failed somewhere.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// handler is a page or form handler for a signed-in agent.
type handler func(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent)

// current returns the request's session and its agent, if any.
func (s *server) current(r *http.Request) (session, policy.Agent, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, policy.Agent{}, false
	}
	sess, ok := s.sessions.get(c.Value)
	if !ok {
		return session{}, policy.Agent{}, false
	}
	agent, err := s.dir.Lookup(sess.AgentID)
	if err != nil { // removed from the directory since signing in
		_ = s.sessions.end(sess.ID) // refused either way
		return session{}, policy.Agent{}, false
	}
	return sess, agent, true
}

// page serves a full page; without a session the browser is sent to sign
// in and brought back afterwards.
func (s *server) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, agent, ok := s.current(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, sess, agent)
	}
}

// fragment serves a part of a page fetched by script: without a session it
// answers 401 so the script reloads the page (which then signs in).
func (s *server) fragment(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, agent, ok := s.current(r)
		if !ok {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, sess, agent)
	}
}

// form serves a POST: it needs a session and the session's CSRF token, or
// nothing happens.
func (s *server) form(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
		sess, agent, ok := s.current(r)
		if !ok {
			s.fail(w, r, nil, http.StatusUnauthorized, "Signed out", "Your session has ended, so nothing was done. Sign in and try again.")
			return
		}
		if !sameToken(r.PostFormValue("csrf"), sess.CSRF) {
			s.log.Warn("form refused: bad CSRF token", zap.String("agent", agent.ID), zap.String("path", r.URL.Path))
			s.fail(w, r, nil, http.StatusForbidden, "Form refused", "The form's security token did not match your session, so nothing was done. Reload the page and try again.")
			return
		}
		h(w, r, sess, agent)
	}
}

// Serve serves h on addr until ctx ends, then lets requests in flight
// finish for a few seconds. switchboard console and switchboard dev use it.
func Serve(ctx context.Context, addr string, h http.Handler, log *zap.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("console: listen on %s (console.listen): %w", addr, err)
	}
	return ServeListener(ctx, ln, h, log)
}

// ServeListener is Serve on a listener the caller opened (for a port chosen
// by the system).
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *zap.Logger) error {
	if log == nil {
		log = zap.NewNop()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // an action waits for the case's update to complete
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(log.Named("console.http")),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("console listening", zap.String("address", "http://"+ln.Addr().String()))
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("console: shut down: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// HashPassword makes the bcrypt hash to put in an agent's password_hash.
func HashPassword(password string) (string, error) {
	if len(password) < 4 {
		return "", errors.New("a password needs at least 4 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil { // longer than bcrypt's 72 bytes
		return "", err
	}
	return string(h), nil
}

// seesAll reports whether an agent sees every department (the centre of
// excellence).
func (s *server) seesAll(a policy.Agent) bool { return slices.Contains(a.Departments, s.pol.CoE) }

// maySee says whether an agent may see a case owned by dept. The case
// itself also refuses actions from outside its department; this check is
// about not showing what they may not see.
func (s *server) maySee(a policy.Agent, dept string) bool { return s.pol.MaySee(a.Actor(), dept) }

// maySeeCase is maySee with the approvers a drafted reply waits for.
func (s *server) maySeeCase(a policy.Agent, dept, approver string, drafted bool) bool {
	return s.pol.MaySeeCase(a.Actor(), dept, approver, drafted)
}

// decides reports whether the agent is an approver of the department that a
// drafted reply on the case waits for.
func (s *server) decides(a policy.Agent, approver string, drafted bool) bool {
	return policy.Decides(a.Actor(), approver, drafted)
}

func isApprover(a policy.Agent) bool { return slices.Contains(a.Roles, policy.RoleApprover) }
