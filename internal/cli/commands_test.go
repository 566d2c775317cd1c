package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/slareport"
)

// storedCases is a case API over cases held in memory: what a command
// reads, without a server. It keeps the filters it was asked, so a test
// sees which departments a command scoped its list to.
type storedCases struct {
	views  []casestate.View
	events map[string][]casestate.Event
	asked  []caseapi.Filter
}

func (s *storedCases) List(_ context.Context, f caseapi.Filter) ([]caseapi.Summary, error) {
	s.asked = append(s.asked, f)
	var out []caseapi.Summary
	for _, v := range s.views {
		if f.Department == "" || v.Department == f.Department {
			out = append(out, caseapi.Summary{CaseID: v.ID, Department: v.Department, Status: string(v.Status), Priority: v.Priority,
				CustomerID: v.CustomerID, Channel: v.Channel, SLADueAt: v.SLADueAt, OpenedAt: v.OpenedAt, Running: true})
		}
	}
	return out, nil
}

func (s *storedCases) State(_ context.Context, id string) (casestate.View, error) {
	for _, v := range s.views {
		if v.ID == id {
			return v, nil
		}
	}
	return casestate.View{}, caseapi.ErrNotFound
}

func (s *storedCases) Events(_ context.Context, id string) ([]casestate.Event, error) {
	return s.events[id], nil
}

func (s *storedCases) Customer(_ context.Context, id string) (journey.Journey, error) {
	j := journey.Journey{Identity: journey.Identity{CustomerID: id}}
	for _, v := range s.views {
		if v.CustomerID == id {
			j.Cases = append(j.Cases, journey.Case{CaseID: v.ID, Channel: v.Channel, Department: v.Department, Status: string(v.Status), Since: v.OpenedAt})
		}
	}
	return j, nil
}

func (s *storedCases) Journey(ctx context.Context, id string) (journey.Journey, error) {
	j, err := s.Customer(ctx, id)
	for _, c := range j.Cases {
		j.Trail(c.CaseID, c.Channel, "v1", s.events[c.CaseID])
	}
	return j, err
}

func (s *storedCases) PastCases(_ context.Context, since time.Time, _ int) ([]slareport.Case, int, error) {
	var past []slareport.Case
	for _, v := range s.views {
		if !v.OpenedAt.Before(since) {
			past = append(past, slareport.Case{View: v, Events: s.events[v.ID]})
		}
	}
	return past, 0, nil
}

// jane's cases: a crash report with support, a legal letter, a PR
// question, all opened in the hour before now.
func janesCases() *storedCases {
	now := time.Now().UTC().Truncate(time.Minute)
	opened := now.Add(-time.Hour)
	due := opened.Add(time.Hour)
	view := func(n, dept, prio, intent string) casestate.View {
		p := post.Post{ID: n, Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u123", Handle: "@jane"}, Text: "a post", CreatedAt: opened}
		return casestate.View{Outcome: casestate.Outcome{ID: p.CaseID(), Status: casestate.StatusOpen, Department: dept, Priority: prio, Intent: intent,
			Response: &casestate.Clock{Kind: casestate.ClockFirstResponse, Target: time.Hour, StartedAt: opened, DueAt: due}},
			CustomerID: "x:u123", Channel: "x", Post: p, Triage: policy.Triage{Intent: intent, Redacted: p.Text}, SLADueAt: &due, OpenedAt: opened, PolicyVersion: "v1"}
	}
	return &storedCases{
		views: []casestate.View{view("1", "support", "P2", "complaint"), view("2", "legal", "P1", "legal_threat"), view("3", "pr", "P3", "press_inquiry")},
		events: map[string][]casestate.Event{
			"case/x/1": {{Seq: 1, At: opened, Kind: casestate.EventOpened, Actor: "x:u123", Department: "support", Text: "the app crashes"}},
			"case/x/2": {{Seq: 1, At: opened, Kind: casestate.EventOpened, Actor: "x:u123", Department: "legal", Text: "my solicitor"}},
		},
	}
}

// runOn runs the command line against cases, as a person at a terminal
// with no agent in the environment and nobody signed in.
func runOn(t *testing.T, cases caseReader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv(EnvAgent, "")
	t.Setenv(EnvCredentials, filepath.Join(t.TempDir(), "credentials.json"))
	app := &App{cases: cases}
	defer app.close()
	root := newRoot(app)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		return out.String(), errOut.String() + err.Error(), exitCode(err)
	}
	return out.String(), errOut.String(), 0
}

