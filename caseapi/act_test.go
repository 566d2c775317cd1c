package caseapi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
)

// Act sends an action's request token as its Update ID, so the server
// treats a resubmission as the same Update; an action without a token gets
// a fresh one, never an empty ID.
func TestActUsesTheRequestAsTheUpdateID(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	tc := &mocks.Client{}
	var ids []string
	handle := &mocks.WorkflowUpdateHandle{}
	handle.On("Get", mock.Anything, mock.Anything).Return(nil)
	tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(handle, nil).Run(func(args mock.Arguments) {
		o := args.Get(1).(client.UpdateWorkflowOptions)
		ids = append(ids, o.UpdateID)
		if a := o.Args[0].(casestate.Action); a.Request != o.UpdateID {
			t.Errorf("the case sees request %q, the server update %q", a.Request, o.UpdateID)
		}
	})
	cases := &caseapi.Client{Temporal: tc, Directory: cfg.Directory(), Signer: newSigner(t)}
	reply := casestate.Action{Text: "Sorry!", Request: caseapi.NewRequest()}
	for range 2 { // a double click
		if _, err := cases.Act(context.Background(), "case/x/1", casestate.ActionReply, "sam", reply); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // two actions without tokens
		if _, err := cases.Act(context.Background(), "case/x/1", casestate.ActionNote, "sam", casestate.Action{Text: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(ids) != 4 || ids[0] != reply.Request || ids[1] != reply.Request {
		t.Fatalf("update ids %q, want the request %q twice", ids, reply.Request)
	}
	if ids[2] == "" || ids[2] == ids[3] || ids[2] == reply.Request {
		t.Fatalf("actions without a request got update ids %q and %q", ids[2], ids[3])
	}
}
