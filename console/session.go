package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// Cookie names. The login cookie carries the token that protects the login
// form itself (before there is a session to hold one).
const (
	sessionCookie = "switchboard_session"
	loginCookie   = "switchboard_login"
)

// session is one signed-in agent. It lives in memory only: the id in the
// cookie is random and means nothing outside this process, so there is no
// key to sign with and a logout or expiry really ends it.
type session struct {
	ID      string
	AgentID string
	CSRF    string // sent back with every form; a forged form cannot know it
	Expires time.Time
}

// flash is a message shown once on the next page, after a redirect.
type flash struct {
	Kind string // ok or error
	Text string
}

type sessions struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	byID    map[string]*session
	flashes map[string][]flash
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, now: now, byID: map[string]*session{}, flashes: map[string][]flash{}}
}

// create starts a session for an agent with a fresh id, so an id planted in
// the browser before login (session fixation) is never promoted.
func (s *sessions) create(agentID string) session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	sess := &session{ID: randomToken(), AgentID: agentID, CSRF: randomToken(), Expires: s.now().Add(s.ttl)}
	s.byID[sess.ID] = sess
	return *sess
}

// get returns the live session with id; an expired one is removed.
func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return session{}, false
	}
	if !s.now().Before(sess.Expires) {
		s.drop(id)
		return session{}, false
	}
	return *sess, true
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop(id)
}

func (s *sessions) drop(id string) {
	delete(s.byID, id)
	delete(s.flashes, id)
}

// sweep forgets expired sessions; it runs on every login, which bounds the
// map by the sessions started within one TTL.
func (s *sessions) sweep() {
	now := s.now()
	for id, sess := range s.byID {
		if !now.Before(sess.Expires) {
			s.drop(id)
		}
	}
}

func (s *sessions) addFlash(id string, f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; ok {
		s.flashes[id] = append(s.flashes[id], f)
	}
}

func (s *sessions) takeFlashes(id string) []flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flashes[id]
	delete(s.flashes, id)
	return f
}

// randomToken is 256 bits from the system's CSPRNG, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it aborts the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameToken compares tokens in constant time, so response timing says
// nothing about how much of a guessed token was right.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// throttle limits failed logins per agent: after max failures within window
// further attempts are refused until the window ends, so a password cannot
// be guessed online at bcrypt speed. Only known agent ids are counted, which
// bounds the map by the directory.
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newThrottle(max int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{max: max, window: window, now: now, failures: map[string][]time.Time{}}
}

// blocked reports whether agentID has used up its attempts.
func (t *throttle) blocked(agentID string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recent(agentID)) >= t.max
}

func (t *throttle) fail(agentID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[agentID] = append(t.recent(agentID), t.now())
}

func (t *throttle) succeed(agentID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, agentID)
}

func (t *throttle) recent(agentID string) []time.Time {
	cutoff := t.now().Add(-t.window)
	kept := t.failures[agentID][:0]
	for _, at := range t.failures[agentID] {
		if at.After(cutoff) {
			kept = append(kept, at)
		}
	}
	t.failures[agentID] = kept
	return kept
}
