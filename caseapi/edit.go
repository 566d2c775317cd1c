package caseapi

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/switchboard-care/switchboard/workflows"
)

// PostChanged tells the first running case of caseIDs that the customer
// edited (or deleted) post postID on the platform. The edited text is
// redacted as every post is, and the signal is signed as intake's. It
// returns ErrNotFound when none of the cases runs.
func (c *Client) PostChanged(ctx context.Context, caseIDs []string, edit workflows.PostEdit) error {
	if c.Redact != nil {
		edit.Text = c.Redact(edit.Text)
	}
	for _, id := range caseIDs {
		sig := edit
		proof, err := c.IntakeProof(id, workflows.SignalPostEdit, edit)
		if err != nil {
			return err
		}
		sig.Proof = proof
		err = c.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalPostEdit, sig)
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &notFound):
			return fmt.Errorf("record the change of post %s on %s: %w", edit.PostID, id, err)
		}
	}
	return fmt.Errorf("%w: no running case holds post %s", ErrNotFound, edit.PostID)
}
