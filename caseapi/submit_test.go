package caseapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/policy"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/mocks"

	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

type anyIntent struct{}

func (anyIntent) Triage(post.Post) policy.Triage { return policy.Triage{Intent: "question"} }

// A customer who cannot be looked up fails the submission (intake answers
// 503 and the platform sends the post again): no case starts without its
// customer's context. The mock refuses any call not set up, so a start
// would fail the test.
func TestAFailedLookUpStartsNoCase(t *testing.T) {
	temporal := &mocks.Client{}
	temporal.On("DescribeWorkflowExecution", mock.Anything, workflows.JourneyID("x:u1"), "").
		Return(nil, serviceerror.NewUnavailable("visibility is down"))
	c := NewClient(temporal, "switchboard")
	c.Triager = anyIntent{}
	p := post.Post{ID: "1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "u1", Handle: "@u1"},
		Text: "where is my parcel?", CreatedAt: time.Date(2015, 1, 5, 9, 0, 0, 0, time.UTC)}
	out, err := c.Submit(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "look up the customer of case/x/1") || out.Started {
		t.Fatalf("submit: %+v, %v", out, err)
	}
	temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}
