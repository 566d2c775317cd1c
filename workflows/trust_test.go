package workflows_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	. "github.com/switchboard-care/switchboard/workflows"
)

// testSigner signs what the test suites send as agents; the workflows
// registered by registerTrusting trust it and nothing else.
var testSigner = func() *assertion.Signer {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return assertion.NewSigner(key)
}()

// testWorkflowID is the id every test environment runs its workflow under.
const testWorkflowID = "workflow-under-test"

// registerTrusting registers the workflows, trusting testSigner, and runs
// them under testWorkflowID.
func registerTrusting(env *testsuite.TestWorkflowEnvironment) {
	(&Workflows{Actors: assertion.NewKeys(testSigner.Public())}).Register(env)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: testWorkflowID})
}

// vouch signs, at the environment's time, that actor sends the Update
// name with id and body (its proof left out) to the workflow under test.
func vouch(env *testsuite.TestWorkflowEnvironment, actor policy.Actor, name, id string, body any) string {
	tok, err := testSigner.Sign(actor, assertion.For{Target: testWorkflowID, Action: name, Request: id, Digest: assertion.Digest(body)}, env.Now())
	if err != nil {
		panic(err)
	}
	return tok
}

// TestActionsNeedASignedActor sends what a caller with a Temporal client
// but no signing key could: each is refused by the validator (so nothing
// reaches the case's history), and the honest claim after them is taken.
func TestActionsNeedASignedActor(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	sam, err := ct.cfg.Directory().Lookup("sam")
	if err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	claim := casestate.Action{Actor: sam.Actor()}
	forged := func(id string, mutate func(a *casestate.Action)) casestate.Action {
		a := claim
		a.Proof = vouch(ct.env, a.Actor, string(casestate.ActionClaim), id, a)
		mutate(&a)
		return a
	}
	ghost := policy.Actor{ID: "ghost", Departments: []string{"support"}, Roles: []string{"lead"}}
	attempts := map[string]casestate.Action{
		"unsigned":                   claim,
		"forged actor":               forged("forged actor", func(a *casestate.Action) { a.Actor = ghost }),
		"a department added":         forged("a department added", func(a *casestate.Action) { a.Actor.Departments = append(a.Actor.Departments, "pr") }),
		"signed for another request": forged("another request", func(*casestate.Action) {}),
		"another body":               forged("another body", func(a *casestate.Action) { a.Text = "planted" }),
		"signed by a stranger's key": func() casestate.Action {
			a := claim
			tok, _ := assertion.NewSigner(stranger).Sign(a.Actor, assertion.For{Target: testWorkflowID, Action: "claim", Request: "signed by a stranger's key", Digest: assertion.Digest(a)}, ct.env.Now())
			a.Proof = tok
			return a
		}(),
		"oversized": func() casestate.Action { a := claim; a.Proof = strings.Repeat("x", 10000); return a }(),
	}
	ct.at(time.Minute, func() {
		for label, a := range attempts {
			ct.env.UpdateWorkflow(UpdateName(casestate.ActionClaim), label, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { ct.errs[label] = err }, OnAccept: func() {}, OnComplete: func(_ any, err error) { ct.errs[label] = err },
			}, a)
		}
		ct.act("honest", casestate.ActionClaim, "sam", casestate.Action{})
	})
	ct.at(2*time.Minute, func() {
		if v := ct.state(); v.Assignee != "sam" {
			t.Errorf("assignee %q after the honest claim", v.Assignee)
		}
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{})
	})
	ct.run()
	for label := range attempts {
		var rule *casestate.RuleError
		if err := ct.errs[label]; !errors.As(err, &rule) || rule.Rule != "signed-actor" {
			t.Errorf("%s: %v, want refused by rule signed-actor", label, err)
		}
	}
	if err := ct.errs["honest"]; err != nil {
		t.Errorf("honest claim: %v", err)
	}
	if got := strings.Join(kinds(ct.events()), " "); got != "opened triaged queued claimed resolved closed" {
		t.Errorf("timeline %s: a forged action reached the trail", got)
	}
}

// signedShift is r as caseapi sends it under Update ID id.
func signedShift(env *testsuite.TestWorkflowEnvironment, id string, r ShiftRequest) ShiftRequest {
	r.Proof = vouch(env, r.Actor, UpdateShift, id, r)
	return r
}

// signedLink is r as caseapi sends it under Update ID id.
func signedLink(env *testsuite.TestWorkflowEnvironment, id string, r LinkRequest) LinkRequest {
	r.Proof = vouch(env, r.Actor, UpdateLink, id, r)
	return r
}
