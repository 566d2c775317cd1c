package caseapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
	"github.com/switchboard-care/switchboard/workflows"
)

// A follow-up reaches its case, and so its trail and the customer's
// journey, redacted as triage redacts the opening post.
func TestFollowUpsAreRedactedBeforeTheyAreStored(t *testing.T) {
	temporal := &mocks.Client{}
	var sent workflows.CustomerPost
	temporal.On("SignalWorkflow", mock.Anything, "case/x/1", "", workflows.SignalCustomerPost, mock.Anything).
		Run(func(args mock.Arguments) { sent = args.Get(4).(workflows.CustomerPost) }).Return(nil)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{Temporal: temporal, Redact: triage.Redactor(triage.PersonalConfig{}), Signer: assertion.NewSigner(key)}
	p := post.Post{ID: "2", Platform: "x", Text: "card 5500 0000 0000 0004, mail jane.doe@example.com or jane(at)example(dot)com"}
	if _, ok, err := c.addFollowUp(context.Background(), "case/x/1", p); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if want := "card [card], mail [email] or [email]"; sent.Post.Text != want {
		t.Fatalf("stored %q, want %q", sent.Post.Text, want)
	}
}
