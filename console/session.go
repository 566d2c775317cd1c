package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/internal/kv"
)

// Cookie names. The login cookie carries the token that protects the login
// form itself (before there is a session to hold one).
const (
	sessionCookie = "switchboard_session"
	loginCookie   = "switchboard_login"
)

// session is one signed-in agent. Sessions live in the shared store, so
// every console replica knows them; the store keeps them under a hash of
// the id, so what it holds signs nobody in, and a logout or expiry really
// ends one.
type session struct {
	ID      string    `json:"-"`
	AgentID string    `json:"agent_id"`
	CSRF    string    `json:"csrf"` // sent back with every form; a forged form cannot know it
	Expires time.Time `json:"expires"`
}

// flash is a message shown once on the next page, after a redirect.
type flash struct {
	Kind string    `json:"kind"` // ok or error
	Text string    `json:"text"`
	Kept *keptForm `json:"kept,omitempty"` // a refused form's input, shown again
}

// keptForm is what an agent typed into a form the case refused.
type keptForm struct {
	Case   string `json:"case"`
	Action string `json:"action"`
	Text   string `json:"text,omitempty"`
	To     string `json:"to,omitempty"`
	Intent string `json:"intent,omitempty"`
}

// The shared store's tables for the console.
const (
	tableSessions = "console-sessions"
	tableFlashes  = "console-flashes"
)

// storeTimeout bounds one call to the shared store.
const storeTimeout = 5 * time.Second

type sessions struct {
	ttl   time.Duration
	now   func() time.Time // the console's clock, which decides expiry
	store *kv.Store
	log   *zap.Logger
}

func newSessions(ttl time.Duration, now func() time.Time, store *kv.Store, log *zap.Logger) *sessions {
	return &sessions{ttl: ttl, now: now, store: store, log: log}
}

// key is what the store keeps a session under.
func key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (s *sessions) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storeTimeout)
}

// create starts a session for an agent with a fresh id, so an id planted in
// the browser before login (session fixation) is never promoted.
func (s *sessions) create(agentID string) (session, error) { return s.createFor(agentID, s.ttl) }

// kept is how long the store keeps a browser session's records, by the
// real clock: expiry is decided by the console's, and this only lets the
// store forget.
func (s *sessions) kept() time.Time { return time.Now().Add(s.ttl) }

// createFor starts a session that lasts ttl: a personal token of the API
// is a session that lasts longer than a browser's.
func (s *sessions) createFor(agentID string, ttl time.Duration) (session, error) {
	ctx, cancel := s.call()
	defer cancel()
	_ = s.store.Sweep(ctx) // bounds the table by the sessions started within one TTL
	sess := session{ID: randomToken(), AgentID: agentID, CSRF: randomToken(), Expires: s.now().Add(ttl)}
	return sess, s.store.Put(ctx, tableSessions, key(sess.ID), sess, time.Now().Add(ttl))
}

// get returns the live session with id; an expired one is removed. A store
// that cannot answer signs nobody in.
func (s *sessions) get(id string) (session, bool) {
	ctx, cancel := s.call()
	defer cancel()
	var sess session
	ok, err := s.store.Get(ctx, tableSessions, key(id), &sess)
	if err != nil {
		s.log.Warn("console session: shared store", zap.Error(err))
		return session{}, false
	}
	if !ok {
		return session{}, false
	}
	sess.ID = id
	if !s.now().Before(sess.Expires) {
		_ = s.end(id) // expired: refused whether or not the store forgets it now
		return session{}, false
	}
	return sess, true
}

// end ends a session on every replica; an error means it may live on.
func (s *sessions) end(id string) error {
	ctx, cancel := s.call()
	defer cancel()
	err := s.store.Delete(ctx, tableSessions, key(id))
	if err == nil {
		_ = s.store.Delete(ctx, tableFlashes, key(id)) // the flashes of a gone session are never shown
	}
	return err
}

func (s *sessions) addFlash(id string, f flash) {
	ctx, cancel := s.call()
	defer cancel()
	if _, err := s.changeFlashes(ctx, id, func(fs []flash) []flash { return append(fs, f) }); err != nil {
		s.log.Warn("console flash: shared store", zap.Error(err))
	}
}

func (s *sessions) takeFlashes(id string) []flash {
	ctx, cancel := s.call()
	defer cancel()
	taken, err := s.changeFlashes(ctx, id, func([]flash) []flash { return []flash{} })
	if err != nil {
		s.log.Warn("console flash: shared store", zap.Error(err))
	}
	return taken
}

