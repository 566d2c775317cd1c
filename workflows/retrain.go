package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/learning"
)

// The retraining schedule's workflow and activities.
const (
	RetrainWorkflowName    = "RetrainTriage"
	RetrainScheduleID      = "triage-retrain"
	ActivityTrainCandidate = "TrainTriageCandidate"
	ActivityPromoteModel   = "PromoteTriageModel"
)

// RetrainInput says how many held-out corrections a candidate needs.
type RetrainInput struct {
	MinHeldOut int `json:"min_held_out"`
}

// RetrainOutcome is what one run of the schedule decided.
type RetrainOutcome struct {
	Candidate learning.Candidate `json:"candidate"`
	Verdict   learning.Verdict   `json:"verdict"`
}

// RetrainWorkflow trains a triage model from the shipped data plus the
// agents' corrections, and promotes it only if it is not worse than the
// model in use on corrections it did not learn from.
func RetrainWorkflow(ctx workflow.Context, in RetrainInput) (RetrainOutcome, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
		Summary:             "train a triage model from the corrections",
	})
	var out RetrainOutcome
	if err := workflow.ExecuteActivity(actx, ActivityTrainCandidate).Get(ctx, &out.Candidate); err != nil {
		return out, err
	}
	out.Verdict = learning.Judge(out.Candidate, in.MinHeldOut)
	workflow.GetLogger(ctx).Info("triage candidate judged", "model", out.Candidate.Version, "promote", out.Verdict.Promote, "reason", out.Verdict.Reason)
	if !out.Verdict.Promote {
		return out, nil
	}
	pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             "promote triage model " + out.Candidate.Version,
	})
	return out, workflow.ExecuteActivity(pctx, ActivityPromoteModel, out.Candidate.Version).Get(ctx, nil)
}
