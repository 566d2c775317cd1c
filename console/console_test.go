package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/slareport"
)

// demoPassword is the password of every demo agent in the embedded
// configuration (config/defaults/10-acme.yaml).
const demoPassword = "demo"

var t0 = time.Date(2015, 11, 23, 10, 0, 0, 0, time.UTC)

// memCases is an in-memory case store standing in for Temporal: it keeps
// the views, answers List by department like the visibility query, and
// records every action it is asked to perform.
type memCases struct {
	mu        sync.Mutex
	views     map[string]casestate.View
	lists     []caseapi.Filter
	acts      []string // "kind case agent"
	refuse    string   // when set, Act refuses with this reason
	actions   []casestate.Action
	boards    map[string]dispatch.Board
	journeys  map[string]journey.Journey
	offers    map[string][]casestate.ActionKind // by case; every action when unset
	incidents map[string]incident.Incident
}

func (m *memCases) Incidents(_ context.Context, closed bool) ([]caseapi.IncidentSummary, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []caseapi.IncidentSummary
	for _, id := range slices.Sorted(maps.Keys(m.incidents)) {
		if inc := m.incidents[id]; closed || inc.Status == incident.StatusOpen {
			out = append(out, caseapi.IncidentSummary{ID: id, Open: inc.Status == incident.StatusOpen, OpenedAt: inc.OpenedAt})
		}
	}
	return out, nil
}

func (m *memCases) Incident(_ context.Context, id string) (incident.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc, ok := m.incidents[id]
	if !ok {
		return inc, caseapi.ErrNotFound
	}
	return inc, nil
}

func (m *memCases) ActIncident(_ context.Context, id string, kind incident.ActionKind, agent string, a incident.Action) (incident.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acts = append(m.acts, fmt.Sprintf("incident %s %s %s", kind, id, agent))
	if m.refuse != "" {
		return incident.Incident{}, &caseapi.RefusedError{CaseID: id, Action: casestate.ActionKind("incident " + kind), Reason: m.refuse}
	}
	return m.incidents[id], nil
}

func (m *memCases) Offers(_ context.Context, id, _ string) ([]casestate.ActionKind, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o, ok := m.offers[id]; ok {
		return o, nil
	}
	return casestate.Actions, nil
}

func (m *memCases) Customer(_ context.Context, customer string) (journey.Journey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.journeys[customer]
	j.CustomerID = customer
	return j, nil
}

func (m *memCases) Link(_ context.Context, customer, identity, agent string) (journey.Journey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acts = append(m.acts, fmt.Sprintf("link %s %s %s", customer, identity, agent))
	return journey.Journey{}, nil
}

func (m *memCases) Board(_ context.Context, dept string) (dispatch.Board, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.boards[dept], nil
}

func (m *memCases) Shift(_ context.Context, dept, agent string, on bool, actor string) (dispatch.Board, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.boards == nil {
		m.boards = map[string]dispatch.Board{}
	}
	b := m.boards[dept]
	b.Department = dept
	b.Shift(agent, 6, on)
	m.boards[dept] = b
	m.acts = append(m.acts, fmt.Sprintf("shift %s %s %t by %s", dept, agent, on, actor))
	return b, nil
}

func (m *memCases) List(_ context.Context, f caseapi.Filter) ([]caseapi.Summary, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists = append(m.lists, f)
	var out []caseapi.Summary
	for _, v := range m.views {
		if f.Department != "" && v.Department != f.Department {
			continue
		}
		if f.Status != "" && string(v.Status) != f.Status {
			continue
		}
		out = append(out, caseapi.Summary{CaseID: v.ID, Department: v.Department, Assignee: v.Assignee, Status: string(v.Status),
			Priority: v.Priority, Intent: v.Intent, CustomerID: v.CustomerID, Channel: v.Channel, SLADueAt: v.SLADueAt,
			SLABreached: v.SLABreached, OpenedAt: v.OpenedAt})
	}
	caseapi.SortBySLA(out)
	return out, nil
}

func (m *memCases) State(_ context.Context, id string) (casestate.View, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.views[id]
	if !ok {
		return v, fmt.Errorf("%w: %s", caseapi.ErrNotFound, id)
	}
	return v, nil
}

func (m *memCases) LatestEvents(_ context.Context, id string, _ int) ([]casestate.Event, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.views[id]
	return []casestate.Event{{Seq: 1, At: v.OpenedAt, Kind: casestate.EventOpened, Actor: v.Post.Author.Handle, Text: v.Post.Text}}, 1, nil
}

