package caseapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/cli"
	"github.com/switchboard-care/switchboard/internal/devserver"
)

// documentedQueries reads the Web UI queries from docs/monitoring.md, so the
// test runs exactly what operators are told to paste.
func documentedQueries(t *testing.T) map[string]string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "monitoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- query: ([a-z-]+) -->\\s*```text\\n(.*?)\\n```")
	out := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		out[m[1]] = m[2]
	}
	return out
}

// withTimes fills in a documented query's timestamps as of now.
func withTimes(query string, now time.Time) string {
	return strings.NewReplacer("<NOW>", now.Format(time.RFC3339), "<NOW+15M>", now.Add(15*time.Minute).Format(time.RFC3339),
		"<NOW+1H>", now.Add(time.Hour).Format(time.RFC3339), "<NOW-1H>", now.Add(-time.Hour).Format(time.RFC3339)).Replace(query)
}

// The searches the dev command and `switchboard sla links` print are the
// documented ones, which TestMonitoringQueriesOnARealServer runs.
func TestMonitorsAreTheDocumentedQueries(t *testing.T) {
	docs := documentedQueries(t)
	now := time.Date(2015, 11, 18, 10, 0, 0, 0, time.UTC)
	for _, m := range caseapi.Monitors(now, "sam", "coe") {
		if want := withTimes(docs[m.Key], now); m.Query != want {
			t.Errorf("monitor %s\n is %s\ndocs %s", m.Key, m.Query, want)
		}
		u, err := url.Parse(caseapi.WebUIURL("http://localhost:8233/", "default", m.Query))
		if err != nil || u.Path != "/namespaces/default/workflows" || u.Query().Get("query") != m.Query {
			t.Errorf("monitor %s: Web UI link %v (%v)", m.Key, u, err)
		}
	}
}

