package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/policy"
)

// Workflows are switchboard's workflow definitions with what they take
// from their worker rather than from their input: the keys that verify who
// performs an agent's action. Update validators never run on replay, so
// the keys may change from one run of a worker to the next (a rotation, a
// revoked key) without breaking any history.
type Workflows struct {
	Actors assertion.Keys
}

// Registry is where workflows are registered: a worker, a replayer, a
// test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers every workflow under its name.
func (w *Workflows) Register(r Registry) {
	r.RegisterWorkflowWithOptions(w.Case, workflow.RegisterOptions{Name: CaseWorkflowName})
	r.RegisterWorkflowWithOptions(w.Dispatcher, workflow.RegisterOptions{Name: DispatcherWorkflowName})
	r.RegisterWorkflowWithOptions(w.Journey, workflow.RegisterOptions{Name: JourneyWorkflowName})
	r.RegisterWorkflowWithOptions(RetrainWorkflow, workflow.RegisterOptions{Name: RetrainWorkflowName})
}

// verifyActor checks, in an Update's validator, that proof vouches for
// actor performing this very Update (this workflow, its name, its ID) with
// unsigned as its body (the request with its proof left out).
func (w *Workflows) verifyActor(ctx workflow.Context, proof string, actor policy.Actor, unsigned any) error {
	u := workflow.GetCurrentUpdateInfo(ctx)
	f := assertion.For{Target: workflow.GetInfo(ctx).WorkflowExecution.ID, Action: u.Name, Request: u.ID, Digest: assertion.Digest(unsigned)}
	if err := w.Actors.Verify(proof, actor, f, workflow.Now(ctx)); err != nil {
		return errRule("signed-actor", err.Error())
	}
	return nil
}
