package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/internal/stack/stacktest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/post"
)

// EnvRequireBrowser makes the browser test fail, rather than skip, when no
// Chromium is installed; `make test` sets it after scripts/ensure-debian.sh chromium.
const EnvRequireBrowser = "SWITCHBOARD_REQUIRE_BROWSER"

// findChromium returns the browser to drive, or skips the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium: run sh scripts/ensure-debian.sh chromium chromium (Debian package chromium)"
	if os.Getenv(EnvRequireBrowser) != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// live is a real Temporal dev server with a worker, the case API and the
// console served on a loopback port.
type live struct {
	t       *testing.T
	ctx     context.Context
	cfg     *config.Config
	cases   *caseapi.Client
	console *httptest.Server
}

func newStack(t *testing.T) *live {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newStackOf(t, cfg)
}

// newStackOf is newStack with the configuration cfg.
func newStackOf(t *testing.T, cfg *config.Config) *live {
	cfg.Console.RefreshInterval = time.Second // so the test sees the live refresh quickly
	st := stacktest.ForTest(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	cases := st.Cases
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h, err := console.New(console.Options{Config: cfg, Cases: cases, Store: store, OutboxPath: app.OutboxPath(cfg),
		Log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))})
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(h)
	t.Cleanup(web.Close)
	return &live{t: t, ctx: ctx, cfg: cfg, cases: cases, console: web}
}

// submit posts to @acme_help and waits until triage has queued the case
// for the expected department.
func (s *live) submit(id, author, text, dept string) string {
	s.t.Helper()
	return s.submitTo("@acme_help", id, author, text, dept)
}

func (s *live) submitTo(property, id, author, text, dept string) string {
	s.t.Helper()
	p := post.Post{ID: id, Platform: "x", Property: property, Author: post.Author{ID: author, Handle: "@" + author, Name: strings.ToUpper(author[:1]) + author[1:], Followers: 120},
		Text: text, CreatedAt: time.Now().UTC()}
	if _, err := s.cases.Submit(s.ctx, p); err != nil {
		s.t.Fatal(err)
	}
	s.eventually("case "+p.CaseID()+" queued for "+dept, func() error {
		v, err := s.cases.State(s.ctx, p.CaseID())
		if err == nil && (v.Status != casestate.StatusOpen || v.Department != dept) {
			err = fmt.Errorf("%s in %q (intent %s)", v.Status, v.Department, v.Intent)
		}
		return err
	})
	return p.CaseID()
}

func (s *live) eventually(what string, check func() error) {
	s.t.Helper()
	stacktest.Eventually(s.t, what, check)
}

func (s *live) act(id string, kind casestate.ActionKind, agent string, a casestate.Action) {
	s.t.Helper()
	if _, err := s.cases.Act(s.ctx, id, kind, agent, a); err != nil {
		s.t.Fatalf("%s by %s: %v", kind, agent, err)
	}
}

// browser starts headless Chromium and collects what the pages write to
// their console, so a script error or a blocked resource fails the test.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, parent context.Context, exe string) *browser {
	var out bytes.Buffer
	actx, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() && out.Len() > 0 {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	b := &browser{t: t, ctx: ctx}
	messages := chromedp.Console(ctx) // starts the browser
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s: %s (%s)", m.Type, m.Text, m.URL))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// run runs one action with a time limit and fails the test if it fails.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	run(b, what, chromedp.Steps(steps...))
}

