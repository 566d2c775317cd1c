package intake

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/post"
)

// Submitter turns a post into a case; *caseapi.Client is the real one. An
// error wrapping caseapi.ErrInvalidPost is the post's fault; any other
// error means Temporal did not take it, and the sender must retry.
type Submitter interface {
	Submit(ctx context.Context, p post.Post) (caseapi.Outcome, error)
}

// EditRecorder records a customer's edit or deletion on the case the post
// belongs to. An error wrapping caseapi.ErrNotFound means no case has the
// post (it was never one, or the case is gone): the event is
// acknowledged and dropped. Any other error answers 503.
type EditRecorder interface {
	RecordEdit(ctx context.Context, e Edit) error
}

// Defaults for the zero values of the configuration.
const (
	DefaultMaxBodyBytes  = 1 << 20
	DefaultSubmitTimeout = 10 * time.Second
	// retryAfter is what a 503 asks the platform to wait; Meta and X retry
	// on their own schedules, a generic client may honour it.
	retryAfter = "10"
)

// Server is the intake HTTP handler.
type Server struct {
	sub     Submitter
	edits   EditRecorder
	threads *ThreadIndex
	dead    *DeadLetters
	count   Counter
	log     *zap.Logger
	cfg     Config
	parsers map[string]parser // by route, for deliveries and replays
	mux     *http.ServeMux

	deferredOnce sync.Once
	deferredKick chan struct{}
}

// parser maps a route's body onto a batch.
type parser func(body []byte) (Batch, error)

// Counter counts what became of a delivery's events, by route and outcome
// (started, joined, duplicate, edit, ignored, dead_letter); the intake
// command wires it to the metrics endpoint.
type Counter func(route, outcome string, n int)

// WithCounter counts outcomes with c.
func WithCounter(c Counter) Option { return func(s *Server) { s.count = c } }

// WithStore keeps the thread index and the dead letters in the shared
// store, which intake replicas and the operator's CLI see alike; without
// it they are kept in this process's memory only.
func WithStore(store *kv.Store) Option {
	return func(s *Server) { s.threads, s.dead = NewThreadIndex(store), NewDeadLetters(store) }
}

// DefaultParallelism is how many posts of a delivery are submitted at once.
const DefaultParallelism = 16

// DefaultDeliveryBudget is how long a delivery's posts are submitted for
// before the rest are deferred: well inside Meta's 20 s and X's 10 s.
const DefaultDeliveryBudget = 5 * time.Second

// Option configures a Server.
type Option func(*Server)

// WithLogger logs deliveries and refusals to log.
func WithLogger(log *zap.Logger) Option { return func(s *Server) { s.log = log } }

// WithEditRecorder records edits and deletions; without one they are
// acknowledged and logged only.
func WithEditRecorder(r EditRecorder) Option { return func(s *Server) { s.edits = r } }