func (m *memCases) PastCases(_ context.Context, since time.Time, _ int) ([]slareport.Case, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var past []slareport.Case
	for _, id := range slices.Sorted(maps.Keys(m.views)) {
		if v := m.views[id]; !v.OpenedAt.Before(since) {
			past = append(past, slareport.Case{View: v, Events: []casestate.Event{{Seq: 1, At: v.OpenedAt, Kind: casestate.EventOpened, Actor: v.Post.Author.Handle, Text: v.Post.Text}}})
		}
	}
	return past, 0, nil
}

func (m *memCases) Act(_ context.Context, id string, kind casestate.ActionKind, agent string, a casestate.Action) (casestate.Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acts = append(m.acts, fmt.Sprintf("%s %s %s", kind, id, agent))
	m.actions = append(m.actions, a)
	if m.refuse != "" {
		return casestate.Outcome{}, &caseapi.RefusedError{CaseID: id, Action: kind, Reason: m.refuse}
	}
	v := m.views[id]
	switch kind {
	case casestate.ActionClaim:
		v.Assignee = agent
	case casestate.ActionHandoff:
		v.Department, v.Assignee = a.To, ""
	case casestate.ActionApprove:
		v.Draft, v.Status = nil, casestate.StatusOpen
	}
	m.views[id] = v
	return v.Outcome, nil
}

func (m *memCases) actCalls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.acts)
}

func caseView(id, dept string, due time.Duration) casestate.View {
	at := t0.Add(due)
	p := post.Post{ID: id, Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u-" + id, Handle: "@cust_" + id},
		Text: "post " + id + " <b>not bold</b>", CreatedAt: t0}
	return casestate.View{Outcome: casestate.Outcome{ID: p.CaseID(), Status: casestate.StatusOpen, Department: dept, Priority: "P3", Intent: "complaint"},
		CustomerID: p.CustomerKey(), Channel: "x", Post: p, SLADueAt: &at, OpenedAt: t0,
		Triage: policy.Triage{Redacted: "redacted text of " + id}}
}

type fixture struct {
	t     *testing.T
	srv   *httptest.Server
	cases *memCases
	cfg   *config.Config
}

func newFixture(t *testing.T, o Options) *fixture { return newFixtureWith(t, o, nil) }

// newFixtureWith is newFixture with the default configuration changed by
// edit first.
func newFixtureWith(t *testing.T, o Options, edit func(*config.Config)) *fixture {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	m := &memCases{views: map[string]casestate.View{}}
	for _, v := range []casestate.View{
		caseView("s1", "support", 30*time.Minute),
		caseView("s2", "support", 10*time.Minute),
		caseView("p1", "pr", 5*time.Minute),
	} {
		m.views[v.ID] = v
	}
	o.Config, o.Cases = cfg, m
	if o.Now == nil {
		o.Now = func() time.Time { return t0 }
	}
	if o.Store == nil {
		o.Store = openStore(t)
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{t: t, srv: srv, cases: m, cfg: cfg}
}

// browser is a client with its own cookie jar that does not follow
// redirects, so tests see each redirect the console answers with.
type browser struct {
	f   *fixture
	c   *http.Client
	jar *cookiejar.Jar
	// forwardedFor, when set, is sent as X-Forwarded-For: the browser's
	// address as a trusted proxy in front of the console would report it.
	forwardedFor string
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token of the first form on the page at path.
func (b *browser) token(path string) string {
	b.f.t.Helper()
	_, page := b.get(path)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.f.t.Fatalf("no csrf field on %s:\n%s", path, page)
	}
	return m[1]
}

func (b *browser) login(agent, password string) *http.Response {
	b.f.t.Helper()
	tok := b.token("/login")
	resp, _ := b.do("POST", "/login", url.Values{"csrf": {tok}, "agent": {agent}, "password": {password}, "next": {"/inbox"}})
	return resp
}

func (b *browser) signedIn(agent string) *browser {
	b.f.t.Helper()
	if resp := b.login(agent, demoPassword); resp.StatusCode != http.StatusSeeOther {
		b.f.t.Fatalf("sign in as %s: %s", agent, resp.Status)
	}
	return b
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: got %s, want %d", resp.Request.Method, resp.Request.URL.Path, resp.Status, want)
	}
}

func TestSignInSetsAHardenedSessionCookie(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser()
	resp := b.login("sam", demoPassword)
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/inbox" {
		t.Fatalf("redirect to %q", loc)
	}
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || len(sess.Value) < 40 {
		t.Fatalf("session cookie %+v", sess)
	}
	resp, page := b.get("/inbox")
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, "Sam Ortiz") {
		t.Fatal("inbox does not name the signed-in agent")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
}

