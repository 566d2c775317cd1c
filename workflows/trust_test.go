package workflows_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
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
	(&Workflows{Actors: assertion.NewKeys(testSigner.Public()), Signer: testSigner}).Register(env)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: testWorkflowID})
}

// vouch signs, at the environment's time, that actor sends the Update
// name with id and body (its proof left out) to the workflow under test.
func vouch(env *testsuite.TestWorkflowEnvironment, actor policy.Actor, name, id string, body any) string {
	return vouchTo(env, testWorkflowID, actor, name, id, body)
}

// vouchTo is vouch for another workflow, target.
func vouchTo(env *testsuite.TestWorkflowEnvironment, target string, actor policy.Actor, name, id string, body any) string {
	tok, err := testSigner.Sign(actor, assertion.For{Target: target, Action: name, Request: id, Digest: assertion.Digest(body)}, env.Now())
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
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	for label := range attempts {
		var rule *policy.RuleError
		if err := ct.errs[label]; !errors.As(err, &rule) || rule.Rule != "signed-actor" {
			t.Errorf("%s: %v, want refused by rule signed-actor", label, err)
		}
	}
	if err := ct.errs["honest"]; err != nil {
		t.Errorf("honest claim: %v", err)
	}
	if got := strings.Join(kinds(ct.events()), " "); got != "opened triaged queued claimed resolved" {
		t.Errorf("timeline %s: a forged action reached the trail", got)
	}
}

// signalProof signs, at the environment's time, that sender sends the
// signal name with body (its proof left out) to the workflow under test.
func signalProof(env *testsuite.TestWorkflowEnvironment, sender, name string, body any) string {
	tok, err := testSigner.SignSignal(sender, assertion.For{Target: testWorkflowID, Action: name, Digest: assertion.Digest(body)}, env.Now())
	if err != nil {
		panic(err)
	}
	return tok
}

// signedPost is a follow-up as intake sends it.
func signedPost(env *testsuite.TestWorkflowEnvironment, p post.Post) CustomerPost {
	return CustomerPost{Post: p, Proof: signalProof(env, SenderIntake, SignalCustomerPost, CustomerPost{Post: p})}
}

// signedEdit is e as intake sends it.
func signedEdit(env *testsuite.TestWorkflowEnvironment, e PostEdit) PostEdit {
	e.Proof = signalProof(env, SenderIntake, SignalPostEdit, e)
	return e
}

// signedAssignment is a as the dispatcher sends it as the signal name.
func signedAssignment(env *testsuite.TestWorkflowEnvironment, name string, a CaseAssignment) CaseAssignment {
	a.Proof = signalProof(env, SenderDispatcher, name, a)
	return a
}

// signedQueueEvent is ev as a case's Dispatch activity sends it.
func signedQueueEvent(env *testsuite.TestWorkflowEnvironment, ev QueueEvent) QueueEvent {
	ev.Proof = signalProof(env, SenderCase, SignalQueueEvent, ev)
	return ev
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

// TestSignalsNeedASignedSender sends what a caller with a Temporal client
// but no signing key could, and what it could copy from a history: each is
// taken by no one, and the honest signals around them are taken once.
func TestSignalsNeedASignedSender(t *testing.T) {
	ct := newCaseTest(t, "complaint", friday1000)
	_, strangerKey, _ := ed25519.GenerateKey(rand.Reader)
	stranger := assertion.NewSigner(strangerKey)
	follow := func(id, text string) post.Post {
		p := ct.post
		p.ID, p.InReplyTo, p.Text = id, ct.post.ID, text
		return p
	}
	sign := func(s *assertion.Signer, sender, target, name string, body any, at time.Time) string {
		tok, err := s.SignSignal(sender, assertion.For{Target: target, Action: name, Digest: assertion.Digest(body)}, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	var firstEdit PostEdit
	ct.at(time.Minute, func() {
		firstEdit = signedEdit(ct.env, PostEdit{PostID: "x-100", Text: "first edit"})
		ct.env.SignalWorkflow(SignalPostEdit, firstEdit)
	})
	ct.at(2*time.Minute, func() {
		ct.env.SignalWorkflow(SignalPostEdit, signedEdit(ct.env, PostEdit{PostID: "x-100", Text: "second edit"}))
	})
	ct.at(3*time.Minute, func() {
		now := ct.env.Now()
		planted := func(id string) CustomerPost { return CustomerPost{Post: follow(id, "planted by "+id)} }
		forged := map[string]CustomerPost{}
		forged["unsigned"] = planted("unsigned")
		p := planted("stranger")
		p.Proof = sign(stranger, SenderIntake, testWorkflowID, SignalCustomerPost, CustomerPost{Post: p.Post}, now)
		forged["stranger"] = p
		p = planted("wrong-sender")
		p.Proof = sign(testSigner, SenderDispatcher, testWorkflowID, SignalCustomerPost, CustomerPost{Post: p.Post}, now)
		forged["wrong-sender"] = p
		p = planted("other-case")
		p.Proof = sign(testSigner, SenderIntake, "case/x/other", SignalCustomerPost, CustomerPost{Post: p.Post}, now)
		forged["other-case"] = p
		p = planted("other-signal")
		p.Proof = sign(testSigner, SenderIntake, testWorkflowID, SignalPostEdit, CustomerPost{Post: p.Post}, now)
		forged["other-signal"] = p
		p = signedPost(ct.env, follow("tampered", "the signed text"))
		p.Post.Text = "planted by tampered"
		forged["tampered"] = p
		p = planted("expired")
		p.Proof = sign(testSigner, SenderIntake, testWorkflowID, SignalCustomerPost, CustomerPost{Post: p.Post}, now.Add(-assertion.SignalLifetime-time.Hour))
		forged["expired"] = p
		p = planted("an agent's token")
		p.Proof = vouch(ct.env, policy.Actor{ID: "sam", Departments: []string{"support"}}, SignalCustomerPost, "r1", CustomerPost{Post: p.Post})
		forged["an agent's token"] = p
		p = planted("oversized")
		p.Proof = strings.Repeat("x", 10000)
		forged["oversized"] = p
		for _, label := range slices.Sorted(maps.Keys(forged)) {
			ct.env.SignalWorkflow(SignalCustomerPost, forged[label])
		}
		ct.env.SignalWorkflow(SignalPostEdit, firstEdit) // copied from the history: a replay
		ct.env.SignalWorkflow(SignalAssign, CaseAssignment{Agent: "ghost"})
		ct.env.SignalWorkflow(SignalCustomerPost, signedPost(ct.env, follow("x-101", "honest follow-up")))
	})
	ct.at(4*time.Minute, func() {
		ct.act("claim", casestate.ActionClaim, "sam", casestate.Action{})
		ct.act("resolve", casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	})
	ct.run()
	var got []string
	for _, e := range ct.events() {
		switch e.Kind {
		case casestate.EventCustomer, casestate.EventPostEdited:
			got = append(got, fmt.Sprintf("%s %s", e.Kind, e.Text))
		case casestate.EventAssigned:
			if strings.Contains(e.Detail, "ghost") {
				got = append(got, "assigned to ghost")
			}
		}
	}
	want := "post_edited first edit|post_edited second edit|customer_wrote honest follow-up"
	if strings.Join(got, "|") != want {
		t.Fatalf("trail %q, want %q", strings.Join(got, "|"), want)
	}
	if v := ct.state(); v.Assignee != "sam" {
		t.Errorf("assignee %q", v.Assignee)
	}
}