// A list is the acting agent's departments, as the console's inbox is;
// a department or every one beyond them is refused naming the rule; an
// operator (nobody named) and the centre of excellence see every one.
func TestCasesListIsScopedToTheAgentsDepartments(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		code  int
		asked []string // the departments asked for
		cases []string
		says  string
	}{
		{[]string{"--as", "sam"}, 0, []string{"support"}, []string{"case/x/1"}, ""},
		{[]string{"--as", "sam", "--department", "support"}, 0, []string{"support"}, []string{"case/x/1"}, ""},
		{[]string{"--as", "sam", "--department", "legal"}, ExitRefused, nil, nil, "sam may not open legal's cases"},
		{[]string{"--as", "sam", "--all"}, ExitRefused, nil, nil, "sam sees the cases of support only"},
		{[]string{"--as", "cora", "--all"}, 0, []string{""}, []string{"case/x/2", "case/x/1", "case/x/3"}, ""},
		{[]string{"--as", "lena"}, 0, []string{"legal"}, []string{"case/x/2"}, ""},
		{[]string{}, 0, []string{""}, []string{"case/x/2", "case/x/1", "case/x/3"}, ""},
		{[]string{"--as", "nobody"}, ExitUsage, nil, nil, `unknown agent "nobody"`},
	} {
		cases := janesCases()
		out, errOut, code := runOn(t, cases, append([]string{"cases", "list", "-o", "json"}, tc.args...)...)
		var asked []string
		for _, f := range cases.asked {
			asked = append(asked, f.Department)
		}
		var got []caseapi.Summary
		if code == 0 {
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("cases list %v: %v\n%s", tc.args, err, out)
			}
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.CaseID)
		}
		if code != tc.code || !slices.Equal(asked, tc.asked) || !slices.Equal(ids, tc.cases) || !strings.Contains(errOut, tc.says) {
			t.Errorf("cases list %v: exit %d, asked %q, listed %q, said %q; want exit %d, asked %q, listed %q, saying %q",
				tc.args, code, asked, ids, errOut, tc.code, tc.asked, tc.cases, tc.says)
		}
	}
}

// The agent a read is for defaults to $SWITCHBOARD_AGENT, then to the
// agent last signed in as.
func TestTheListIsForTheAgentSignedIn(t *testing.T) {
	cases := janesCases()
	creds := filepath.Join(t.TempDir(), "credentials.json")
	t.Setenv(EnvCredentials, creds)
	if err := (credentials{Console: "http://127.0.0.1:1", Last: "lena", Tokens: map[string]console.Token{"lena": {Agent: "lena", Token: "t"}}}).save(); err != nil {
		t.Fatal(err)
	}
	app := &App{cases: cases}
	root := newRoot(app)
	root.SetOut(&bytes.Buffer{})
	root.SetArgs([]string{"cases", "list", "-o", "json"})
	t.Setenv(EnvAgent, "")
	if err := root.ExecuteContext(context.Background()); err != nil || len(cases.asked) != 1 || cases.asked[0].Department != "legal" {
		t.Fatalf("signed in as lena: %v, asked %+v", err, cases.asked)
	}
	t.Setenv(EnvAgent, "sam")
	cases.asked = nil
	root = newRoot(app)
	root.SetOut(&bytes.Buffer{})
	root.SetArgs([]string{"cases", "list", "-o", "json"})
	if err := root.ExecuteContext(context.Background()); err != nil || len(cases.asked) != 1 || cases.asked[0].Department != "support" {
		t.Fatalf("$%s=sam: %v, asked %+v", EnvAgent, err, cases.asked)
	}
}

