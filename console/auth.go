package console

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

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
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode,
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

	// Counted before the password is checked, and alike for every id, known
	// or not: the answer depends on the attempts, never on who exists.
	address := s.clientAddress(r)
	slow, wait, ok := s.limits.reserve(id, address)
	if !ok {
		s.log.Warn("console sign-in refused: too many attempts", zap.String("agent", id), zap.String("address", address))
		wait = wait.Round(time.Second) + time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
		retry.Error = "Too many sign-in attempts from here. Try again in " + wait.String() + "."
		s.showLogin(w, r, http.StatusTooManyRequests, retry)
		return
	}
	if slow > 0 && !pause(r.Context(), slow) {
		return
	}
	agent, lookupErr := s.dir.Lookup(id)
	if !s.checkPassword(agent, lookupErr == nil, password) {
		s.log.Info("console sign-in failed", zap.String("agent", id), zap.String("address", address))
		retry.Error = "Unknown agent id or wrong password."
		s.showLogin(w, r, http.StatusUnauthorized, retry)
		return
	}
	s.limits.succeeded(id, address)
	sess, err := s.sessions.create(agent.ID)
	if err != nil {
		s.log.Error("console sign-in: shared store", zap.Error(err))
		retry.Error = "Signing in is not possible right now; try again in a moment."
		s.showLogin(w, r, http.StatusServiceUnavailable, retry)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{
		// MaxAge, not Expires: a lifetime relative to the browser's own clock,
		// so a server clock that differs from it (or a test's fixed one)
		// neither drops the cookie at once nor keeps it past the session.
		Name: sessionCookie, Value: sess.ID, Path: "/", MaxAge: int(s.sessions.ttl.Seconds()),
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
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
	if err := s.sessions.end(sess.ID); err != nil {
		// Said, not hidden: the cookie cleared, the session would live on.
		s.log.Error("console sign-out: shared store", zap.Error(err))
		s.fail(w, r, &agent, http.StatusServiceUnavailable, "Not signed out", "The session could not be ended; try again in a moment.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	s.log.Info("console sign-out", zap.String("agent", agent.ID))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// pause waits d, or until the request is abandoned (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// clientAddress is who a sign-in attempt is counted under: the peer, or,
// when the peer is a trusted proxy, the nearest address in X-Forwarded-For
// that is not one (entries further left were written by the client and
// prove nothing). An IPv6 address counts by its /64, which one host
// usually holds whole.
func (s *server) clientAddress(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	client := peer.Addr().Unmap()
	if s.trusted(client) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0 && s.trusted(client); i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			client = hop.Unmap()
		}
	}
	if client.Is6() {
		return netip.PrefixFrom(client, 64).Masked().String()
	}
	return client.String()
}

func (s *server) trusted(a netip.Addr) bool {
	return slices.ContainsFunc(s.proxies, func(p netip.Prefix) bool { return p.Contains(a) })
}

// returnPages are the pages a sign-in may return to.
var returnPages = []string{"/inbox", "/outbox", "/approvals"}

// safeNext keeps a post-login redirect on this console: the path of one of
// its pages, with its query, exactly as it stands after cleaning. Whatever
// a browser might read as another origin ("//host", "/\\host", backslashes
// or slashes percent-encoded, tabs and newlines it strips) or that cleaning
// would change (dot segments, doubled slashes, encoded or not) falls back
// to the inbox, so http.Redirect's own cleaning has nothing left to turn
// into another site.
func safeNext(next string) string {
	const fallback = "/inbox"
	unsafe := func(r rune) bool { return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) }
	if strings.ContainsFunc(next, unsafe) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Opaque != "" || u.User != nil || u.Host != "" || u.Fragment != "" {
		return fallback
	}
	p := u.Path // decoded: %5C, %2F and %2E are what they stand for here
	if strings.ContainsFunc(p, unsafe) || !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return fallback
	}
	if !slices.Contains(returnPages, p) && !(strings.HasPrefix(p, "/case/") && len(p) > len("/case/")) {
		return fallback
	}
	clean := url.URL{Path: p, RawPath: u.RawPath, RawQuery: u.RawQuery}
	return clean.String()
}
