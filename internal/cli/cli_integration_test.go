package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
)

// run executes the command line as a user would, returning what it printed
// and its exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	return runWithInput(t, "", args...)
}

// runWithInput is run with input on the command's stdin.
func runWithInput(t *testing.T, input string, args ...string) (string, int) {
	t.Helper()
	root := NewRoot()
	root.SetIn(strings.NewReader(input))
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		return errOut.String() + err.Error(), exitCode(err)
	}
	return out.String(), 0
}

func runJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	out, code := run(t, append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("switchboard %s: exit %d: %s", strings.Join(args, " "), code, out)
	}
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("switchboard %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// serveConsole serves the console for st, as `switchboard console` does,
// and points the CLI's credentials at a file of this test's own.
func serveConsole(t *testing.T, st *stack.Stack) string {
	t.Helper()
	store, err := kv.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h, err := console.New(console.Options{Config: st.Config, Cases: st.Cases, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Setenv(EnvCredentials, filepath.Join(t.TempDir(), "credentials.json"))
	return srv.URL
}

// login signs agents in with the demo agents' password, as a person types
// it at `switchboard login`.
func login(t *testing.T, consoleURL string, agents ...string) {
	t.Helper()
	for _, agent := range agents {
		if out, code := runWithInput(t, "demo\n", "login", "--as", agent, "--console", consoleURL); code != 0 {
			t.Fatalf("login as %s: exit %d: %s", agent, code, out)
		}
	}
}

// useStack points the commands a test runs at st, and serves its console
// for them to sign in to.
func useStack(t *testing.T, st *stack.Stack) (consoleURL string) {
	t.Helper()
	t.Setenv("SWITCHBOARD_TEMPORAL_ADDRESS", st.Server.Address)
	t.Setenv("SWITCHBOARD_DATA_DIR", st.Config.DataDir)
	t.Setenv("SWITCHBOARD_LOG_LEVEL", "error")
	return serveConsole(t, st)
}

func TestAgentCommandsOnARealServer(t *testing.T) {
	st := stacktest.ForTest(t, nil)
	consoleURL := useStack(t, st)
	ctx := context.Background()
	submit := func(id, property, text string) string {
		p := post.Post{ID: id, Platform: "x", Property: property, Author: post.Author{ID: "u-" + id, Handle: "@c" + id},
			Text: text, CreatedAt: time.Now()}
		if _, err := st.Cases.Submit(ctx, p); err != nil {
			t.Fatal(err)
		}
		stacktest.Eventually(t, "triaged", func() error {
			v, err := st.Cases.State(ctx, p.CaseID())
			if err == nil && v.Status != casestate.StatusOpen {
				err = errors.New(string(v.Status))
			}
			return err
		})
		return p.CaseID()
	}
	complaint := submit("cli-1", "@acme_help", "The app crashes whenever I open my basket")
	if out, code := run(t, "case", "claim", complaint); code != ExitUsage || !strings.Contains(out, "not signed in") {
		t.Fatalf("no one signed in: exit %d %s", code, out)
	}
	if out, code := runWithInput(t, "not-the-password\n", "login", "--as", "sam", "--console", consoleURL); code == 0 {
		t.Fatalf("login with a wrong password: %s", out)
	}
	login(t, consoleURL, "sam", "priya", "maya")

	v := runJSON[casestate.View](t, "case", "claim", complaint, "--as", "sam")
	if v.Assignee != "sam" {
		t.Fatalf("claim: %+v", v)
	}
	v = runJSON[casestate.View](t, "case", "reply", complaint, "Sorry! Which version are you on?", "--as", "sam", "--await-customer")
	if v.Status != casestate.StatusWaitingCustomer || v.Response != nil {
		t.Fatalf("reply: %s", v.Status)
	}
	v = runJSON[casestate.View](t, "case", "handoff", complaint, "--to", "pr", "a journalist is asking about it", "--as", "sam")
	if v.Department != "pr" || v.Assignee != "" {
		t.Fatalf("handoff: %s %q", v.Department, v.Assignee)
	}
	list := runJSON[[]caseapi.Summary](t, "cases", "list", "--department", "pr", "--as", "priya")
	stacktest.Eventually(t, "listed under pr", func() error {
		if list = runJSON[[]caseapi.Summary](t, "cases", "list", "--department", "pr", "--as", "priya"); len(list) != 1 || list[0].CaseID != complaint {
			return errors.New("not listed")
		}
		return nil
	})
	runJSON[casestate.View](t, "case", "claim", complaint, "--as", "priya")
	v = runJSON[casestate.View](t, "case", "resolve", complaint, "statement sent", "--as", "priya")
	if v.Status != casestate.StatusResolved {
		t.Fatalf("resolve: %s", v.Status)
	}

	// On the press account every public reply waits for a pr approver.
	press := submit("cli-2", "@acme_news", "Journalist at the Ledger: can Acme comment on the kettle recall?")
	runJSON[casestate.View](t, "case", "claim", press, "--as", "priya")
	if v = runJSON[casestate.View](t, "case", "reply", press, "We are looking into it and will share a statement today.", "--as", "priya"); v.Draft == nil {
		t.Fatalf("reply on the press account was not held for approval: %s", v.Status)
	}
	if out, code := run(t, "case", "approve", press, "--as", "priya"); code != ExitRefused || !strings.Contains(out, "rule four-eyes") {
		t.Fatalf("self-approval: exit %d %s", code, out)
	}
	// Approving under another name takes that person's own password.
	if out, code := run(t, "case", "approve", press, "--as", "paul"); code != ExitUsage || !strings.Contains(out, "not signed in as paul") {
		t.Fatalf("approval as paul without paul's sign-in: exit %d %s", code, out)
	}
	login(t, consoleURL, "paul")
	if v = runJSON[casestate.View](t, "case", "approve", press, "--as", "paul"); v.Draft != nil || v.Response != nil {
		t.Fatalf("approve: %+v", v.Draft)
	}
	shown := runJSON[struct {
		casestate.View
		Events []casestate.Event `json:"events"`
	}](t, "case", "show", press)
	if kinds := len(shown.Events); kinds < 6 || shown.Events[len(shown.Events)-1].Kind != casestate.EventReplied {
		t.Fatalf("case show timeline: %+v", shown.Events)
	}

	// Exit codes scripts can trust.
	if _, code := run(t, "case", "claim", "case/x/none", "--as", "sam"); code != ExitNotFound {
		t.Fatalf("unknown case: exit %d", code)
	}
	if _, code := run(t, "case", "claim", press, "--as", "maya"); code != ExitRefused {
		t.Fatalf("outsider: exit %d", code)
	}
	if out, code := run(t, "journey", "x:u999"); code != ExitNotFound || !strings.Contains(out, "no such customer") {
		t.Fatalf("unknown customer: exit %d %s", code, out)
	}
	if _, code := run(t, "case", "reply"); code != ExitUsage {
		t.Fatalf("missing arguments: exit %d", code)
	}
	t.Setenv("SWITCHBOARD_TEMPORAL_ADDRESS", "127.0.0.1:1")
	if _, code := run(t, "cases", "list"); code != ExitUnavailable {
		t.Fatalf("no server: exit %d", code)
	}
}