// case show refuses a case the agent may not open; an unknown case is
// exit 4; durations in JSON are text.
func TestCaseShow(t *testing.T) {
	if _, errOut, code := runOn(t, janesCases(), "case", "show", "case/x/2", "--as", "sam"); code != ExitRefused || !strings.Contains(errOut, "sam may not open case/x/2: legal has it") {
		t.Errorf("sam opening legal's case: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runOn(t, janesCases(), "case", "show", "case/x/404", "--as", "sam"); code != ExitNotFound {
		t.Errorf("an unknown case: exit %d, %q", code, errOut)
	}
	out, errOut, code := runOn(t, janesCases(), "case", "show", "case/x/1", "--as", "sam", "-o", "json")
	if code != 0 || !strings.Contains(out, `"target": "1h0m0s"`) || strings.Contains(out, "3600000000000") {
		t.Fatalf("case show -o json: exit %d %s\n%s", code, errOut, out)
	}
	var shown struct {
		Elsewhere []string `json:"elsewhere"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || !slices.Equal(shown.Elsewhere, []string{"another case with Legal & Compliance", "another case with PR & Communications"}) {
		t.Errorf("jane's other cases as sam sees them: %q, %v", shown.Elsewhere, err)
	}
}

// journey: an unknown customer is exit 4 saying so; an agent's export
// leaves out the cases they may not open, and says it did.
func TestJourney(t *testing.T) {
	if _, errOut, code := runOn(t, janesCases(), "journey", "x:u999"); code != ExitNotFound || !strings.Contains(errOut, "no such customer x:u999") {
		t.Errorf("an unknown customer: exit %d, %q", code, errOut)
	}
	if _, errOut, code := runOn(t, janesCases(), "journey", "x:u123", "--format", "xml"); code != ExitUsage || !strings.Contains(errOut, "json, csv, md") {
		t.Errorf("--format xml: exit %d, %q", code, errOut)
	}
	out, errOut, code := runOn(t, janesCases(), "journey", "x:u123", "--as", "sam", "--format", "csv")
	if code != 0 || !strings.Contains(out, "the app crashes") || strings.Contains(out, "solicitor") || !strings.Contains(errOut, "2 of the customer's cases left out: in legal, pr") {
		t.Errorf("sam's export: exit %d, %q\n%s", code, errOut, out)
	}
	if out, _, _ := runOn(t, janesCases(), "journey", "x:u123", "--format", "csv"); !strings.Contains(out, "solicitor") {
		t.Errorf("an auditor's export has every case:\n%s", out)
	}
}

// sla report: an agent's report has their departments' rows only.
func TestSLAReportRowsAreTheAgentsDepartments(t *testing.T) {
	out, errOut, code := runOn(t, janesCases(), "sla", "report", "--since", "1d", "--as", "lena", "-o", "json")
	var rep struct {
		Rows []struct {
			Department string `json:"department"`
		} `json:"rows"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Rows) != 1 || rep.Rows[0].Department != "legal" {
		t.Fatalf("lena's report: exit %d %s\n%s", code, errOut, out)
	}
	if _, errOut, code := runOn(t, janesCases(), "sla", "report", "--as", "lena", "--department", "support"); code != ExitRefused {
		t.Errorf("lena asking for support's rows: exit %d %q", code, errOut)
	}
}

// Every exit code of the documented table, each from a command that
// reaches it without a server: the console's answers come from a stand-in
// that answers as the console's API does.
func TestExitCodes(t *testing.T) {
	answer := http.StatusConflict
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(answer)
		_ = json.NewEncoder(w).Encode(console.APIError{Error: "the console said no (" + http.StatusText(answer) + ")"})
	}))
	defer api.Close()
	signIn := func(t *testing.T, base string) {
		t.Helper()
		if err := (credentials{Console: base, Last: "sam", Tokens: map[string]console.Token{"sam": {Agent: "sam", Token: "t"}}}).save(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		status int // the console's answer; 0: no console at all
		args   []string
		code   int
	}{
		{"done", 0, []string{"cases", "list"}, 0},
		{"an unknown flag", 0, []string{"cases", "list", "--statsu", "open"}, ExitUsage},
		{"a missing argument", 0, []string{"case", "show"}, ExitUsage},
		{"a filter typo", 0, []string{"cases", "list", "--status", "opne"}, ExitUsage},
		{"an unknown agent", 0, []string{"cases", "list", "--as", "samm"}, ExitUsage},
		{"an unknown --output", 0, []string{"cases", "list", "-o", "yaml"}, ExitUsage},
		{"not signed in", 0, []string{"case", "claim", "case/x/1", "--as", "sofia"}, ExitUsage},
		{"refused by the case", http.StatusConflict, []string{"case", "reply", "case/x/1", ""}, ExitRefused},
		{"beyond the agent's departments", 0, []string{"cases", "list", "--as", "sam", "--department", "pr"}, ExitRefused},
		{"no such case", http.StatusNotFound, []string{"case", "claim", "case/x/404"}, ExitNotFound},
		{"no such case to show", 0, []string{"case", "show", "case/x/404"}, ExitNotFound},
		{"no such customer", 0, []string{"journey", "x:nobody"}, ExitNotFound},
		{"a token the console no longer takes", http.StatusUnauthorized, []string{"case", "claim", "case/x/1"}, ExitUsage},
		{"Temporal unreachable behind the console", http.StatusServiceUnavailable, []string{"case", "claim", "case/x/1"}, ExitUnavailable},
		{"the console unreachable", -1, []string{"case", "claim", "case/x/1"}, ExitUnavailable},
		{"anything else", http.StatusInternalServerError, []string{"case", "claim", "case/x/1"}, ExitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvCredentials, filepath.Join(t.TempDir(), "credentials.json"))
			switch tc.status {
			case 0:
			case -1:
				signIn(t, "http://127.0.0.1:1")
			default:
				answer = tc.status
				signIn(t, api.URL)
			}
			app := &App{cases: janesCases()}
			root := newRoot(app)
			var out, errOut bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&errOut)
			root.SetArgs(tc.args)
			t.Setenv(EnvAgent, "")
			code := 0
			if err := root.ExecuteContext(context.Background()); err != nil {
				code = exitCode(err)
				errOut.WriteString(err.Error())
			}
			if code != tc.code {
				t.Errorf("switchboard %s: exit %d (%s), want %d", strings.Join(tc.args, " "), code, errOut.String(), tc.code)
			}
		})
	}
}