// TestMonitoringQueriesOnARealServer seeds cases whose SLA standing is
// known, then runs each documented Web UI query, through the API and the
// temporal CLI, and expects exactly those cases. It ends with the SLA report
// over the same cases.
func TestMonitoringQueriesOnARealServer(t *testing.T) {
	queries := documentedQueries(t)
	want := []string{"breaching", "past-due", "due-soon", "due-next-hour", "department", "escalated-coe", "awaiting-approval", "mine", "closed"}
	if got := slices.Sorted(maps.Keys(queries)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("docs/monitoring.md has queries %v, the test knows %v: test every documented query", got, want)
	}
	h := newHarness(t)

	// Cases start with the policy snapshot of the moment they are submitted,
	// so each gets the first-response target its role needs.
	responseTarget := func(dept string, d time.Duration) {
		for prio, tg := range h.cases.Policy.Departments[dept].Targets {
			tg.FirstResponse, tg.NextResponse = d, d
			h.cases.Policy.Departments[dept].Targets[prio] = tg
		}
	}
	submit := func(id, author, text, property string) string {
		t.Helper()
		p := xPost(id, author, text)
		p.Property = property
		out, err := h.cases.Submit(h.ctx, p)
		if err != nil || !out.Started {
			t.Fatalf("submit %s: %+v %v", id, out, err)
		}
		return out.CaseID
	}
	const help, news = "@acme_help", "@acme_news"
	closed := submit("mon-closed", "ida", "How do I turn off the sound in the app?", help)
	responseTarget("pr", 2*time.Hour) // nothing of pr's falls due during the test, whatever the hour
	responseTarget("support", 2*time.Second)
	breaching := submit("mon-breach", "ann", "The app crashes every time I open the basket", help)
	answeredLate := submit("mon-late", "bob", "My parcel never arrived and nobody answers", help)
	responseTarget("support", 10*time.Minute)
	dueSoon := submit("mon-soon", "cat", "How do I change the delivery address in the app?", help)
	responseTarget("support", time.Hour)
	later := submit("mon-later", "dan", "How do I reset my password in the app?", help)
	escalated := submit("mon-coe", "eve", "The checkout page keeps failing on my phone", help)
	handedOff := submit("mon-handoff", "fay", "The app logs me out every few minutes", help)
	resolved := submit("mon-resolved", "gus", "How do I turn off the notifications?", help)
	drafted := submit("mon-draft", "hal", "The app crashes every time I open the basket", news)

	for _, id := range []string{closed, breaching, answeredLate, dueSoon, later, escalated, handedOff, resolved, drafted} {
		h.waitStatus(id, casestate.StatusOpen)
	}
	h.act(closed, casestate.ActionClaim, "sofia", casestate.Action{})
	h.act(closed, casestate.ActionReply, "sofia", casestate.Action{Text: "Account, then Invoices"})
	h.act(closed, casestate.ActionResolve, "sofia", casestate.Action{Text: casestate.NoReplyNeeded})
	for _, id := range []string{breaching, answeredLate} {
		h.eventually(id+" breached", func() error {
			v, err := h.cases.State(h.ctx, id)
			if err == nil && !v.SLABreached {
				err = errors.New("not breached yet")
			}
			return err
		})
	}
	h.act(answeredLate, casestate.ActionClaim, "sam", casestate.Action{})
	if v := h.act(answeredLate, casestate.ActionReply, "sam", casestate.Action{Text: "So sorry, checking now", Private: true}); v.SLABreached {
		t.Fatalf("a late reply left %s breached", answeredLate)
	}
	for range 3 { // lead, head, coe: the top of support's chain
		h.act(escalated, casestate.ActionEscalate, "sam", casestate.Action{Text: "checkout down for many customers"})
	}
	h.act(handedOff, casestate.ActionHandoff, "sam", casestate.Action{To: "pr", Text: "journalists are asking"})
	h.act(resolved, casestate.ActionClaim, "sofia", casestate.Action{})
	h.act(resolved, casestate.ActionReply, "sofia", casestate.Action{Text: "Settings, then Notifications"})
	h.act(resolved, casestate.ActionResolve, "sofia", casestate.Action{Text: casestate.NoReplyNeeded})
	h.act(drafted, casestate.ActionClaim, "priya", casestate.Action{}) // the press account's replies need pr's approval
	if v := h.act(drafted, casestate.ActionReply, "priya", casestate.Action{Text: "We're on it"}); v.Status != casestate.StatusAwaitingApproval {
		t.Fatalf("draft on %s: %s", news, v.Status)
	}

	supportWork := []string{breaching, answeredLate, dueSoon, later, escalated} // resolved is done, handedOff is pr's
	expect := []struct {
		name, query string
		ids         []string
	}{
		{"breaching", queries["breaching"], []string{breaching}},
		{"past-due", queries["past-due"], []string{breaching}},
		{"due-soon", queries["due-soon"], []string{dueSoon}},
		{"due-next-hour", queries["due-next-hour"], []string{dueSoon, later, escalated}},
		{"mine", queries["mine"], []string{answeredLate}},
		{"department support", queries["department"], supportWork},
		{"department pr", strings.Replace(queries["department"], "'support'", "'pr'", 1), []string{handedOff, drafted}},
		{"department unclaimed", queries["department"] + " AND Assignee IS NULL", []string{breaching, dueSoon, later, escalated}},
		{"department breaching", queries["department"] + " AND SlaBreached = true", []string{breaching}},
		{"escalated-coe", queries["escalated-coe"], []string{escalated}},
		{"awaiting-approval", queries["awaiting-approval"], []string{drafted}},
		{"closed", queries["closed"], []string{closed, resolved}}, // a resolved case's run has completed
	}
	for _, e := range expect {
		slices.Sort(e.ids)
		var q string
		h.eventually(e.name, func() error {
			now := time.Now().UTC()
			q = withTimes(e.query, now)
			if got := h.list(q); !slices.Equal(got, e.ids) {
				return fmt.Errorf("%s\n got %v\nwant %v", q, got, e.ids)
			}
			return nil
		})
		if got := temporalCLIList(t, h, q); !slices.Equal(got, e.ids) {
			t.Errorf("temporal workflow list --query %q\n got %v\nwant %v", q, got, e.ids)
		}
	}

	// The SLA report over the same cases, through the command line.
	t.Setenv("SWITCHBOARD_TEMPORAL_ADDRESS", h.cfg.Temporal.Address)
	all := slaReport(t, h, "--since", "1h")
	// First response: met by the resolved and the closed case; missed by
	// the breaching one and the late answer (its breach and late reply are
	// one clock). The rest have no outcome yet, or (handedOff) lost
	// support's clock in time.
	if all.Read != 9 || all.Unrouted != 0 || all.Gone != 0 || all.Total.Cases != 9 ||
		all.Total.FirstResponse.Met != 2 || all.Total.FirstResponse.Missed != 2 ||
		all.Total.Breaches != 2 || all.Total.Escalations != 5 || all.Total.Handoffs != 1 ||
		all.Total.TimeToFirstResponse.N != 3 || all.Total.TimeToResolution.N != 2 {
		t.Errorf("report: %+v", all)
	}
	// The late answer waited past its 2s target: the slowest of three samples.
	if p99 := all.Total.TimeToFirstResponse.P99; p99 < 2 {
		t.Errorf("first-response p99 %.3fs, want the late answer's ≥ 2s", p99)
	}
	pr := slaReport(t, h, "--since", "1h", "--department", "pr")
	if len(pr.Rows) == 0 || pr.Total.Cases != 2 || pr.Total.Handoffs != 0 { // the handoff counts for support, which made it
		t.Errorf("pr report: %+v", pr)
	}
	for _, r := range pr.Rows {
		if r.Department != "pr" {
			t.Errorf("pr report has a %s row", r.Department)
		}
	}
}

