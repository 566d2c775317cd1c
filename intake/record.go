package intake

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/workflows"
)

// CaseEdits records a customer's edits and deletions on the case the post
// belongs to: the case it opened, else the case of its thread.
// The case API's Redact masks personal data in the edited text before it
// is sent to the case, where it is stored (as for every post); its Signer
// signs the signal.
type CaseEdits struct {
	Cases *caseapi.Client
}

// RecordEdit signals the first of the edit's cases that is running.
func (r CaseEdits) RecordEdit(ctx context.Context, e Edit) error {
	edit := workflows.PostEdit{PostID: e.PostID, Text: e.Text, Deleted: e.Kind == Deleted}
	if r.Cases.Redact != nil {
		edit.Text = r.Cases.Redact(edit.Text)
	}
	for _, id := range e.CaseIDs() {
		sig := edit
		proof, err := r.Cases.IntakeProof(id, workflows.SignalPostEdit, edit)
		if err != nil {
			return err
		}
		sig.Proof = proof
		err = r.Cases.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalPostEdit, sig)
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