// policy whatif without a server: the report of a policy file over the
// cases read, a --fail-if it fails, and a changed policy that kept its
// version refused.
func TestPolicyWhatIf(t *testing.T) {
	newPolicy := "../../whatif/testdata/faster-support.yaml"
	out, errOut, code := runOn(t, janesCases(), "policy", "whatif", newPolicy, "--since", "1d", "-o", "json")
	var rep struct {
		Cases int    `json:"cases"`
		After string `json:"after"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Cases != 3 || rep.After != "acme-2026.12-faster-support" {
		t.Fatalf("whatif: exit %d %s\n%s", code, errOut, out)
	}
	legalToPR := filepath.Join(t.TempDir(), "legal-to-pr.yaml")
	if err := os.WriteFile(legalToPR, []byte("policy:\n  version: legal-to-pr\n  routing:\n    - {intent: legal_threat, department: pr, priority: P1}\n    - {intent: press_inquiry, department: pr, priority: P2}\n    - {intent: complaint, department: responder, priority: P3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runOn(t, janesCases(), "policy", "whatif", legalToPR, "--since", "1d", "--fail-if", "moved > 0"); code != ExitError ||
		!strings.Contains(errOut, "moved > 0: 1 cases routed otherwise") || !strings.Contains(out, "| case/x/2 | legal P1 | pr P1 |") {
		t.Errorf("--fail-if: exit %d %q\n%s", code, errOut, out)
	}
	if _, errOut, code := runOn(t, janesCases(), "policy", "whatif", newPolicy, "--fail-if", "latency up"); code != ExitUsage || !strings.Contains(errOut, "a condition is") {
		t.Errorf("a bad --fail-if: exit %d %q", code, errOut)
	}
	sameVersion := filepath.Join(t.TempDir(), "same-version.yaml")
	if err := os.WriteFile(sameVersion, []byte("policy:\n  version: acme-2026.11\n  sla: {warning_share: 0.5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runOn(t, janesCases(), "policy", "whatif", sameVersion); code != ExitUsage || !strings.Contains(errOut, "give the change a version of its own") {
		t.Errorf("a changed policy with the old version: exit %d %q", code, errOut)
	}
}