// temporalCLIList runs the query with `temporal workflow list`, the other
// place the docs send operators.
func temporalCLIList(t *testing.T, h *harness, query string) []string {
	t.Helper()
	bin, err := devserver.Find()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(h.ctx, bin, "workflow", "list", "--address", h.cfg.Temporal.Address,
		"--namespace", h.cfg.Temporal.Namespace, "--query", query, "--output", "jsonl").Output()
	if err != nil {
		t.Fatalf("temporal workflow list --query %q: %v", query, err)
	}
	var ids []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var wf struct {
			Execution struct {
				WorkflowID string `json:"workflowId"`
			} `json:"execution"`
		}
		if err := dec.Decode(&wf); err != nil {
			t.Fatalf("temporal workflow list output %q: %v", out, err)
		}
		ids = append(ids, wf.Execution.WorkflowID)
	}
	slices.Sort(ids)
	return ids
}

// reportJSON is the part of `switchboard sla report -o json` the test reads.
type reportJSON struct {
	Read     int `json:"cases_read"`
	Unrouted int `json:"unrouted"`
	Gone     int `json:"gone"`
	Rows     []struct {
		Department string `json:"department"`
	} `json:"rows"`
	Total struct {
		Cases         int `json:"cases"`
		FirstResponse struct {
			Met    int `json:"met"`
			Missed int `json:"missed"`
		} `json:"first_response"`
		TimeToFirstResponse struct {
			N   int     `json:"n"`
			P99 float64 `json:"p99_seconds"`
		} `json:"time_to_first_response"`
		TimeToResolution struct {
			N int `json:"n"`
		} `json:"time_to_resolution"`
		Breaches    int `json:"breaches"`
		Escalations int `json:"escalations"`
		Handoffs    int `json:"handoffs"`
	} `json:"total"`
}

func slaReport(t *testing.T, h *harness, args ...string) reportJSON {
	t.Helper()
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(append([]string{"sla", "report", "-o", "json"}, args...))
	if err := root.ExecuteContext(h.ctx); err != nil {
		t.Fatalf("sla report %v: %v", args, err)
	}
	var rep reportJSON
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("sla report output %q: %v", out.String(), err)
	}
	return rep
}