func TestSignInRefusesWrongPasswordsAndUnknownAgents(t *testing.T) {
	f := newFixture(t, Options{})
	for _, c := range []struct{ agent, password string }{{"sam", "wrong"}, {"nobody", demoPassword}, {"sam", ""}} {
		b := f.browser()
		resp := b.login(c.agent, c.password)
		wantStatus(t, resp, http.StatusUnauthorized)
		for _, ck := range resp.Cookies() {
			if ck.Name == sessionCookie && ck.Value != "" {
				t.Fatalf("%s/%q got a session", c.agent, c.password)
			}
		}
		resp, _ = b.get("/inbox")
		wantStatus(t, resp, http.StatusSeeOther)
	}
}

func TestSignInWithoutTheFormTokenIsRefused(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser()
	// A cross-site form cannot read the login cookie's token.
	resp, _ := b.do("POST", "/login", url.Values{"agent": {"sam"}, "password": {demoPassword}})
	wantStatus(t, resp, http.StatusForbidden)
	b.token("/login") // now there is a cookie, but the form still lacks it
	resp, _ = b.do("POST", "/login", url.Values{"csrf": {"guess"}, "agent": {"sam"}, "password": {demoPassword}})
	wantStatus(t, resp, http.StatusForbidden)
}

func TestRequestsWithoutASessionAreRefused(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser()
	resp, _ := b.get("/inbox?dept=support")
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/login?next=%2Finbox%3Fdept%3Dsupport" {
		t.Fatalf("redirect %q", loc)
	}
	resp, _ = b.get("/inbox/rows")
	wantStatus(t, resp, http.StatusUnauthorized)
	resp, _ = b.get(caseURL("case/x/s1"))
	wantStatus(t, resp, http.StatusSeeOther)
	resp, _ = b.do("POST", actURL("claim", "case/x/s1"), url.Values{"csrf": {"x"}})
	wantStatus(t, resp, http.StatusUnauthorized)
	if acts := f.cases.actCalls(); len(acts) != 0 {
		t.Fatalf("acted without a session: %v", acts)
	}
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser().signedIn("sam")
	id := "case/x/s1"
	for _, bad := range []url.Values{{}, {"csrf": {""}}, {"csrf": {"forged"}}} {
		resp, _ := b.do("POST", actURL("claim", id), bad)
		wantStatus(t, resp, http.StatusForbidden)
	}
	// Another agent's token is no good either.
	other := f.browser().signedIn("sofia").token("/inbox")
	resp, _ := b.do("POST", actURL("claim", id), url.Values{"csrf": {other}})
	wantStatus(t, resp, http.StatusForbidden)
	resp, _ = b.do("POST", "/logout", url.Values{"csrf": {other}})
	wantStatus(t, resp, http.StatusForbidden)
	if acts := f.cases.actCalls(); len(acts) != 0 {
		t.Fatalf("acted with a bad token: %v", acts)
	}

	tok := b.token(caseURL(id))
	resp, _ = b.do("POST", actURL("claim", id), url.Values{"csrf": {tok}})
	wantStatus(t, resp, http.StatusSeeOther)
	if got := f.cases.actCalls(); !slices.Equal(got, []string{"claim case/x/s1 sam"}) {
		t.Fatalf("acts %v", got)
	}
	resp, page := b.get(caseURL(id))
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, "You claimed the case.") {
		t.Fatal("no flash after claiming")
	}
	if _, again := b.get(caseURL(id)); strings.Contains(again, "You claimed the case.") {
		t.Fatal("flash shown twice")
	}
}