// NewServer builds the handler. Routes whose secret is empty are not served
// (404), so a half-configured platform cannot be fed unsigned posts.
func NewServer(sub Submitter, cfg Config, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.SubmitTimeout == 0 {
		cfg.SubmitTimeout = DefaultSubmitTimeout
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = DefaultParallelism
	}
	if cfg.DeliveryBudget == 0 {
		cfg.DeliveryBudget = DefaultDeliveryBudget
	}
	s := &Server{sub: sub, cfg: cfg, log: zap.NewNop(), mux: http.NewServeMux(), count: func(string, string, int) {},
		deferredKick: make(chan struct{}, 1)}
	if r, ok := sub.(EditRecorder); ok {
		s.edits = r
	}
	for _, o := range opts {
		o(s)
	}
	if s.threads == nil {
		store, err := kv.Memory(context.Background())
		if err != nil {
			return nil, err
		}
		WithStore(store)(s)
	}
	meta, err := NewAccounts(cfg.Meta.Accounts)
	if err != nil {
		return nil, err
	}
	x, err := NewAccounts(cfg.X.Accounts)
	if err != nil {
		return nil, err
	}
	// The platforms whose posts only their signed webhook may bring: a
	// bearer-token post naming one would take the case id of a real post.
	var signed []string
	if cfg.Meta.AppSecret != "" {
		signed = append(signed, "facebook", "instagram")
	}
	if cfg.X.ConsumerSecret != "" {
		signed = append(signed, "x")
	}
	s.parsers = map[string]parser{
		"meta":      func(b []byte) (Batch, error) { return ParseMeta(b, meta) },
		"x":         func(b []byte) (Batch, error) { return ParseX(b, x) },
		"generic":   func(b []byte) (Batch, error) { return ParseGeneric(b, signed) },
		routeMapped: func(b []byte) (Batch, error) { return ParseGeneric(b, nil) },
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if cfg.Meta.AppSecret != "" {
		s.mux.HandleFunc("GET /webhooks/meta", s.metaHandshake)
		s.mux.HandleFunc("POST /webhooks/meta", s.webhook("meta", "X-Hub-Signature-256", cfg.Meta.AppSecret, VerifyMeta))
	}
	if cfg.X.ConsumerSecret != "" {
		s.mux.HandleFunc("GET /webhooks/x", s.xCRC)
		s.mux.HandleFunc("POST /webhooks/x", s.webhook("x", "X-Twitter-Webhooks-Signature", cfg.X.ConsumerSecret, VerifyX))
	}
	if cfg.Generic.BearerToken != "" {
		s.mux.HandleFunc("POST /v1/posts", s.genericPosts)
	}
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Serve answers on ln until ctx is done, then drains requests in flight for
// up to ten seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	s.kickDeferred() // posts deferred before a restart are still owed
	s.log.Info("intake listening", zap.String("address", ln.Addr().String()))
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}

// ListenAndServe listens on the configured address (intake.listen).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// metaHandshake answers Meta's subscription check: echo hub.challenge when
// hub.verify_token is the configured one.
func (s *Server) metaHandshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || q.Get("hub.challenge") == "" {
		writeError(w, http.StatusBadRequest, "expected hub.mode=subscribe with a hub.challenge")
		return
	}
	if !equalSecret(q.Get("hub.verify_token"), s.cfg.Meta.VerifyToken) {
		s.log.Warn("meta handshake with a wrong verify token", zap.String("remote", r.RemoteAddr))
		writeError(w, http.StatusForbidden, "verify token does not match")
		return
	}
	// The challenge is the caller's text sent back: plain text, never
	// sniffed as HTML.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// webhook is a platform's POST route: a bounded body, its signature
// checked on the raw bytes, then parsed and delivered.
func (s *Server) webhook(route, header string, secret string, verify func(secret, body []byte, sig string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.readBody(w, r, route)
		if !ok {
			return
		}
		if err := verify([]byte(secret), body, r.Header.Get(header)); err != nil {
			status := http.StatusForbidden
			if errors.Is(err, ErrNoSignature) {
				status = http.StatusUnauthorized
			}
			s.refuse(w, route, status, err)
			return
		}
		s.deliver(w, r, route, body)
	}
}

// xCRC answers X's challenge-response check, which X repeats hourly and on
// registration: the crc_token signed with the consumer secret.
func (s *Server) xCRC(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("crc_token")
	if token == "" {
		writeError(w, http.StatusBadRequest, "crc_token is required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"response_token": XCRCResponse([]byte(s.cfg.X.ConsumerSecret), token)})
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request, route string) ([]byte, bool) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.refuse(w, route, http.StatusRequestEntityTooLarge, errors.New("body too large"))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.refuse(w, route, http.StatusRequestEntityTooLarge, errors.New("body too large"))
		return nil, false
	case err != nil:
		s.refuse(w, route, http.StatusBadRequest, err)
		return nil, false
	}
	return body, true
}

func (s *Server) genericPosts(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || !equalSecret(strings.TrimSpace(token), s.cfg.Generic.BearerToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard intake"`)
		s.refuse(w, "generic", http.StatusUnauthorized, errors.New("a valid bearer token is required"))
		return
	}
	body, ok := s.readBody(w, r, "generic")
	if !ok {
		return
	}
	s.deliver(w, r, "generic", body)
}

// Result is the answer to a delivery. The platforms ignore it; it helps a
// person testing with curl and the generic endpoint's clients.
type Result struct {
	Started    int      `json:"started"`
	Joined     int      `json:"joined"`
	Duplicates int      `json:"duplicates"`
	Edits      int      `json:"edits"`
	Ignored    int      `json:"ignored"`
	Deferred   int      `json:"deferred"`               // kept, synced, and submitted in the background
	Rejected   []string `json:"rejected,omitempty"`     // why each dead letter was kept
	DeadLetter []string `json:"dead_letters,omitempty"` // their ids (switchboard intake dead-letters)
	Cases      []string `json:"cases,omitempty"`
}

// deliver parses a body and processes every event of it. It answers 200
// once each event is with Temporal, ignored, or kept as a dead letter, and
// 503 only when Temporal (or the dead-letter file) cannot take one: the
// platform then delivers the whole body again, which is safe, as events
// already taken come back as duplicates.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, route string, body []byte) {
	b, err := s.parsers[route](body)
	if err != nil {
		s.refuse(w, route, http.StatusBadRequest, err)
		return
	}
	// A platform that hangs up mid-delivery does not cancel work it already
	// handed over; the timeout bounds each call instead.
	res, err := s.process(context.WithoutCancel(r.Context()), route, b)
	if err != nil {
		s.unavailable(w, route, err)
		return
	}
	status := http.StatusOK
	if route == "generic" && len(b.Posts) == 0 && len(res.Rejected) > 0 {
		status = http.StatusUnprocessableEntity // nothing usable: the client's mistake to fix
	}
	writeJSON(w, status, res)
}

