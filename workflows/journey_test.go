package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	. "github.com/switchboard-care/switchboard/workflows"
)

var agentSue = policy.Actor{ID: "sue", Departments: []string{"support"}, Roles: []string{"lead"}}

func update(caseID string, seq int, at time.Time, kind string) journey.CaseUpdate {
	return journey.CaseUpdate{
		Case:       journey.OpenCase{CaseID: caseID, Department: "support", Status: "open", Since: at},
		Milestones: []journey.Milestone{{At: at, CaseID: caseID, Seq: seq, Kind: kind}},
	}
}

func TestLinkMergesTimelinesInOrder(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(CustomerJourneyWorkflow, workflow.RegisterOptions{Name: JourneyWorkflowName})
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalCaseUpdate, update("case/x/1", 1, t0, "opened"))
		env.SignalWorkflow(SignalCaseUpdate, update("case/x/1", 5, t0.Add(3*time.Minute), "resolved"))
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateLink, "link", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("link refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, LinkRequest{Actor: agentSue, Identity: "facebook:9"})
		env.UpdateWorkflow(UpdateLink, "self", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {}, OnAccept: func() { t.Error("linked to itself") }, OnComplete: func(any, error) {},
		}, LinkRequest{Actor: agentSue, Identity: "x:u1"})
		// The facebook identity's journey sends its whole story.
		fb := journey.Journey{CustomerID: "facebook:9"}
		fb.Record(update("case/facebook/7", 1, t0.Add(time.Minute), "opened"))
		env.SignalWorkflow(SignalAbsorb, fb)
	}, 2*time.Second)
	env.RegisterDelayedCallback(func() {
		res, err := env.QueryWorkflow(QueryJourney)
		if err != nil {
			t.Fatal(err)
		}
		var j journey.Journey
		if err := res.Get(&j); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range j.Timeline {
			got = append(got, m.CaseID+":"+m.Kind)
		}
		if fmt.Sprint(got) != "[case/x/1:opened case/facebook/7:opened case/x/1:resolved]" {
			t.Errorf("merged timeline %v", got)
		}
		if fmt.Sprint(j.Aliases) != "[facebook:9]" || len(j.Open) != 2 {
			t.Errorf("aliases %v open %v", j.Aliases, j.Open)
		}
		env.CancelWorkflow()
	}, 3*time.Second)
	env.ExecuteWorkflow(JourneyWorkflowName, JourneyInput{Journey: journey.Journey{CustomerID: "x:u1"}})
}

func TestMergedJourneyForwardsToItsPrimary(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(CustomerJourneyWorkflow, workflow.RegisterOptions{Name: JourneyWorkflowName})
	var forwarded []string
	env.OnSignalExternalWorkflow(mockAny, JourneyID("x:u1"), "", SignalAbsorb, mockAny).Return(func(_, _, _, _ string, arg any) error {
		forwarded = append(forwarded, "absorb:"+arg.(journey.Journey).CustomerID)
		return nil
	})
	env.OnSignalExternalWorkflow(mockAny, JourneyID("x:u1"), "", SignalCaseUpdate, mockAny).Return(func(_, _, _, _ string, arg any) error {
		forwarded = append(forwarded, "update:"+arg.(journey.CaseUpdate).Case.CaseID)
		return nil
	})
	t0 := time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalMergeInto, MergeInto{Primary: "x:u1"}) }, time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCaseUpdate, update("case/facebook/8", 1, t0, "opened")) }, 2*time.Second)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(JourneyWorkflowName, JourneyInput{Journey: journey.Journey{CustomerID: "facebook:9"}})
	if fmt.Sprint(forwarded) != "[absorb:facebook:9 update:case/facebook/8]" {
		t.Fatalf("forwarded %v", forwarded)
	}
}

// The journey shows who it belongs to in its memo, for readers that must
// not ask a worker: rewritten on a link, left alone when it is current, and
// a memo that does not decode is replaced rather than failing the journey.
func TestJourneyKeepsItsIdentityInTheMemo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start map[string]any
		want  string
	}{
		{"current memo at start", JourneyMemo("x:u1"), "[{x:u1 [facebook:9] }]"},
		{"memo that does not decode", map[string]any{MemoIdentity: "not an identity"}, "[{x:u1 [] } {x:u1 [facebook:9] }]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(CustomerJourneyWorkflow, workflow.RegisterOptions{Name: JourneyWorkflowName})
			if err := env.SetMemoOnStart(tc.start); err != nil {
				t.Fatal(err)
			}
			var upserts []journey.Identity
			env.OnUpsertMemo(mock.Anything).Run(func(args mock.Arguments) {
				upserts = append(upserts, args.Get(0).(map[string]any)[MemoIdentity].(journey.Identity))
			}).Return()
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(UpdateLink, "link", &testsuite.TestUpdateCallback{
					OnReject: func(err error) { t.Errorf("link refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
				}, LinkRequest{Actor: agentSue, Identity: "facebook:9"})
			}, time.Second)
			env.RegisterDelayedCallback(env.CancelWorkflow, 2*time.Second)
			env.ExecuteWorkflow(JourneyWorkflowName, JourneyInput{Journey: journey.Journey{CustomerID: "x:u1"}})
			if got := fmt.Sprint(upserts); got != tc.want {
				t.Errorf("memo upserts %s, want %s", got, tc.want)
			}
		})
	}
}