// changeFlashes replaces a session's flashes with change of them and
// returns them as they were. Two replicas may change them at once (a page
// shown on one while a form's answer is flashed on the other): each change
// is a compare-and-swap, made again from what the other left.
func (s *sessions) changeFlashes(ctx context.Context, id string, change func([]flash) []flash) ([]flash, error) {
	for ctx.Err() == nil {
		var was []flash
		ok, err := s.store.Get(ctx, tableFlashes, key(id), &was)
		if err != nil {
			return nil, err
		}
		var done bool
		if ok {
			done, err = s.store.Replace(ctx, tableFlashes, key(id), was, change(was), s.kept())
		} else {
			done, err = s.store.Add(ctx, tableFlashes, key(id), change(nil), s.kept())
		}
		if err != nil || done {
			return was, err
		}
	}
	return nil, fmt.Errorf("the flashes changed on every try: %w", ctx.Err())
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

// signInLimits counts sign-in attempts before their passwords are checked,
// so that a burst of concurrent guesses cannot slip past a limit that is
// only updated once bcrypt has answered. It keeps three counts, each with a
// different purpose:
//
//   - per agent id and source address: a few free attempts, then an
//     exponential back-off, during which attempts are refused unchecked.
//     Someone guessing sofia's password from their own address therefore
//     never touches sofia's count from hers: a stranger cannot lock her out.
//   - per source address, over every id: the same back-off, so one address
//     cannot try a few passwords on each of many ids.
//   - per agent id, from every address: only slows each further check down,
//     up to a cap, and never refuses, so many addresses together gain little
//     while the real agent still gets in.
//
// Every id is counted alike, whether or not an agent has it, so the answers
// and their timing do not tell which ids exist. Counts are forgotten once
// idle for forgetAfter, which bounds the maps by the addresses active
// within that time.
type signInLimits struct {
	now func() time.Time

	mu        sync.Mutex
	byPair    map[agentAddress]*attempts
	byAddress map[string]*attempts
	byAgent   map[string]*attempts
	swept     time.Time
}

type agentAddress struct{ agent, address string }

// attempts is one count: how many attempts were let through, and when the
// latest was.
type attempts struct {
	n    int
	last time.Time
}

// Sign-in limits (see signInLimits).
const (
	freeAttempts        = 5  // per agent id and address before the back-off
	freeAddressAttempts = 30 // per address, over every id
	firstBackoff        = time.Second
	maxBackoff          = 15 * time.Minute
	slowAfter           = 20 // checks of one id, from every address, before each is slowed
	slowStep            = 100 * time.Millisecond
	maxSlowdown         = 3 * time.Second
	forgetAfter         = time.Hour
	// maxAgentIDLength bounds the ids counted: a longer one is no agent's
	// and is counted under its first bytes.
	maxAgentIDLength = 64
)

func newSignInLimits(now func() time.Time) *signInLimits {
	return &signInLimits{now: now, byPair: map[agentAddress]*attempts{}, byAddress: map[string]*attempts{}, byAgent: map[string]*attempts{}}
}

// reserve counts one attempt at agent's password from address, before it
// is checked. If the pair or the address must still wait, it refuses and
// says for how long, counting nothing (no password is checked). Otherwise
// it says how long to slow the check down.
func (l *signInLimits) reserve(agent, address string) (slow, wait time.Duration, ok bool) {
	agent = agent[:min(len(agent), maxAgentIDLength)]
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	pair := count(l.byPair, agentAddress{agent, address}, now)
	addr := count(l.byAddress, address, now)
	wait = max(pair.backoff(freeAttempts, now), addr.backoff(freeAddressAttempts, now))
	if wait > 0 {
		return 0, wait, false
	}
	id := count(l.byAgent, agent, now)
	for _, c := range []*attempts{pair, addr, id} {
		c.n++
		c.last = now
	}
	if id.n > slowAfter {
		slow = min(maxSlowdown, time.Duration(id.n-slowAfter)*slowStep)
	}
	return slow, 0, true
}

// succeeded clears the pair's count, and gives the address back the
// attempt it reserved: an office behind one address signs many agents in.
// The id's own count stays, so an attack on it goes on being slowed.
func (l *signInLimits) succeeded(agent, address string) {
	agent = agent[:min(len(agent), maxAgentIDLength)]
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byPair, agentAddress{agent, address})
	if c, ok := l.byAddress[address]; ok && c.n > 0 {
		c.n--
	}
}

// count is the live count under key, fresh if it was idle for forgetAfter.
func count[K comparable](m map[K]*attempts, key K, now time.Time) *attempts {
	c, ok := m[key]
	if !ok || now.Sub(c.last) >= forgetAfter {
		c = &attempts{}
		m[key] = c
	}
	return c
}

// backoff is how long after the latest attempt the next may come: nothing
// for the first free ones, then firstBackoff, doubling with each attempt,
// up to maxBackoff.
func (c *attempts) backoff(free int, now time.Time) time.Duration {
	over := c.n - free
	if over < 0 {
		return 0
	}
	delay := maxBackoff
	if over < 30 && firstBackoff<<over < maxBackoff {
		delay = firstBackoff << over
	}
	return max(0, c.last.Add(delay).Sub(now))
}

// sweep forgets idle counts, at most once per forgetAfter/4.
func (l *signInLimits) sweep(now time.Time) {
	if now.Sub(l.swept) < forgetAfter/4 {
		return
	}
	l.swept = now
	idle := func(c *attempts) bool { return now.Sub(c.last) >= forgetAfter }
	maps.DeleteFunc(l.byPair, func(_ agentAddress, c *attempts) bool { return idle(c) })
	maps.DeleteFunc(l.byAddress, func(_ string, c *attempts) bool { return idle(c) })
	maps.DeleteFunc(l.byAgent, func(_ string, c *attempts) bool { return idle(c) })
}