// process hands a batch's posts and edits to Temporal and keeps its
// failures as dead letters. Posts of one thread are submitted in order (a
// reply must find the case its parent opened); threads go in parallel,
// at most intake.parallelism posts at once.
func (s *Server) process(ctx context.Context, route string, b Batch) (Result, error) {
	res := Result{Ignored: len(b.Ignored)}
	for _, ig := range b.Ignored {
		s.log.Debug("event ignored", zap.String("route", route), zap.String("kind", ig.Kind), zap.String("id", ig.ID), zap.String("reason", ig.Reason))
	}
	follow := func() {
		for _, l := range b.Links {
			s.remember(s.threads.Follow(ctx, l))
		}
	}
	// Links go before the posts (a post may answer a reply linked in this
	// batch) and again after them (a reply may answer a post in it).
	follow()
	defer follow()
	for _, f := range b.Failed {
		if err := s.keepDeadLetter(ctx, route, f, &res); err != nil {
			return res, err
		}
	}
	if err := s.submitAll(ctx, route, b.Posts, &res); err != nil {
		return res, err
	}
	for _, e := range b.Edits {
		if err := s.recordEdit(ctx, e, &res); err != nil {
			return res, err
		}
	}
	s.log.Info("delivery", zap.String("route", route), zap.Int("started", res.Started), zap.Int("joined", res.Joined),
		zap.Int("duplicates", res.Duplicates), zap.Int("edits", res.Edits), zap.Int("ignored", res.Ignored),
		zap.Int("dead_letters", len(res.DeadLetter)))
	for outcome, n := range map[string]int{"started": res.Started, "joined": res.Joined, "duplicate": res.Duplicates,
		"edit": res.Edits, "ignored": res.Ignored, "dead_letter": len(res.DeadLetter), "deferred": res.Deferred} {
		if n > 0 {
			s.count(route, outcome, n)
		}
	}
	return res, nil
}

