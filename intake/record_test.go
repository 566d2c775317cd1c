package intake

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/triage"
	"github.com/switchboard-care/switchboard/workflows"
)

// An edit reaches its case redacted, as the post it edits was.
func TestEditsAreRedactedBeforeTheyAreStored(t *testing.T) {
	temporal := &mocks.Client{}
	var sent workflows.PostEdit
	temporal.On("SignalWorkflow", mock.Anything, mock.Anything, "", workflows.SignalPostEdit, mock.Anything).
		Run(func(args mock.Arguments) { sent = args.Get(4).(workflows.PostEdit) }).Return(nil)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := CaseEdits{Cases: &caseapi.Client{Temporal: temporal, Redact: triage.Redactor(triage.PersonalConfig{}), Signer: assertion.NewSigner(key)}}
	e := Edit{Platform: "x", PostID: "1", Kind: Edited, Text: "now call +44 7700 900123"}
	if err := r.RecordEdit(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if sent.Text != "now call [phone]" {
		t.Fatalf("stored %q", sent.Text)
	}
}
