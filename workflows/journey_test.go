package workflows_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	. "github.com/switchboard-care/switchboard/workflows"
)

var agentSue = policy.Actor{ID: "sue", Departments: []string{"support"}, Roles: []string{"lead"}}

func update(caseID string, at time.Time) journey.CaseUpdate {
	return journey.CaseUpdate{Case: journey.Case{CaseID: caseID, Channel: "x", Department: "support", Status: "open", Since: at}}
}

// signedReport is u as its case reports it.
func signedReport(env *testsuite.TestWorkflowEnvironment, u journey.CaseUpdate) CaseReport {
	return CaseReport{CaseUpdate: u, Proof: signalProof(env, SenderCase, SignalCaseUpdate, CaseReport{CaseUpdate: u})}
}

// signedMerge is m as caseapi sends it after a verified link.
func signedMerge(env *testsuite.TestWorkflowEnvironment, m MergeInto) MergeInto {
	m.Proof = signalProof(env, SenderAPI, SignalMergeInto, m)
	return m
}

// signedAbsorb is x as a merged identity's journey sends it.
func signedAbsorb(env *testsuite.TestWorkflowEnvironment, x journey.Index) Absorbed {
	return Absorbed{Index: x, Proof: signalProof(env, SenderJourney, SignalAbsorb, Absorbed{Index: x})}
}

// queryIndex is the index of the journey under test.
func queryIndex(t *testing.T, env *testsuite.TestWorkflowEnvironment) journey.Index {
	t.Helper()
	res, err := env.QueryWorkflow(QueryJourney)
	if err != nil {
		t.Fatal(err)
	}
	var x journey.Index
	if err := res.Get(&x); err != nil {
		t.Fatal(err)
	}
	return x
}

func newJourneyEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	registerTrusting(env)
	return env
}

func TestLinkJoinsTheCasesOfBothIdentities(t *testing.T) {
	env := newJourneyEnv()
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalCaseUpdate, signedReport(env, update("case/x/1", t0)))
		closed := update("case/x/1", t0)
		closed.Closed = true
		env.SignalWorkflow(SignalCaseUpdate, signedReport(env, closed))
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateLink, "link", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("link refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, signedLink(env, "link", LinkRequest{Actor: agentSue, Identity: "facebook:9"}))
		env.UpdateWorkflow(UpdateLink, "self", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {}, OnAccept: func() { t.Error("linked to itself") }, OnComplete: func(any, error) {},
		}, signedLink(env, "self", LinkRequest{Actor: agentSue, Identity: "x:u1"}))
		// The facebook identity's journey sends its index.
		fb := journey.Index{Identity: journey.Identity{CustomerID: "facebook:9"}}
		fb.Record(update("case/facebook/7", t0.Add(time.Minute)))
		env.SignalWorkflow(SignalAbsorb, signedAbsorb(env, fb))
	}, 2*time.Second)
	env.RegisterDelayedCallback(func() {
		x := queryIndex(t, env)
		var got []string
		for _, c := range x.Cases {
			got = append(got, fmt.Sprintf("%s:%t", c.CaseID, c.Closed))
		}
		if fmt.Sprint(got) != "[case/x/1:true case/facebook/7:false]" || fmt.Sprint(x.Aliases) != "[facebook:9]" {
			t.Errorf("cases %v aliases %v", got, x.Aliases)
		}
		env.CancelWorkflow()
	}, 3*time.Second)
	_, in := NewJourney("x:u1")
	env.ExecuteWorkflow(JourneyWorkflowName, in)
}

// Past its bound the journey continues as new with its index and what its
// memo shows, so the next run neither loses a case nor writes its memo
// again.
func TestAJourneyContinuesAsNewWithItsIndexAndMemo(t *testing.T) {
	env := newJourneyEnv()
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	env.OnUpsertMemo(mock.Anything).Return()
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateLink, "link", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("link refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, signedLink(env, "link", LinkRequest{Actor: agentSue, Identity: "facebook:9"}))
		for i := range 2 {
			env.SignalWorkflow(SignalCaseUpdate, signedReport(env, update(fmt.Sprintf("case/x/%d", i), t0.Add(time.Duration(i)*time.Minute))))
		}
	}, time.Second)
	_, in := NewJourney("x:u1")
	in.EventsPerRun = 3
	env.ExecuteWorkflow(JourneyWorkflowName, in)
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("the journey ended with %v, not continue-as-new", env.GetWorkflowError())
	}
	var next JourneyInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if len(next.Index.Cases) != 2 || next.Memo == nil || fmt.Sprint(next.Memo.Aliases) != "[facebook:9]" || next.EventsPerRun != 3 || len(next.Seen) != 2 {
		t.Fatalf("carried %+v memo %+v seen %d", next.Index, next.Memo, len(next.Seen))
	}
}