// submitAll submits posts, threads in parallel and each thread in order. The
// first error that means Temporal cannot take a post is returned; the
// other threads still finish, so a redelivery has less left to do.
func (s *Server) submitAll(ctx context.Context, route string, posts []post.Post, res *Result) error {
	var threads [][]post.Post
	index := map[string]int{}
	keyOf := map[string]string{} // post id → its thread's key
	for _, p := range posts {
		resolved := p // resolved again just before its submit, once the posts before it are recorded
		if err := s.threads.Resolve(ctx, &resolved); err != nil {
			return err // nothing submitted yet: the redelivery finds its thread
		}
		key := threadKeyOf(resolved, keyOf)
		keyOf[p.ID] = key
		i, ok := index[key]
		if !ok {
			i = len(threads)
			index[key] = i
			threads = append(threads, nil)
		}
		threads[i] = append(threads[i], p)
	}
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, s.cfg.Parallelism)
	)
	budget := time.Now().Add(s.cfg.DeliveryBudget)
	for _, thread := range threads {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			for i, p := range thread {
				out, err := s.resolveAndSubmit(ctx, p, budget)
				if err != nil && time.Now().After(budget) {
					// Out of budget, this post (whose start may or may not
					// have been taken: a duplicate is harmless) and the
					// rest of its thread are deferred.
					mu.Lock()
					err := s.deferPosts(ctx, thread[i:], res)
					if err != nil && first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				mu.Lock()
				err = s.settle(ctx, route, p, out, err, res)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					return // the rest of this thread waits for the redelivery, in order
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// resolveAndSubmit points p at its thread's case, as the index knows it
// now, and submits it by the deadline.
func (s *Server) resolveAndSubmit(ctx context.Context, p post.Post, by time.Time) (caseapi.Outcome, error) {
	if err := s.threads.Resolve(ctx, &p); err != nil {
		return caseapi.Outcome{}, err
	}
	return s.submitBy(ctx, p, by)
}

// routeMapped is the route of the dead letters that hold a post as intake
// mapped it from any route (a signed webhook's too), so it is taken again
// whatever its platform.
const routeMapped = "mapped"

// deferredKind marks the dead letters that are posts a delivery's budget
// left unsubmitted: intake submits them itself (submitDeferred).
const deferredKind = "deferred"

// deferPosts keeps posts that a delivery's budget left unsubmitted, synced
// to the dead letters, so the delivery can be answered in time with every
// post safe; submitDeferred submits them in order (by their ReceivedAt).
func (s *Server) deferPosts(ctx context.Context, posts []post.Post, res *Result) error {
	at := time.Now()
	letters := make([]DeadLetter, len(posts))
	for i, p := range posts {
		raw, _ := json.Marshal(p) // a post always encodes
		letters[i] = newDeadLetter(routeMapped, Failure{Kind: deferredKind, ID: p.ID, Payload: raw,
			Reason: "not submitted within the delivery's budget (intake.delivery_budget): intake submits it in the background"},
			at.Add(time.Duration(i)))
	}
	if err := s.dead.Put(ctx, letters...); err != nil {
		return err
	}
	res.Deferred += len(posts)
	s.kickDeferred()
	return nil
}

// kickDeferred wakes the background submitter, starting it the first time.
func (s *Server) kickDeferred() {
	s.deferredOnce.Do(func() { go s.submitDeferredLoop() })
	select {
	case s.deferredKick <- struct{}{}:
	default: // already woken
	}
}

// submitDeferredLoop submits deferred posts whenever some are deferred, and
// every few seconds while any wait (Temporal may have been unreachable). It
// lives as long as the process.
func (s *Server) submitDeferredLoop() {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.deferredKick:
		case <-tick.C:
		}
		if err := s.submitDeferred(context.Background()); err != nil {
			s.log.Warn("deferred posts wait for Temporal", zap.Error(err))
		}
	}
}

// submitDeferred submits the deferred posts in the order they were
// deferred, stopping at the first that Temporal cannot take yet.
func (s *Server) submitDeferred(ctx context.Context) error {
	letters, err := s.dead.List(ctx, false)
	if err != nil {
		return err
	}
	for _, l := range letters {
		if l.Kind != deferredKind {
			continue
		}
		b, err := ParseGeneric(l.Payload, nil)
		if err != nil {
			return err // cannot happen: the payload is a post intake encoded
		}
		res, err := s.process(ctx, l.Route, b)
		if err != nil {
			return err
		}
		if err := s.dead.MarkReplayed(ctx, l.ID, strings.Join(append(res.Cases, res.DeadLetter...), ","), time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// threadKeyOf names the thread p must be submitted in order with: that of
// a post of this delivery it answers, else the thread it names, else its
// own. A private message joins the customer's open case, whichever it is.
func threadKeyOf(p post.Post, keyOf map[string]string) string {
	if p.Private {
		return "private/" + p.CustomerKey()
	}
	for _, ref := range []string{p.ThreadRoot(), p.InReplyTo} {
		if key, ok := keyOf[ref]; ok && ref != "" {
			return key
		}
	}
	return "thread/" + cmp.Or(p.ThreadRoot(), p.ID)
}

// settle records what submitting p did; it returns an error only when the
// post is not safe anywhere (Temporal did not take it, and it is no dead
// letter either).
func (s *Server) settle(ctx context.Context, route string, p post.Post, out caseapi.Outcome, err error, res *Result) error {
	switch {
	case err == nil:
	case errors.Is(err, caseapi.ErrInvalidPost) || caseapi.Refused(err):
		// Kept as the canonical post it was mapped to, so a replay takes
		// it again whatever platform it came from.
		raw, _ := json.Marshal(p) // a post always encodes
		s.log.Warn("post kept as a dead letter", zap.String("route", route), zap.String("post_id", p.ID), zap.Error(err))
		return s.keepDeadLetter(ctx, routeMapped, Failure{Kind: "post", ID: p.ID, Reason: err.Error(), Payload: raw}, res)
	default:
		return err
	}
	switch {
	case out.Started:
		res.Started++
	case out.Joined:
		res.Joined++
	default:
		res.Duplicates++
	}
	res.Cases = append(res.Cases, out.CaseID)
	s.remember(s.threads.Record(ctx, p, out))
	return nil
}

func (s *Server) keepDeadLetter(ctx context.Context, route string, f Failure, res *Result) error {
	l := newDeadLetter(route, f, time.Now())
	if err := s.dead.Put(ctx, l); err != nil {
		return err
	}
	res.Rejected = append(res.Rejected, f.Reason)
	res.DeadLetter = append(res.DeadLetter, l.ID)
	return nil
}

func (s *Server) recordEdit(ctx context.Context, e Edit, res *Result) error {
	root, ok, err := s.threads.CaseRoot(ctx, e.Platform, e.PostID)
	if err != nil {
		return err
	}
	if ok {
		e.ThreadRoot = root
	}
	if s.edits == nil {
		s.log.Warn("edit not recorded: no edit recorder wired", zap.String("kind", string(e.Kind)), zap.String("post_id", e.PostID))
		res.Ignored++
		return nil
	}
	ectx, cancel := context.WithTimeout(ctx, s.cfg.SubmitTimeout)
	err = s.edits.RecordEdit(ectx, e)
	cancel()
	switch {
	case errors.Is(err, caseapi.ErrNotFound):
		res.Ignored++
	case err != nil:
		return err
	default:
		res.Edits++
	}
	return nil
}

// Replay delivers a dead letter again, as it is or with payload in its
// place (the operator's fix), without a signature check: the operator is
// trusted, the platform is not asked. A letter whose events all reach a
// case (or are ignored) is marked replayed; one that fails again is kept,
// with the new failure as a letter of its own.
func (s *Server) Replay(ctx context.Context, id string, payload json.RawMessage) (Result, error) {
	l, err := s.dead.Get(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if payload == nil {
		payload = l.Payload
	}
	parse, ok := s.parsers[l.Route]
	if !ok {
		return Result{}, fmt.Errorf("dead letter %s: unknown route %q", id, l.Route)
	}
	b, err := parse(payload)
	if err != nil {
		return Result{}, fmt.Errorf("dead letter %s: %w", id, err)
	}
	res, err := s.process(ctx, l.Route, b)
	if err != nil {
		return res, err
	}
	if len(b.Failed) > 0 || len(res.DeadLetter) > 0 {
		return res, fmt.Errorf("dead letter %s still fails: %s", id, strings.Join(res.Rejected, "; "))
	}
	return res, s.dead.MarkReplayed(ctx, id, strings.Join(res.Cases, ","), time.Now())
}

// DeadLetters is the server's dead-letter store.
func (s *Server) DeadLetters() *DeadLetters { return s.dead }

// submitBy submits p within intake.submit_timeout, and no later than by.
func (s *Server) submitBy(ctx context.Context, p post.Post, by time.Time) (caseapi.Outcome, error) {
	if time.Now().After(by) {
		return caseapi.Outcome{}, context.DeadlineExceeded
	}
	deadline := time.Now().Add(s.cfg.SubmitTimeout)
	if by.Before(deadline) {
		deadline = by
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return s.sub.Submit(ctx, p)
}

func (s *Server) remember(err error) {
	if err != nil {
		s.log.Warn("thread index not updated", zap.Error(err))
	}
}

func (s *Server) unavailable(w http.ResponseWriter, route string, err error) {
	s.log.Error("case service unavailable: asking the sender to retry", zap.String("route", route), zap.Error(err))
	w.Header().Set("Retry-After", retryAfter)
	writeError(w, http.StatusServiceUnavailable, "cases cannot be accepted right now; retry later")
}

func (s *Server) refuse(w http.ResponseWriter, route string, status int, err error) {
	s.log.Info("intake refused", zap.String("route", route), zap.Int("status", status), zap.Error(err))
	writeError(w, status, err.Error())
}

// equalSecret compares digests so that neither the content nor the length
// of the secret shows in the time the comparison takes.
func equalSecret(got, want string) bool {
	if want == "" {
		return false
	}
	g, wt := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], wt[:]) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
