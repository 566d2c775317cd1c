package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard-care/switchboard/policy"
)

type loginData struct {
	Next    string
	AgentID string
	Error   string
}

// loginForm shows the sign-in form with a fresh login token in a cookie and
// in the form: a cross-site page can make the browser send the cookie but
// cannot read it to fill in the form (login CSRF).
func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.current(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *server) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: token, Path: "/login", MaxAge: int((30 * time.Minute).Seconds()),
		HttpOnly: true, Secure: s.cfg.Console.SecureCookie, SameSite: http.SameSiteStrictMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "login", view{Title: "Sign in", CSRF: token, Body: d})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.fail(w, r, nil, http.StatusForbidden, "Sign-in refused",
			"The sign-in form had expired or did not come from this console. Open the sign-in page and try again.")
		return
	}
	id := strings.TrimSpace(r.PostFormValue("agent"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	retry := loginData{Next: next, AgentID: id}

	agent, lookupErr := s.dir.Lookup(id)
	if lookupErr == nil && s.throttle.blocked(agent.ID) {
		s.log.Warn("console sign-in locked after repeated failures", zap.String("agent", agent.ID))
		retry.Error = "Too many failed attempts for this agent. Wait a quarter of an hour, or ask an administrator."
		s.showLogin(w, r, http.StatusTooManyRequests, retry)
		return
	}
	if !s.checkPassword(agent, lookupErr == nil, password) {
		if lookupErr == nil {
			s.throttle.fail(agent.ID)
		}
		s.log.Info("console sign-in failed", zap.String("agent", id))
		retry.Error = "Unknown agent id or wrong password."
		s.showLogin(w, r, http.StatusUnauthorized, retry)
		return
	}
	s.throttle.succeed(agent.ID)
	sess := s.sessions.create(agent.ID)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{
		// MaxAge, not Expires: a lifetime relative to the browser's own clock,
		// so a server clock that differs from it (or a test's fixed one)
		// neither drops the cookie at once nor keeps it past the session.
		Name: sessionCookie, Value: sess.ID, Path: "/", MaxAge: int(s.sessions.ttl.Seconds()),
		HttpOnly: true, Secure: s.cfg.Console.SecureCookie, SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("console sign-in", zap.String("agent", agent.ID))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkPassword compares against the agent's bcrypt hash, or a dummy one
// when the agent is unknown or has none, so every failure takes as long.
func (s *server) checkPassword(a policy.Agent, known bool, password string) bool {
	hash := s.dummyHash
	if known && a.PasswordHash != "" {
		hash = []byte(a.PasswordHash)
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	return ok && known && a.PasswordHash != ""
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, sess session, agent policy.Agent) {
	s.sessions.end(sess.ID)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Console.SecureCookie, SameSite: http.SameSiteLaxMode})
	s.log.Info("console sign-out", zap.String("agent", agent.ID))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// never "//host" or "/\host" which browsers treat as another origin.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/login") {
		return "/inbox"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/inbox"
	}
	return next
}
