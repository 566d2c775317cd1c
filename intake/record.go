package intake

import (
	"context"
	"fmt"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/workflows"
)

// CaseEdits records a customer's edits and deletions on the case the post
// belongs to (the case it opened, else the case of its thread), through
// the case API, which redacts the text and signs the signal.
type CaseEdits struct {
	Cases *caseapi.Client
}

// RecordEdit tells the first of the edit's cases that is running.
func (r CaseEdits) RecordEdit(ctx context.Context, e Edit) error {
	edit := workflows.PostEdit{PostID: e.PostID, Text: e.Text, Deleted: e.Kind == Deleted}
	if err := r.Cases.PostChanged(ctx, e.CaseIDs(), edit); err != nil {
		return fmt.Errorf("%s of %s post %s: %w", e.Kind, e.Platform, e.PostID, err)
	}
	return nil
}
