package intake

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/workflows"
)

// CaseEdits records a customer's edits and deletions on the case the post
// belongs to: the case it opened, else the case of its thread.
type CaseEdits struct {
	Temporal client.Client
	// Redact masks personal data in the edited text before it is sent to
	// the case, where it is stored (triage.Redactor, as for every post).
	Redact func(string) string
}

// RecordEdit signals the first of the edit's cases that is running.
func (r CaseEdits) RecordEdit(ctx context.Context, e Edit) error {
	sig := workflows.PostEdit{PostID: e.PostID, Text: e.Text, Deleted: e.Kind == Deleted}
	if r.Redact != nil {
		sig.Text = r.Redact(sig.Text)
	}
	for _, id := range e.CaseIDs() {
		err := r.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalPostEdit, sig)
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			return nil
		case errors.As(err, &notFound):
			continue
		default:
			return fmt.Errorf("record %s of %s on %s: %w", e.Kind, e.PostID, id, err)
		}
	}
	return fmt.Errorf("%w: %s post %s", ErrNoCase, e.Platform, e.PostID)
}