func TestCrossSiteFormPostsAreRefusedByTheBrowserCheck(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser().signedIn("sam")
	tok := b.token("/inbox")
	req, _ := http.NewRequest("POST", f.srv.URL+actURL("claim", "case/x/s1"), strings.NewReader(url.Values{"csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	wantStatus(t, resp, http.StatusForbidden)
}

func TestAgentsSeeOnlyTheirDepartments(t *testing.T) {
	f := newFixture(t, Options{})
	sam := f.browser().signedIn("sam")

	resp, page := sam.get("/inbox")
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, "case/x/s1") || !strings.Contains(page, "case/x/s2") || strings.Contains(page, "case/x/p1") {
		t.Fatalf("support inbox shows the wrong cases:\n%s", page)
	}
	// The inbox shows what the customer wrote, redacted.
	if !strings.Contains(page, "redacted text of s1") || strings.Contains(page, "not bold") {
		t.Fatal("inbox rows lack the redacted post text")
	}
	// Most urgent first: s2 is due before s1.
	if strings.Index(page, `data-case="case/x/s2"`) > strings.Index(page, `data-case="case/x/s1"`) {
		t.Fatal("inbox is not ordered by SLA due")
	}
	for _, path := range []string{"/inbox?dept=pr", "/inbox/rows?dept=pr", "/inbox?dept=nosuch"} {
		resp, _ = sam.get(path)
		wantStatus(t, resp, http.StatusForbidden)
	}
	resp, _ = sam.get(caseURL("case/x/p1"))
	wantStatus(t, resp, http.StatusNotFound)
	resp, _ = sam.do("POST", actURL("claim", "case/x/p1"), url.Values{"csrf": {sam.token("/inbox")}})
	wantStatus(t, resp, http.StatusNotFound)
	if acts := f.cases.actCalls(); len(acts) != 0 {
		t.Fatalf("acted outside the department: %v", acts)
	}
	// The inbox asked Temporal for support's cases only.
	for _, l := range f.cases.lists {
		if l.Department != "support" {
			t.Fatalf("listed %+v for a support agent", l)
		}
	}

	cora := f.browser().signedIn("cora") // centre of excellence
	resp, page = cora.get("/inbox")
	wantStatus(t, resp, http.StatusOK)
	for _, id := range []string{"case/x/s1", "case/x/s2", "case/x/p1"} {
		if !strings.Contains(page, id) {
			t.Fatalf("coe inbox lacks %s", id)
		}
	}
	if strings.Index(page, `data-case="case/x/p1"`) > strings.Index(page, `data-case="case/x/s2"`) {
		t.Fatal("coe inbox is not ordered by SLA due across departments")
	}
	resp, _ = cora.get(caseURL("case/x/p1"))
	wantStatus(t, resp, http.StatusOK)
	resp, _ = cora.get("/inbox/rows?dept=pr")
	wantStatus(t, resp, http.StatusOK)
}

func TestCasePageEscapesCustomerText(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser().signedIn("sam")
	resp, page := b.get(caseURL("case/x/s1"))
	wantStatus(t, resp, http.StatusOK)
	if strings.Contains(page, "<b>not bold</b>") || !strings.Contains(page, "&lt;b&gt;not bold&lt;/b&gt;") {
		t.Fatal("customer text is not escaped")
	}
	for _, form := range []string{"claim", "reply", "handoff", "escalate", "resolve", "note"} {
		if !strings.Contains(page, `data-action="`+form+`"`) {
			t.Fatalf("no %s form", form)
		}
	}
	if !strings.Contains(page, `name="await_customer"`) || !strings.Contains(page, `<option value="pr">`) {
		t.Fatal("reply or handoff form incomplete")
	}
}

func TestRefusedActionsShowTheRule(t *testing.T) {
	f := newFixture(t, Options{})
	f.cases.refuse = "rule claim-first: claim the case before replying"
	b := f.browser().signedIn("sam")
	id := "case/x/s1"
	resp, _ := b.do("POST", actURL("reply", id), url.Values{"csrf": {b.token(caseURL(id))}, "text": {"hi\r\nthere"}, "await_customer": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != caseURL(id) {
		t.Fatalf("redirect %q", loc)
	}
	_, page := b.get(caseURL(id))
	if !strings.Contains(page, "rule claim-first: claim the case before replying") {
		t.Fatal("refusal not shown")
	}
	if a := f.cases.actions[0]; a.Text != "hi\nthere" || !a.AwaitCustomer {
		t.Fatalf("action %+v", a)
	}
}

func TestHandoffOutOfTheDepartmentReturnsToTheInbox(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser().signedIn("sam")
	id := "case/x/s1"
	resp, _ := b.do("POST", actURL("handoff", id), url.Values{"csrf": {b.token(caseURL(id))}, "to": {"pr"}, "text": {"press"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/inbox" {
		t.Fatalf("redirect %q", loc)
	}
	_, page := b.get("/inbox")
	if !strings.Contains(page, "Handed over to PR &amp; Communications") || strings.Contains(page, `data-case="case/x/s1"`) {
		t.Fatalf("inbox after handoff:\n%s", page)
	}
}

// openStore is a shared store of the console's own, in a SQLite file.
func openStore(t *testing.T) *kv.Store {
	t.Helper()
	s, err := kv.Open(context.Background(), filepath.Join(t.TempDir(), "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Two console replicas on one shared store: signed in on one, the agent is
// signed in on the other (a load balancer may send each request to either),
// a message shown after an action reaches the page whichever serves it, and
// signing out on one ends the session on both.
func TestASessionMadeOnOneConsoleWorksOnAnother(t *testing.T) {
	store := openStore(t)
	one, two := newFixture(t, Options{Store: store}), newFixture(t, Options{Store: store})
	onOne := one.browser().signedIn("sam")
	onTwo := &browser{f: two, jar: onOne.jar, c: onOne.c} // the same browser: cookies are not kept per port
	resp, page := onTwo.get("/inbox")
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, "case/x/s1") {
		t.Fatalf("the other replica's inbox:\n%s", page)
	}
	tok := onTwo.token("/inbox")
	resp, _ = onOne.do("POST", "/logout", url.Values{"csrf": {tok}}) // the token of one replica's page, checked by the other
	wantStatus(t, resp, http.StatusSeeOther)
	resp, _ = onTwo.get("/inbox")
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after signing out on one replica the other sends to %q", loc)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.browser().signedIn("sam")
	tok := b.token("/inbox")
	resp, _ := b.do("POST", "/logout", url.Values{"csrf": {tok}})
	wantStatus(t, resp, http.StatusSeeOther)
	resp, _ = b.get("/inbox")
	wantStatus(t, resp, http.StatusSeeOther)
}

func TestSessionsExpire(t *testing.T) {
	now := t0
	var mu sync.Mutex
	f := newFixture(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	b := f.browser().signedIn("sam")
	mu.Lock()
	now = now.Add(f.cfg.Console.SessionTTL)
	mu.Unlock()
	resp, _ := b.get("/inbox")
	wantStatus(t, resp, http.StatusSeeOther)
}

func TestOutboxShowsRepliesOfTheAgentsDepartments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	var lines []string
	for i, id := range []string{"case/x/s1", "case/x/p1"} {
		e := publish.OutboxEntry{Reply: publish.Reply{CaseID: id, Platform: "x", Property: "@acme_help", Text: "reply to " + id},
			Receipt: publish.Receipt{ID: fmt.Sprintf("sandbox-%d", i+1), PublishedAt: t0}}
		data, _ := json.Marshal(e)
		lines = append(lines, string(data))
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{OutboxPath: path})
	_, page := f.browser().signedIn("sam").get("/outbox")
	if !strings.Contains(page, "reply to case/x/s1") || strings.Contains(page, "reply to case/x/p1") {
		t.Fatalf("support outbox:\n%s", page)
	}
	_, page = f.browser().signedIn("cora").get("/outbox")
	if !strings.Contains(page, "reply to case/x/s1") || !strings.Contains(page, "reply to case/x/p1") {
		t.Fatal("coe outbox misses replies")
	}
}

// awaiting returns a case owned by dept whose reply, drafted by author,
// waits for an approver of pr.
func awaiting(id, dept, author string) casestate.View {
	v := caseView(id, dept, 0)
	v.SLADueAt, v.Status, v.Approver = nil, casestate.StatusAwaitingApproval, "pr"
	v.Draft = &casestate.Draft{Text: "Our statement on " + id, By: author, At: t0.Add(-5 * time.Minute),
		Clock: &casestate.Clock{Kind: casestate.ClockApproval, Target: 30 * time.Minute, WarnAt: t0.Add(15 * time.Minute), DueAt: t0.Add(20 * time.Minute)}}
	return v
}

func TestApprovalQueueListsDraftsForTheApproversDepartments(t *testing.T) {
	f := newFixture(t, Options{})
	a1, a2 := awaiting("a1", "support", "sam"), awaiting("a2", "pr", "priya")
	f.cases.views[a1.ID], f.cases.views[a2.ID] = a1, a2

	resp, _ := f.browser().signedIn("sam").get("/approvals")
	wantStatus(t, resp, http.StatusForbidden)

	paul := f.browser().signedIn("paul") // pr lead and approver
	resp, page := paul.get("/approvals")
	wantStatus(t, resp, http.StatusOK)
	for _, want := range []string{"Our statement on a1", "Our statement on a2", "in 20m", "5m ago", `data-case="case/x/a1"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("approval queue lacks %q:\n%s", want, page)
		}
	}
	// Approvers of pr may open a support case only for its draft, and see
	// the approval forms but not support's.
	resp, page = paul.get(caseURL(a1.ID))
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, `data-action="approve"`) || !strings.Contains(page, `data-action="reject"`) || strings.Contains(page, `data-action="claim"`) {
		t.Fatalf("outside approver's case page:\n%s", page)
	}
	_, page = f.browser().signedIn("priya").get(caseURL(a2.ID))
	if strings.Contains(page, `data-action="approve"`) || !strings.Contains(page, "You drafted this reply") {
		t.Fatal("the author of a draft is offered to approve it")
	}
	f.cases.offers = map[string][]casestate.ActionKind{a1.ID: { // what the case allows a support lead while a draft waits
		casestate.ActionClaim, casestate.ActionNote, casestate.ActionHandoff, casestate.ActionEscalate, casestate.ActionRelabel}}
	_, page = f.browser().signedIn("sofia").get(caseURL(a1.ID))
	if strings.Contains(page, `data-action="approve"`) || strings.Contains(page, `data-action="reply"`) || !strings.Contains(page, `data-action="claim"`) {
		t.Fatal("support agent's page for a case awaiting approval")
	}
	resp, _ = f.browser().signedIn("maya").get(caseURL(a1.ID))
	wantStatus(t, resp, http.StatusNotFound)

	resp, _ = paul.do("POST", actURL("approve", a1.ID), url.Values{"csrf": {paul.token("/approvals")}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/approvals" {
		t.Fatalf("after approving a support case: redirect %q", loc)
	}
	if got := f.cases.actCalls(); !slices.Equal(got, []string{"approve case/x/a1 paul"}) {
		t.Fatalf("acts %v", got)
	}
	_, page = paul.get("/approvals")
	if !strings.Contains(page, "Approved: the reply is published.") || strings.Contains(page, "Our statement on a1") {
		t.Fatalf("queue after approving:\n%s", page)
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:              "<1m",
		42 * time.Minute:              "42m",
		65 * time.Minute:              "1h 05m",
		50 * time.Hour:                "2d 2h",
		47*time.Hour + 59*time.Minute: "47h 59m",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{time.Hour: "1h", 30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 24 * time.Hour: "24h", 45 * time.Second: "45s"} {
		if got := dur(d); got != want {
			t.Errorf("dur(%s) = %q, want %q", d, got, want)
		}
	}
	if got := until(t0.Add(-90*time.Minute), t0); got != "1h 30m overdue" {
		t.Errorf("until past = %q", got)
	}
}

func TestConsoleConfigIsValidated(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Console.Listen != "127.0.0.1:8080" {
		t.Fatalf("default listen %q", cfg.Console.Listen)
	}
	cfg.Console.SessionTTL = 0
	if _, err := New(Options{Config: cfg, Cases: &memCases{}, Store: openStore(t)}); err == nil || !strings.Contains(err.Error(), "console.session_ttl") {
		t.Fatalf("zero TTL: %v", err)
	}
}

func TestEveryDemoAgentCanSignIn(t *testing.T) {
	f := newFixture(t, Options{})
	for _, a := range f.cfg.Directory().All() {
		if a.PasswordHash == "" {
			t.Errorf("%s has no password_hash", a.ID)
			continue
		}
		f.browser().signedIn(a.ID)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{dummyHash: []byte(h)}
	if !s.checkPassword(policy.Agent{PasswordHash: h}, true, "correct horse") || s.checkPassword(policy.Agent{PasswordHash: h}, true, "wrong") {
		t.Fatal("hash does not check")
	}
	if s.checkPassword(policy.Agent{}, false, "correct horse") {
		t.Fatal("an unknown agent matched the dummy hash")
	}
	if _, err := HashPassword("abc"); err == nil {
		t.Fatal("short password accepted")
	}
}

// Agents of a department that deals cases go on and off shift from the
// inbox; only in their own departments.
func TestAgentsGoOnAndOffShiftFromTheInbox(t *testing.T) {
	f := newFixture(t, Options{})
	maya := f.browser().signedIn("maya") // marketing deals round robin
	_, page := maya.get("/inbox")
	if !strings.Contains(page, `action="/shift/marketing"`) || !strings.Contains(page, "Go on shift") {
		t.Fatalf("no shift form on the inbox:\n%s", page)
	}
	tok := maya.token("/inbox")
	resp, _ := maya.do("POST", "/shift/marketing", url.Values{"csrf": {tok}, "on": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if _, page = maya.get("/inbox"); !strings.Contains(page, "Go off shift") || !strings.Contains(page, "on shift") {
		t.Fatalf("inbox after going on shift:\n%s", page)
	}
	resp, _ = maya.do("POST", "/shift/support", url.Values{"csrf": {tok}, "on": {"1"}})
	wantStatus(t, resp, http.StatusForbidden)
	resp, _ = maya.do("POST", "/shift/marketing", url.Values{"csrf": {"forged"}, "on": {"0"}})
	wantStatus(t, resp, http.StatusForbidden)
	if got := f.cases.actCalls(); len(got) != 1 || got[0] != "shift marketing maya true by maya" {
		t.Fatalf("calls %v", got)
	}
	// Support assigns by claim: its agents have no shift to join.
	if _, page := f.browser().signedIn("sam").get("/inbox"); strings.Contains(page, "/shift/") {
		t.Fatal("a claim department offers shifts")
	}
}

// The case page shows the customer's other cases, across channels and
// linked identities.
func TestCasePageShowsTheCustomersHistory(t *testing.T) {
	f := newFixture(t, Options{})
	v := caseView("h1", "support", time.Hour)
	v.CustomerID = "x:jane"
	id := v.ID
	f.cases.views[id] = v
	f.cases.journeys = map[string]journey.Journey{"x:jane": {Identity: journey.Identity{Aliases: []string{"facebook:77"}},
		Cases: []journey.Case{
			{CaseID: "case/facebook/f1", Channel: "facebook", Department: "support", Status: "closed", Since: t0, Closed: true, Steps: 2, Last: "resolved"},
			{CaseID: id, Channel: "x", Department: "support", Status: "open", Since: t0.Add(48 * time.Hour)},
		}}}
	_, page := f.browser().signedIn("sam").get(caseURL(id))
	for _, want := range []string{"also facebook:77", "case/facebook/f1", "2 steps · last resolved"} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page lacks %q:\n%s", want, page)
		}
	}
}

// A customer with hundreds of cases: the page lists the newest and counts
// the rest, for the cases the agent may open and for those elsewhere.
func TestCasePageOfACustomerWithThreeHundredCasesStaysShort(t *testing.T) {
	f := newFixture(t, Options{})
	v := caseView("h3", "support", time.Hour)
	v.CustomerID = "x:regular"
	f.cases.views[v.ID] = v
	var cases []journey.Case
	for i := range 300 {
		dept := "support"
		if i%3 == 0 {
			dept = "legal"
		}
		cases = append(cases, journey.Case{CaseID: fmt.Sprintf("case/x/r%03d", i), Channel: "x", Department: dept,
			Status: "closed", Closed: true, Since: t0.Add(time.Duration(i) * time.Hour), Steps: 4, Last: "closed"})
	}
	cases = append(cases, journey.Case{CaseID: v.ID, Channel: "x", Department: "support", Status: "open", Since: t0.Add(400 * time.Hour)})
	f.cases.journeys = map[string]journey.Journey{"x:regular": {Cases: cases}}
	_, page := f.browser().signedIn("sam").get(caseURL(v.ID))
	// 200 support cases: the newest 20 listed, 180 counted; 100 legal: 20 named, 80 counted.
	for _, want := range []string{"case/x/r299", "and 180 older cases", "switchboard journey x:regular", "and 80 more cases in other departments"} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page lacks %q:\n%s", want, page)
		}
	}
	if n := strings.Count(page, `href="/case/case/x/r`); n != historyCases {
		t.Fatalf("%d cases linked, want %d", n, historyCases)
	}
	if n := strings.Count(page, "data-elsewhere>"); n != historyCases {
		t.Fatalf("%d cases elsewhere named, want %d", n, historyCases)
	}
	if strings.Contains(page, "case/x/r000") || strings.Contains(page, "case/x/r001") {
		t.Fatal("the page lists the oldest cases")
	}
}

// A case of a department the agent may not open shows on the customer's
// history only as "another case with" that department: no id, link,
// content or steps, the same as a direct GET of it tells nothing.
func TestTheCustomersHistoryWithholdsOtherDepartmentsCases(t *testing.T) {
	f := newFixture(t, Options{})
	v := caseView("h2", "support", time.Hour)
	v.CustomerID = "x:jane"
	f.cases.views[v.ID] = v
	legal := "case/x/sue-1"
	f.cases.journeys = map[string]journey.Journey{"x:jane": {
		Cases: []journey.Case{
			{CaseID: legal, Channel: "x", Department: "legal", Status: "open", Since: t0, Steps: 2, Last: "handed_off"},
			{CaseID: "case/x/old", Channel: "x", Department: "support", Status: "closed", Closed: true, Since: t0.Add(2 * time.Minute)},
			{CaseID: v.ID, Channel: "x", Department: "support", Status: "open", Since: t0.Add(48 * time.Hour)},
		},
	}}
	_, page := f.browser().signedIn("sam").get(caseURL(v.ID))
	if !strings.Contains(page, "another case with Legal &amp; Compliance") || !strings.Contains(page, "case/x/old") {
		t.Fatalf("history:\n%s", page)
	}
	for _, leak := range []string{"sue-1", "court", "handed off", "2 steps"} {
		if strings.Contains(page, leak) {
			t.Errorf("sam's page shows %q of legal's case", leak)
		}
	}
	// The centre of excellence may open every case, so it sees this one.
	if _, page := f.browser().signedIn("cora").get(caseURL(v.ID)); !strings.Contains(page, "sue-1") || strings.Contains(page, "another case") {
		t.Fatalf("cora's history:\n%s", page)
	}
}

// The inbox search looks in the whole post, not only the snippet shown,
// in any case; what triage redacted is not found.
func TestInboxSearchLooksInTheWholePost(t *testing.T) {
	f := newFixture(t, Options{})
	long := caseView("long1", "support", time.Hour)
	long.Triage.Redacted = strings.Repeat("the basket page hangs again and again, ", 6) + "and the Kettle order [order] never came"
	f.cases.views[long.ID] = long
	other := caseView("short2", "support", 2*time.Hour)
	f.cases.views[other.ID] = other
	sam := f.browser().signedIn("sam")
	for q, want := range map[string][]string{"kettle": {long.ID}, "KETTLE ORDER": {long.ID}, "redacted text of short2": {other.ID}, "4471-220": nil} {
		resp, page := sam.get("/inbox/rows?q=" + url.QueryEscape(q))
		wantStatus(t, resp, http.StatusOK)
		var got []string
		for _, id := range []string{long.ID, other.ID} {
			if strings.Contains(page, `data-case="`+id+`"`) {
				got = append(got, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}
}

// The what-if page: a lead pastes a policy and sees the past replayed
// under it; an agent may not; a policy that does not parse, or changed
// without a version of its own, is refused with the text kept.
func TestWhatIfPage(t *testing.T) {
	f := newFixture(t, Options{})
	feedback := caseView("w1", "marketing", time.Hour)
	feedback.Post.Platform, feedback.Post.Property, feedback.Channel = "facebook", "acme", "facebook"
	feedback.ID, feedback.Triage.Intent = feedback.Post.CaseID(), "feedback"
	f.cases.views[feedback.ID] = feedback
	legal := caseView("w2", "legal", time.Hour)
	legal.Triage.Intent = "legal_threat"
	f.cases.views[legal.ID] = legal
	policy, err := os.ReadFile("../whatif/testdata/faster-support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sam := f.browser().signedIn("sam")
	if resp, page := sam.get("/whatif"); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "for leads, heads") {
		t.Errorf("an agent on the what-if page: %d", resp.StatusCode)
	}
	colin := f.browser().signedIn("colin")
	resp, page := colin.do("POST", "/whatif", url.Values{"csrf": {colin.token("/whatif")}, "policy": {string(policy)}, "since": {"30d"}})
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(page, "What if: acme-2026.12-faster-support instead of acme-2026.11") || !strings.Contains(page, `data-moved="`+feedback.ID+`"`) ||
		!strings.Contains(page, "<svg") || !strings.Contains(page, "faster-support</textarea>") && !strings.Contains(page, "version: acme-2026.12-faster-support") {
		t.Fatalf("the report of a pasted policy:\n%s", page)
	}
	// A support lead's replay holds support's cases only, whatever the
	// pasted policy routes where: here legal's case would move to them.
	toSupport := strings.Replace(string(policy), "{intent: legal_threat,  department: legal,", "{intent: legal_threat,  department: support,", 1)
	sue := f.browser().signedIn("sue")
	_, page = sue.do("POST", "/whatif", url.Values{"csrf": {sue.token("/whatif")}, "policy": {toSupport}, "since": {"30d"}})
	if strings.Contains(page, legal.ID) || strings.Contains(page, feedback.ID) || !strings.Contains(page, "What if: acme-2026.12-faster-support") {
		t.Errorf("sue's replay shows other departments' cases:\n%s", page)
	}
	for pasted, says := range map[string]string{
		"policy: [unclosed":                                 "read the pasted policy",
		"policy:\n  sla: {warning_share: 0.5}\n":            "give the change a version of its own",
		"policy:\n  version: v9\n  default_department: x\n": "default_department",
	} {
		resp, page := colin.do("POST", "/whatif", url.Values{"csrf": {colin.token("/whatif")}, "policy": {pasted}, "since": {"7d"}})
		wantStatus(t, resp, http.StatusOK)
		if !strings.Contains(page, "data-whatif-error") || !strings.Contains(page, says) || !strings.Contains(page, html.EscapeString(pasted)) {
			t.Errorf("pasted %q: want an error naming %q and the text kept", pasted, says)
		}
	}
}