// submit clicks a button that posts a form and waits for the page the
// redirect lands on, so the next step reads the new page, not the old one.
func (b *browser) submit(what, button string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("%s: landed on %s with HTTP %d", what, resp.URL, resp.Status)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return run(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// waitFor polls a JavaScript condition in the page (not reloading it).
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	run(b, what, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond)))
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	root, err := devserver.ModuleRoot()
	if err != nil {
		b.t.Fatal(err)
	}
	dir := filepath.Join(root, "test-artifacts", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

func (b *browser) signIn(base, agent string) {
	b.t.Helper()
	b.do("open the inbox signed out",
		chromedp.Navigate(base+"/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="agent"]`), agent),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "demo"),
	)
	b.submit("sign in as "+agent, `form[action="/login"] button[type="submit"]`)
	if got := b.text(`[data-agent]`); !strings.Contains(got, agent) {
		b.t.Fatalf("signed in as %q, want %s", got, agent)
	}
}

// firstRow is a JavaScript expression for the case id of the inbox's top row.
const firstRow = `(document.querySelector("#inbox tbody tr[data-case]") || {dataset: {}}).dataset.case`

func TestConsoleInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStack(t)
	base := s.console.URL

	// Support's queue: the complaint this test works on, and two more cases
	// so the inbox has an order to show.
	complaint := s.submit("console-1", "jane", "The app crashes every time I open my basket. Really annoying, please fix it", "support")
	s.submit("console-2", "omar", "How do I change the delivery address on an order in the app?", "support")
	s.submit("console-3", "lee", "I was charged twice for my last order, please refund the second payment", "support")
	// PR already has a case that waits on the customer: no clock runs, so a
	// case handed over with a fresh first-response clock must go above it.
	press := s.submit("console-4", "kim", "Hi, I'm a journalist at the Daily Planet: request for comment on yesterday's outage please", "pr")
	s.act(press, casestate.ActionClaim, "priya", casestate.Action{})
	s.act(press, casestate.ActionReply, "priya", casestate.Action{Text: "Happy to help: which publication and deadline?", AwaitCustomer: true})

	b := newBrowser(t, context.Background(), exe)

	// Sam signs in and finds the complaint in the support inbox.
	b.signIn(base, "sam")
	b.waitFor("complaint in the support inbox", `!!document.querySelector('#inbox tr[data-case="`+complaint+`"]')`)
	if title := b.text(".inbox-head h1"); title != "Digital Support" {
		t.Fatalf("sam's inbox is %q", title)
	}
	b.waitFor("live refresh ran", `document.querySelector("[data-live]").textContent.includes("updated")`)
	b.screenshot("inbox-support.png")

	// Search: the customer's words find their case and nothing else, and
	// the live refresh keeps the search; a filter no case matches says so;
	// clearing brings the queue back.
	b.do("search for the basket", chromedp.SendKeys(chromedp.CSS(`[data-search]`), "BASKET"))
	b.submit("search", `form[data-filters] button[type="submit"]`)
	found := run(b, "list the rows found", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#inbox tbody tr[data-case]"), r => r.dataset.case)`))
	if !slices.Equal(found, []string{complaint}) {
		t.Fatalf("searching for basket lists %v, want %s alone", found, complaint)
	}
	b.waitFor("the refresh keeps the search", `document.querySelector("tbody[data-refresh]").dataset.refresh.includes("q=BASKET")`)
	b.screenshot("inbox-search.png")
	b.do("filter to sam's own cases", chromedp.SetValue(chromedp.CSS(`form[data-filters] select[name="who"]`), "mine"))
	b.submit("filter", `form[data-filters] button[type="submit"]`)
	if empty := b.text("#inbox tr.empty"); !strings.Contains(empty, "No case matches these filters") {
		t.Fatalf("an empty filtered list says %q", empty)
	}
	b.screenshot("inbox-filter.png")
	b.submit("clear the filters", `[data-clear]`)
	b.waitFor("the queue back", `document.querySelectorAll("#inbox tbody tr[data-case]").length >= 3`)

	// The SLA board: support's three live cases, all unclaimed, and the
	// customer who has waited longest.
	b.submit("open the SLA board", `header nav a[href="/board"]`)
	for count, want := range map[string]string{"open": "3", "unassigned": "3", "breached": "0"} {
		if got := b.text(`#board tr[data-dept="support"] [data-count="` + count + `"]`); got != want {
			t.Fatalf("the board's support %s is %q, want %s", count, got, want)
		}
	}
	if oldest := run(b, "read the longest wait", chromedp.Evaluate[string](`document.querySelector('#board tr[data-dept="support"] [data-oldest]').dataset.oldest`)); oldest != complaint {
		t.Fatalf("the longest waiting customer's case is %q, want %s", oldest, complaint)
	}
	b.waitFor("the board refreshes live", `document.querySelector("[data-live]").textContent.includes("updated")`)
	b.screenshot("sla-board.png")
	b.submit("back to the inbox", `header nav a[href="/inbox"]`)
	b.waitFor("the complaint in the inbox", `!!document.querySelector('#inbox tr[data-case="`+complaint+`"]')`)

	b.do("open the case",
		chromedp.Click(chromedp.CSS(`#inbox tr[data-case="`+complaint+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-action="claim"]`)),
	)

	// Before claiming, sam is offered the claim, not forms the case would
	// refuse him: no reply, no release.
	for _, form := range []string{"reply", "release"} {
		if run(b, "look for the "+form+" form", chromedp.Evaluate[bool](`!!document.querySelector('form[data-action="`+form+`"]')`)) {
			t.Fatalf("an unclaimed case offers sam the %s form", form)
		}
	}
	if hint := b.text("[data-claim-first]"); !strings.Contains(hint, "Claim the case to reply") {
		t.Fatalf("claim-first hint %q", hint)
	}

	b.submit("claim", `form[data-action="claim"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "You claimed the case") {
		t.Fatalf("after claim: %q", msg)
	}
	if who := b.text("[data-assignee]"); who != "sam" {
		t.Fatalf("assignee %q", who)
	}

	// A reply longer than X allows: the counter says so as it is typed,
	// the case refuses it naming the limit, and the text is still there.
	long := strings.TrimSpace(strings.Repeat("We are so sorry about the basket. ", 9)) // 305 characters
	b.do("write an over-long reply", chromedp.SendKeys(chromedp.CSS(`form[data-action="reply"] textarea`), long))
	b.waitFor("the counter past X's limit", `document.querySelector("[data-counter]").textContent.startsWith("305 / 280 characters · 25 too many")`)
	b.screenshot("reply-counter.png")
	b.submit("over-long reply", `form[data-action="reply"] button`)
	if msg := b.text(".flash.error"); !strings.Contains(msg, "reply-too-long") || !strings.Contains(msg, "280") {
		t.Fatalf("over-long reply: %q", msg)
	}
	kept := run(b, "read the kept reply", chromedp.Evaluate[string](`document.querySelector('form[data-action="reply"] textarea').value`))
	if kept != long {
		t.Fatalf("the refused reply's text is lost: %q", kept)
	}
	b.screenshot("reply-refused-kept.png")
	run(b, "clear the reply", chromedp.Evaluate[bool](`(document.querySelector('form[data-action="reply"] textarea').value = "") === ""`))

	b.do("write the answer", chromedp.SendKeys(chromedp.CSS(`form[data-action="reply"] textarea`),
		"Sorry Jane, that's not the experience we want. Which app version are you on? We're on it."))
	b.submit("reply", `form[data-action="reply"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "Reply published") {
		t.Fatalf("after reply: %q", msg)
	}
	if ev := b.text(`.timeline li[data-kind="replied"] .ev-text`); !strings.Contains(ev, "Which app version") {
		t.Fatalf("timeline reply %q", ev)
	}
	b.screenshot("case.png")

	// Sam hands the case to PR and lands back on his inbox without it.
	b.do("fill in the handoff",
		chromedp.SetValue(chromedp.CSS(`form[data-action="handoff"] select`), "pr"),
		chromedp.SendKeys(chromedp.CSS(`form[data-action="handoff"] textarea`), "A journalist picked this up on X; PR should own the answer"),
	)
	b.submit("hand off to pr", `form[data-action="handoff"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "Handed over to PR & Communications") {
		t.Fatalf("after handoff: %q", msg)
	}
	b.waitFor("case gone from support's inbox", `!document.querySelector('#inbox tr[data-case="`+complaint+`"]')`)

	// A request without the session's token is refused, even from the
	// signed-in browser itself, and changes nothing.
	status := run(b, "post a forged form", chromedp.Evaluate[int](`fetch("/act/note/`+complaint+`", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "csrf=forged&text=x"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != http.StatusForbidden {
		t.Fatalf("forged form: HTTP %d", status)
	}
	noSession, err := http.PostForm(base+"/act/note/"+complaint, url.Values{"text": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	noSession.Body.Close()
	if noSession.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no session: HTTP %d", noSession.StatusCode)
	}
	events, err := s.cases.Events(s.ctx, complaint)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Kind == casestate.EventNoted {
			t.Fatalf("a refused request added a note: %+v", e)
		}
	}

	b.submit("sign out", `header form[action="/logout"] button`)

	// Priya signs in: the handed-over case, owing a first response, is at the
	// top of PR's inbox, above the case that waits on the customer.
	b.signIn(base, "priya")
	if title := b.text(".inbox-head h1"); title != "PR & Communications" {
		t.Fatalf("priya's inbox is %q", title)
	}
	b.waitFor("handed-over case on top of PR's inbox", firstRow+` === "`+complaint+`"`)
	b.waitFor("the waiting press case listed below", `!!document.querySelector('#inbox tr[data-case="`+press+`"]')`)
	b.screenshot("inbox-pr.png")

	// The inbox refreshes by itself: a claim made elsewhere shows up
	// without a reload.
	s.act(complaint, casestate.ActionClaim, "priya", casestate.Action{})
	b.waitFor("live refresh shows the claim", `document.querySelector('#inbox tr[data-case="`+complaint+`"]').classList.contains("mine")`)

	// Replies on PR's own account need a second pair of eyes: Priya's reply
	// becomes a draft that Paul, another PR approver, approves.
	news := s.submitTo("@acme_news", "console-5", "ravi", "Does the kettle recall affect the older models too?", "pr")
	b.do("open the @acme_news case", chromedp.Navigate(base+"/case/"+news), chromedp.WaitVisible(chromedp.CSS(`form[data-action="claim"]`)))
	b.submit("claim the @acme_news case", `form[data-action="claim"] button`)
	b.do("write the answer", chromedp.SendKeys(chromedp.CSS(`form[data-action="reply"] textarea`),
		"Only kettles made before March 2025 are affected; the serial number check is on acme.example/recall."))
	b.submit("send for approval", `form[data-action="reply"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "once an approver of PR & Communications approves it") {
		t.Fatalf("after drafting: %q", msg)
	}
	b.do("open the approval queue", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.CSS(`#approvals tr[data-case="`+news+`"]`)))
	if mine := b.text(`#approvals tr[data-case="` + news + `"]`); !strings.Contains(mine, "another approver decides") {
		t.Fatalf("priya's own draft in her queue: %q", mine)
	}
	b.submit("sign out", `header form[action="/logout"] button`)

	b.signIn(base, "paul")
	b.do("open the approval queue", chromedp.Navigate(base+"/approvals"), chromedp.WaitVisible(chromedp.CSS(`#approvals tr[data-case="`+news+`"]`)))
	b.screenshot("approvals.png")
	b.do("open the draft", chromedp.Click(chromedp.CSS(`#approvals tr[data-case="`+news+`"] a`)), chromedp.WaitVisible(chromedp.CSS(`form[data-action="approve"]`)))
	b.submit("approve", `form[data-action="approve"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "Approved: the reply is published") {
		t.Fatalf("after approving: %q", msg)
	}
	if ev := b.text(`.timeline li[data-kind="replied"] .ev-text`); !strings.Contains(ev, "before March 2025") {
		t.Fatalf("timeline after approval: %q", ev)
	}
	b.do("open the outbox", chromedp.Navigate(base+"/outbox"), chromedp.WaitVisible(chromedp.CSS("table.outbox")))
	if out := b.text("table.outbox tbody tr"); !strings.Contains(out, "before March 2025") {
		t.Fatalf("the approved reply is not the newest in the outbox: %q", out)
	}

	if errs := b.consoleErrors(); len(errs) > 1 || (len(errs) == 1 && !strings.Contains(errs[0], "403")) {
		t.Fatalf("browser console errors (only the forged request's 403 is expected):\n%s", strings.Join(errs, "\n"))
	}
}

// The spam queue and the relabel form, in a real browser: Sam finds a
// customer in the spam queue, rescues them as a complaint (the case's SLA
// runs from when they wrote), then relabels it a legal threat and it moves
// to Legal.
func TestSpamQueueAndRelabelInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStack(t)
	base := s.console.URL
	p := post.Post{ID: "console-spam-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "ana", Handle: "@ana", Followers: 80},
		Text: "earn money fast with crypto they said https://t.co/q1w2e3 now my Acme account is locked and my order is stuck", CreatedAt: time.Now().UTC()}
	if _, err := s.cases.Submit(s.ctx, p); err != nil {
		t.Fatal(err)
	}
	id := p.CaseID()
	s.eventually("case "+id+" in the spam queue", func() error {
		v, err := s.cases.State(s.ctx, id)
		if err == nil && v.Status != casestate.StatusSpam {
			err = fmt.Errorf("%s (intent %s)", v.Status, v.Intent)
		}
		return err
	})

	b := newBrowser(t, context.Background(), exe)
	b.signIn(base, "sam")
	b.waitFor("support's inbox", `!!document.querySelector("#inbox")`)
	if row := run(b, "spam in the active inbox", chromedp.Evaluate[bool](`!!document.querySelector('#inbox tr[data-case="`+id+`"]')`)); row {
		t.Fatal("a spam case is listed among the active cases")
	}
	b.do("open the spam queue", chromedp.Navigate(base+"/inbox?dept=support&status=spam"))
	b.waitFor("the post in the spam queue", `!!document.querySelector('#inbox tr[data-case="`+id+`"]')`)
	b.screenshot("spam-queue.png")
	b.do("open the post",
		chromedp.Click(chromedp.CSS(`#inbox tr[data-case="`+id+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-action="rescue"]`)),
		chromedp.SetValue(chromedp.CSS(`form[data-action="rescue"] select`), "complaint"),
	)
	b.submit("rescue", `form[data-action="rescue"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "Rescued as complaint") || !strings.Contains(msg, "from when the post arrived") {
		t.Fatalf("after rescue: %q", msg)
	}
	if clocks := b.text(".clock"); !strings.Contains(clocks, "first response") {
		t.Fatalf("no first-response clock after rescue: %q", clocks)
	}

	b.do("relabel as a legal threat",
		chromedp.SetValue(chromedp.CSS(`form[data-action="relabel"] select`), "legal_threat"),
		chromedp.SendKeys(chromedp.CSS(`form[data-action="relabel"] textarea`), "the customer says their lawyer is involved"),
	)
	b.screenshot("relabel.png")
	b.submit("relabel", `form[data-action="relabel"] button`)
	if msg := b.text(".flash.ok"); !strings.Contains(msg, "Relabelled legal_threat: the case is with Legal") {
		t.Fatalf("after relabel: %q", msg)
	}
	v, err := s.cases.State(s.ctx, id)
	if err != nil || v.Department != "legal" || v.Intent != "legal_threat" {
		t.Fatalf("after relabel: %+v %v", v, err)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Fatalf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// An agent's claim → reply → resolve with the keyboard alone: search with
// /, pick the case with j and open it with Enter, claim with c, a canned
// reply with t, the arrow keys and Tab, edited and sent with Ctrl+Enter, resolved with e and
// Ctrl+Enter. The help overlay lists the keys. No click from sign-in on.
func TestKeyboardOnlyInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStack(t)
	id := s.submit("keys-1", "omar", "How do I change the delivery address on an order in the app?", "support")
	s.submit("keys-2", "lee", "my router keeps dropping the connection every evening", "support")

	b := newBrowser(t, context.Background(), exe)
	b.signIn(s.console.URL, "sam")
	b.waitFor("both cases in the inbox", `document.querySelectorAll("#inbox tbody tr[data-case]").length === 2`)
	keys := 0
	press := func(what, k string, opts ...chromedp.KeyOption) {
		t.Helper()
		keys += len([]rune(k))
		b.do(what, chromedp.KeyEvent(k, opts...))
	}
	// goTo presses a key that loads a page, and waits for it.
	goTo := func(what, k string, opts ...chromedp.KeyOption) {
		t.Helper()
		keys += len([]rune(k))
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(k, opts...))
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("%s: %v (%+v)", what, err, resp)
		}
	}
	ctrlEnter := chromedp.KeyModifiers(kb.ModifierCtrl)

	press("show the shortcuts", "?")
	b.waitFor("the help overlay", `!document.getElementById("shortcuts").hidden`)
	b.screenshot("keyboard-help.png")
	press("close the shortcuts", kb.Escape)

	press("search", "/")
	press("type the customer", "omar")
	goTo("search for omar", kb.Enter)
	b.waitFor("omar's case alone", `document.querySelectorAll("#inbox tbody tr[data-case]").length === 1`)
	b.screenshot("keyboard-search.png") // the search's one result, reached by keys alone
	press("pick the case", "j")
	b.waitFor("the case picked", `!!document.querySelector('#inbox tr.selected[data-case="`+id+`"]')`)
	goTo("open it", kb.Enter)
	b.waitFor("the case page", `!!document.querySelector('form[data-action="claim"]')`)

	goTo("claim", "c")
	b.waitFor("claimed", `(document.querySelector(".flash.ok") || {}).textContent === "You claimed the case."`)

	press("pick a canned reply", "t")
	press("browse to the second", kb.ArrowDown+kb.ArrowDown)
	press("back to the first", kb.ArrowUp)
	press("on to the reply", kb.Tab)
	b.waitFor("the canned reply in the box, filled in", `document.querySelector('form[data-action="reply"] textarea').value.startsWith("Hi Omar, sorry about this.")`)
	press("add to it", " Settings, then Addresses.")
	b.screenshot("keyboard-canned-reply.png")
	goTo("send the reply", kb.Enter, ctrlEnter)
	b.waitFor("replied", `(document.querySelector(".flash.ok") || {}).textContent === "Reply published."`)

	press("the resolve note", "e")
	press("write it", "address changed")
	goTo("resolve", kb.Enter, ctrlEnter)
	b.waitFor("resolved", `(document.querySelector(".flash.ok") || {}).textContent === "Resolved."`)

	v, err := s.cases.State(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != casestate.StatusResolved {
		t.Fatalf("after the keyboard path the case is %s", v.Status)
	}
	events, err := s.cases.Events(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var reply string
	for _, e := range events {
		if e.Kind == casestate.EventReplied {
			reply = e.Text
		}
	}
	if !strings.HasPrefix(reply, "Hi Omar, sorry about this.") || !strings.HasSuffix(reply, "Sam Settings, then Addresses.") {
		t.Fatalf("the reply sent: %q", reply)
	}
	t.Logf("claim → reply → resolve by keyboard: %d keystrokes (%d of them text), 0 clicks", keys,
		len([]rune("omar"+" Settings, then Addresses."+"address changed")))
}

// The SLA monitor's links, as the dev command and docs/monitoring.md give
// them, opened in the Temporal Web UI itself: each lists exactly its cases.
func TestWebUILinksInChromium(t *testing.T) {
	exe := findChromium(t)
	srv := devservertest.WithWebUI(t)
	st := stacktest.ForTestOnServer(t, nil, srv)
	s := &live{t: t, ctx: context.Background(), cfg: st.Config, cases: st.Cases}
	var cancel context.CancelFunc
	s.ctx, cancel = context.WithTimeout(s.ctx, 4*time.Minute)
	defer cancel()
	mine := s.submit("webui-1", "omar", "How do I change the delivery address on an order in the app?", "support")
	escalated := s.submit("webui-2", "lee", "my router keeps dropping the connection every evening", "support")
	queued := s.submit("webui-3", "kim", "How do I turn off the sound in the app?", "support")
	s.act(mine, casestate.ActionClaim, "sam", casestate.Action{})
	for range 3 { // lead, head, coe
		s.act(escalated, casestate.ActionEscalate, "sam", casestate.Action{Text: "many customers say the same"})
	}
	want := map[string][]string{
		"breaching":         nil,
		"due-soon":          nil,
		"due-next-hour":     {mine, escalated, queued},
		"escalated-coe":     {escalated},
		"awaiting-approval": nil,
		"mine":              {mine},
	}
	b := newBrowser(t, context.Background(), exe)
	all := []string{mine, escalated, queued}
	for _, m := range caseapi.Monitors(time.Now(), "sam", st.Config.Policy.CoE) {
		ids, ok := want[m.Key]
		if !ok {
			t.Fatalf("monitor %s has no expectation here", m.Key)
		}
		link := caseapi.WebUIURL(srv.UIAddress, st.Config.Temporal.Namespace, m.Query)
		b.do("open "+m.Key, chromedp.Navigate(link))
		// The list has loaded when it has a row for each of the query's
		// cases, or says it has none.
		expect := `document.body.innerText.includes("No Results")`
		if len(ids) > 0 {
			js, _ := json.Marshal(ids)
			expect = fmt.Sprintf(`(document.body.innerText.match(/Select Workflow /g) || []).length === %d && %s.every(id => document.body.innerText.includes(id))`, len(ids), js)
		}
		b.waitFor(m.Key+" lists its cases", expect)
		text := run(b, "read "+m.Key, chromedp.Evaluate[string](`document.body.innerText`))
		for _, id := range all {
			if listed := strings.Contains(text, id); listed != slices.Contains(ids, id) {
				t.Errorf("%s (%s): %s listed %t", m.Key, m.Query, id, listed)
			}
		}
		b.screenshot("webui-" + m.Key + ".png")
	}

	// How operations add the SLA columns and keep the search as a view,
	// shown on the last list ("mine"): the gear below the list opens the
	// table's configuration, each custom search attribute is added with +,
	// and Saved Views keeps the search under a name.
	b.do("a wide window", chromedp.EmulateViewport(1600, 900))
	// Below the list: the page size, then the download and the gear, then
	// the pager. The gear is the last button before the pager's two.
	b.waitFor("the list's footer", `!!document.querySelector("main select")`)
	run(b, "open the table's configuration", chromedp.Evaluate[bool](`(() => {
		let footer = document.querySelector("main select");
		while (footer && footer.querySelectorAll("button").length < 4) { footer = footer.parentElement; }
		const buttons = [...footer.querySelectorAll("button")];
		buttons[buttons.length - 3].click();
		return true;
	})()`))
	b.waitFor("the table's configuration", `document.body.innerText.includes("Configure Workflows Table")`)
	for _, column := range []string{"SlaDueAt", "Priority", "Department", "Assignee", "EscalatedTo"} {
		run(b, "add the "+column+" column", chromedp.Evaluate[bool](`(() => {
			let drawer = [...document.querySelectorAll("h1, h2, h3, h4")].find(e => e.textContent.trim() === "Configure Workflows Table");
			while (drawer && !drawer.innerText.includes("Custom Search Attributes")) { drawer = drawer.parentElement; }
			const label = [...drawer.querySelectorAll("*")].find(e => e.children.length === 0 && e.textContent.trim() === "`+column+`");
			let row = label;
			while (row && !row.querySelector("button")) { row = row.parentElement; }
			row.querySelector("button").click();
			return true;
		})()`))
	}
	b.screenshot("webui-columns.png")
	run(b, "close the configuration", chromedp.Evaluate[bool](`(() => {
		let drawer = [...document.querySelectorAll("h1, h2, h3, h4")].find(e => e.textContent.trim() === "Configure Workflows Table");
		while (drawer && !drawer.querySelector("button")) { drawer = drawer.parentElement; }
		drawer.querySelector("button").click(); // its ×, above the title
		return true;
	})()`))
	b.waitFor("the SLA columns in the list", `!document.body.innerText.includes("Configure Workflows Table") &&
		["SlaDueAt", "Priority", "Department", "Assignee", "EscalatedTo"].every(c => [...document.querySelectorAll("th")].some(th => th.innerText.trim() === c))`)
	b.screenshot("webui-sla-columns.png")
	b.do("save the view", chromedp.Click(chromedp.CSS(`[data-testid="create-view-button"]`)))
	b.waitFor("the view's name asked", `!!document.querySelector("dialog[open] input, [role=dialog] input")`)
	b.screenshot("webui-save-view.png")
	b.do("name the view", chromedp.SendKeys(chromedp.CSS(`dialog[open] input, [role=dialog] input`), "My cases"))
	run(b, "save it", chromedp.Evaluate[bool](`(() => {
		[...document.querySelectorAll("button")].find(b => b.innerText.trim() === "Save" && b.offsetParent !== null).click();
		return true;
	})()`))
	b.waitFor("the view saved", `document.body.innerText.includes("Custom Views 1 / 20") && document.body.innerText.includes("My cases")`)
	b.screenshot("webui-saved-view.png")
}

// A lead gives two of three queued cases to an agent at once: each case
// takes it as one Update of its own, and the third stays in the queue.
func TestBulkAssignInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStack(t)
	first := s.submit("bulk-1", "omar", "How do I change the delivery address on an order in the app?", "support")
	second := s.submit("bulk-2", "lee", "my router keeps dropping the connection every evening", "support")
	third := s.submit("bulk-3", "kim", "How do I turn off the sound in the app?", "support")

	// Sid waits on his inbox: the cases given to him reach his bell live.
	sid := newBrowser(t, context.Background(), exe)
	sid.signIn(s.console.URL, "sid")
	sid.waitFor("the bell quiet", `document.querySelector("[data-notice-count]").hidden`)

	b := newBrowser(t, context.Background(), exe)
	b.signIn(s.console.URL, "sue") // support's lead
	b.waitFor("the three cases", `document.querySelectorAll('#inbox input[name="case"]').length === 3`)
	for _, id := range []string{first, second} {
		b.do("choose "+id, chromedp.Click(chromedp.CSS(`#inbox input[name="case"][value="`+id+`"]`)))
	}
	b.waitFor("two chosen", `document.querySelector("[data-bulk-count]").textContent === "2 chosen"`)
	b.do("give them to sid",
		chromedp.SetValue(chromedp.CSS(`form[data-bulk] select[name="action"]`), "assign"),
		chromedp.SetValue(chromedp.CSS(`form[data-bulk] select[name="agent"]`), "sid"))
	b.screenshot("bulk-assign.png")
	b.submit("apply", `form[data-bulk] button[type="submit"]`)
	if msg := b.text(".flash.ok"); msg != "Given to sid: 2 of 2 cases." {
		t.Fatalf("after the bulk action: %q", msg)
	}
	for id, want := range map[string]string{first: "sid", second: "sid", third: ""} {
		v, err := s.cases.State(s.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Assignee != want {
			t.Errorf("%s is with %q, want %q", id, v.Assignee, want)
		}
	}
	b.screenshot("bulk-assigned.png")
	sid.waitFor("two notices on sid's bell", `(c => !c.hidden && c.textContent === "2")(document.querySelector("[data-notice-count]"))`)
	sid.do("open the bell", chromedp.Click(chromedp.CSS(`[data-notices-toggle]`)))
	listed := run(sid, "read the notices", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('ol[data-notices] li[data-notice-kind="assigned"] a'), a => a.textContent)`))
	if len(listed) != 2 || !slices.ContainsFunc(listed, func(s string) bool { return strings.Contains(s, first) }) {
		t.Fatalf("sid's notices: %q", listed)
	}
	sid.waitFor("the bell seen", `document.querySelector("[data-notice-count]").hidden`)
	sid.screenshot("notices.png")
	// An agent has no bulk bar.
	a := newBrowser(t, context.Background(), exe)
	a.signIn(s.console.URL, "sam")
	if run(a, "look for the bulk bar", chromedp.Evaluate[bool](`!!document.querySelector("form[data-bulk]")`)) {
		t.Fatal("an agent is offered bulk actions")
	}
}

// A lead tries a policy on the past from the console: pasted, replayed,
// the report with its charts on the page.
func TestWhatIfInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStack(t)
	idea := s.submit("whatif-1", "ines", "Feature request: please add a dark mode to the app, my eyes would thank you", "marketing")
	crash := s.submit("whatif-2", "omar", "The app crashes every time I open my basket", "support")
	s.act(crash, casestate.ActionClaim, "sam", casestate.Action{})
	s.act(crash, casestate.ActionReply, "sam", casestate.Action{Text: "Sorry Omar, which version are you on?", Request: "whatif-reply"})
	policy, err := os.ReadFile("../whatif/testdata/faster-support.yaml")
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, context.Background(), exe)
	b.signIn(s.console.URL, "colin") // the centre of excellence's lead
	b.do("open the what-if page", chromedp.Click(chromedp.CSS(`nav a[href="/whatif"]`)), chromedp.WaitVisible(chromedp.CSS(`#whatif-policy`)))
	b.do("paste the policy", chromedp.SetValue(chromedp.CSS(`#whatif-policy`), string(policy)), chromedp.SetValue(chromedp.CSS(`#whatif-since`), "1d"))
	b.submit("replay the past", `form[action="/whatif"] button[type="submit"]`)
	b.waitFor("the report", `!!document.querySelector(".whatif-report svg")`)
	if moved := run(b, "the moved cases", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr[data-moved]"), r => r.dataset.moved)`)); !slices.Equal(moved, []string{idea}) {
		t.Errorf("moved %q, want the feedback case %s alone", moved, idea)
	}
	if kept := run(b, "the policy in the form", chromedp.Evaluate[string](`document.querySelector("#whatif-policy").value`)); !strings.Contains(kept, "acme-2026.12-faster-support") {
		t.Errorf("the policy is not kept in the form: %q", kept)
	}
	b.screenshot("whatif.png")
}

// The centre of excellence's lead opens the incident a burst of posts
// opened (thresholds a handful of posts meet: the property has no
// history), reads why, sends the approved statement to every member case
// with one click, and sees each case take it.
func TestAnIncidentInChromium(t *testing.T) {
	exe := findChromium(t)
	s := newStackOf(t, stacktest.QuickIncidents(t))
	texts := []string{"Total outage again, the app is down and nothing loads", "app down?? outage, nothing loads for me",
		"outage here too, the app shows nothing and nothing loads", "is there an outage? nothing loads in the app"}
	var cases []string
	for i, text := range texts {
		cases = append(cases, s.submit(fmt.Sprintf("incident-%d", i), fmt.Sprintf("fan%d", i), text, "support"))
	}
	var id string
	s.eventually("an incident opens", func() error {
		list, err := s.cases.Incidents(s.ctx, false)
		if err != nil || len(list) != 1 {
			return fmt.Errorf("incidents %v: %v", list, err)
		}
		id = list[0].ID
		return nil
	})
	statement := "We know the app is down for many of you and are fixing it now. Sorry! We will post here when it is back."
	for _, step := range []struct {
		kind  incident.ActionKind
		agent string
		text  string
	}{{incident.ActionPropose, "cora", statement}, {incident.ActionApprove, "paul", ""}} {
		if _, err := s.cases.ActIncident(s.ctx, id, step.kind, step.agent, incident.Action{Text: step.text, Version: 1}); err != nil {
			t.Fatalf("%s by %s: %v", step.kind, step.agent, err)
		}
	}

	b := newBrowser(t, context.Background(), exe)
	b.signIn(s.console.URL, "colin")
	b.do("open the incidents", chromedp.Click(chromedp.CSS(`nav a[href="/incidents"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-incidents]`)))
	b.do("open the incident", chromedp.Click(chromedp.CSS(`[data-incidents] a`)), chromedp.WaitVisible(chromedp.CSS(`[data-alerts]`)))
	if why := run(b, "why it opened", chromedp.Evaluate[string](`document.querySelector("[data-alerts]").innerText`)); !strings.Contains(why, "probability") {
		t.Errorf("the page does not say why the incident opened: %q", why)
	}
	b.submit("send the statement", `button[data-send]`)
	s.eventually("every member case taking it", func() error {
		b.do("reload the incident", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-alerts]`)))
		tally := run(b, "the tally", chromedp.Evaluate[string](`(document.querySelector("[data-tally]")||{innerText:""}).innerText`))
		if !strings.HasPrefix(tally, fmt.Sprintf("%d sent", len(cases))) {
			return fmt.Errorf("tally %q", tally)
		}
		return nil
	})
	b.screenshot("incident.png")
	for _, c := range cases {
		events, err := s.cases.Events(s.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.Kind == casestate.EventReplied && e.Text == statement {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has the statement %d times", c, n)
		}
	}
}