// A merged journey forwards to its primary, signed as a journey for the
// primary (the case's proof names the merged journey, not the primary).
func TestMergedJourneyForwardsToItsPrimary(t *testing.T) {
	env := newJourneyEnv()
	var forwarded []string
	verify := func(name, proof string, unsigned any) {
		f := assertion.For{Target: JourneyID("x:u1"), Action: name, Digest: assertion.Digest(unsigned)}
		if _, err := assertion.NewKeys(testSigner.Public()).VerifySignal(proof, []string{SenderJourney}, f, env.Now(), nil); err != nil {
			t.Errorf("forwarded %s: %v", name, err)
		}
	}
	env.OnSignalExternalWorkflow(mockAny, JourneyID("x:u1"), "", SignalAbsorb, mockAny).Return(func(_, _, _, _ string, arg any) error {
		a := arg.(Absorbed)
		verify(SignalAbsorb, a.Proof, Absorbed{Index: a.Index})
		forwarded = append(forwarded, "absorb:"+a.CustomerID)
		return nil
	})
	env.OnSignalExternalWorkflow(mockAny, JourneyID("x:u1"), "", SignalCaseUpdate, mockAny).Return(func(_, _, _, _ string, arg any) error {
		r := arg.(CaseReport)
		verify(SignalCaseUpdate, r.Proof, CaseReport{CaseUpdate: r.CaseUpdate})
		forwarded = append(forwarded, "update:"+r.Case.CaseID)
		return nil
	})
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalMergeInto, signedMerge(env, MergeInto{Primary: "x:u1"})) }, time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCaseUpdate, signedReport(env, update("case/facebook/8", t0))) }, 2*time.Second)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	_, in := NewJourney("facebook:9")
	env.ExecuteWorkflow(JourneyWorkflowName, in)
	if fmt.Sprint(forwarded) != "[absorb:facebook:9 update:case/facebook/8]" {
		t.Fatalf("forwarded %v", forwarded)
	}
}

// A journey takes only what its components signed: a planted case, a
// planted index or a forged merge (which would show one customer's
// history under another's) change nothing, and neither does a report
// copied from a history and sent again.
func TestAJourneyTakesOnlySignedSignals(t *testing.T) {
	env := newJourneyEnv()
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	var merged []string
	env.OnSignalExternalWorkflow(mockAny, mockAny, "", SignalAbsorb, mockAny).Return(func(_, id, _, _ string, _ any) error {
		merged = append(merged, id)
		return nil
	})
	honest := signedReport(env, update("case/x/1", t0))
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalCaseUpdate, honest)
		env.SignalWorkflow(SignalCaseUpdate, CaseReport{CaseUpdate: update("case/x/planted", t0)})
		reused := honest
		reused.Case.CaseID = "case/x/tampered"
		env.SignalWorkflow(SignalCaseUpdate, reused)
		env.SignalWorkflow(SignalCaseUpdate, honest) // copied from the history: a replay
		stolen := journey.Index{Identity: journey.Identity{CustomerID: "x:other"}}
		stolen.Record(update("case/x/stolen", t0))
		env.SignalWorkflow(SignalAbsorb, Absorbed{Index: stolen})
		wrongSender := MergeInto{Primary: "x:attacker"}
		wrongSender.Proof = signalProof(env, SenderCase, SignalMergeInto, wrongSender)
		env.SignalWorkflow(SignalMergeInto, wrongSender)
		env.SignalWorkflow(SignalMergeInto, MergeInto{Primary: "x:attacker"})
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		x := queryIndex(t, env)
		var got []string
		for _, c := range x.Cases {
			got = append(got, c.CaseID)
		}
		if fmt.Sprint(got) != "[case/x/1]" || x.MergedInto != "" || len(merged) != 0 {
			t.Errorf("cases %v, merged into %q (sent %v): a forged signal was taken", got, x.MergedInto, merged)
		}
		env.CancelWorkflow()
	}, 2*time.Second)
	_, in := NewJourney("x:u1")
	env.ExecuteWorkflow(JourneyWorkflowName, in)
}

// The journey shows who it belongs to in its memo, for readers that must
// not ask a worker: rewritten on a link, left alone when its input says it
// is current, written once when its input does not say, and never decoded
// (a memo a codec encoded is not the workflow's to read).
func TestJourneyKeepsItsIdentityInTheMemo(t *testing.T) {
	told := func() JourneyInput { _, in := NewJourney("x:u1"); return in }
	for _, tc := range []struct {
		name string
		in   JourneyInput
		want string
	}{
		{"told what its memo shows", told(), "[{x:u1 [facebook:9] }]"},
		{"not told", JourneyInput{Index: journey.Index{Identity: journey.Identity{CustomerID: "x:u1"}}}, "[{x:u1 [] } {x:u1 [facebook:9] }]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newJourneyEnv()
			if err := env.SetMemoOnStart(map[string]any{MemoIdentity: "encoded by a codec: not for the workflow to read"}); err != nil {
				t.Fatal(err)
			}
			var upserts []journey.Identity
			env.OnUpsertMemo(mock.Anything).Run(func(args mock.Arguments) {
				upserts = append(upserts, args.Get(0).(map[string]any)[MemoIdentity].(journey.Identity))
			}).Return()
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(UpdateLink, "link", &testsuite.TestUpdateCallback{
					OnReject: func(err error) { t.Errorf("link refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
				}, signedLink(env, "link", LinkRequest{Actor: agentSue, Identity: "facebook:9"}))
			}, time.Second)
			env.RegisterDelayedCallback(env.CancelWorkflow, 2*time.Second)
			env.ExecuteWorkflow(JourneyWorkflowName, tc.in)
			if got := fmt.Sprint(upserts); got != tc.want {
				t.Errorf("memo upserts %s, want %s", got, tc.want)
			}
		})
	}
}
