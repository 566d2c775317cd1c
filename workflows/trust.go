package workflows

import (
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/policy"
)

// Workflows are switchboard's workflow definitions with what they take
// from their worker rather than from their input: the keys that verify who
// performs an agent's action or sends a signal, and the key that signs
// the signals they send. Update validators never run on replay and
// signals are verified with the keys their history recorded, so the keys
// may change from one run of a worker to the next (a rotation, a revoked
// key) without breaking any history.
type Workflows struct {
	Actors assertion.Keys
	Signer *assertion.Signer
	// Incidents configure the crisis watch and its incidents.
	Incidents IncidentOptions
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
	r.RegisterWorkflowWithOptions(w.Spike, workflow.RegisterOptions{Name: SpikeWorkflowName})
	r.RegisterWorkflowWithOptions(w.Incident, workflow.RegisterOptions{Name: IncidentWorkflowName})
}

// verifyActor checks, in an Update's validator, that proof vouches for
// actor performing this very Update (this workflow, its name, its ID) with
// unsigned as its body (the request with its proof left out).
func (w *Workflows) verifyActor(ctx workflow.Context, proof string, actor policy.Actor, unsigned any) error {
	u := workflow.GetCurrentUpdateInfo(ctx)
	f := assertion.For{Target: workflow.GetInfo(ctx).WorkflowExecution.ID, Action: u.Name, Request: u.ID, Digest: assertion.Digest(unsigned)}
	if err := w.Actors.Verify(proof, actor, f, workflow.Now(ctx)); err != nil {
		return policy.Refuse("signed-actor", "%s", err)
	}
	return nil
}

// The components that send signals, as their tokens name them.
const (
	SenderIntake     = "intake"     // a customer's posts and edits
	SenderCase       = "case"       // a case's queue events (through the Dispatch activity)
	SenderDispatcher = "dispatcher" // assignments
	SenderJourney    = "journey"    // what a merged identity's journey forwards to its primary
	SenderAPI        = "api"        // what follows an agent's verified link of two identities
	SenderSpike      = "spike"      // a property's crisis watch, to its incident
	SenderIncident   = "incident"   // an incident, to its watch
)

// signalSenders is who may send each signal a workflow takes.
var signalSenders = map[string][]string{
	SignalCustomerPost:   {SenderIntake},
	SignalPostEdit:       {SenderIntake},
	SignalAssign:         {SenderDispatcher},
	SignalUnassign:       {SenderDispatcher},
	SignalQueueEvent:     {SenderCase},
	SignalCaseUpdate:     {SenderCase, SenderJourney},
	SignalAbsorb:         {SenderJourney},
	SignalMergeInto:      {SenderAPI},
	SignalSpikePost:      {SenderIntake},
	SignalIncidentJoin:   {SenderSpike},
	SignalIncidentClosed: {SenderIncident},
}

// signalGate admits a run's signals: only those signed by the component
// that sends them, each token once.
type signalGate struct {
	w    *Workflows
	seen []assertion.Seen // tokens taken and not yet expired
	// keep, when set, is how long a token is remembered, for a receiver
	// of many signals that refuses old ones by their body (the watch's
	// posts, by their time) rather than by their token.
	keep time.Duration
}

func (w *Workflows) newSignalGate(seen []assertion.Seen) *signalGate {
	return &signalGate{w: w, seen: seen}
}

// admit says whether the signal name, carrying proof, with unsigned as its
// body (the payload with its proof left out) may be taken. A refused one
// is logged and changes nothing.
func (g *signalGate) admit(ctx workflow.Context, name, proof string, unsigned any) bool {
	now := workflow.Now(ctx)
	g.seen = assertion.Unexpired(g.seen, now)
	f := assertion.For{Target: workflow.GetInfo(ctx).WorkflowExecution.ID, Action: name, Digest: assertion.Digest(unsigned)}
	s, err := g.w.signalKeys(ctx).VerifySignal(proof, signalSenders[name], f, now, g.seen)
	if err != nil {
		workflow.GetLogger(ctx).Warn("signal refused", "signal", name, "error", err)
		return false
	}
	if g.keep > 0 {
		s.Expires = now.Add(g.keep)
	}
	g.seen = append(g.seen, s)
	return true
}

// signalKeys are the worker's keys as this history recorded them. Unlike
// an Update's validator, a signal is taken again on every replay, so the
// verdict must not change when the worker's keys do (a rotation, a
// revocation): a side effect records the keys, once per run and again
// only when they change, and a replay reads them from the history.
func (w *Workflows) signalKeys(ctx workflow.Context) assertion.Keys {
	var encoded []string
	v := workflow.MutableSideEffect(ctx, "signal-keys", func(workflow.Context) any { return w.Actors.Encoded() },
		func(a, b any) bool { return slices.Equal(a.([]string), b.([]string)) })
	if err := v.Get(&encoded); err != nil {
		return nil
	}
	return assertion.DecodeKeys(encoded)
}

// signSignal is the proof for a signal this workflow sends as sender:
// name to target with unsigned as its body. Ed25519 signatures are
// deterministic and the SDK does not compare a signal's payload on replay,
// so signing with the worker's key in workflow code is safe; the token's
// ID is made of this run, its time and the body, which a replay repeats.
func (w *Workflows) signSignal(ctx workflow.Context, sender, target, name string, unsigned any) string {
	if w.Signer == nil {
		return ""
	}
	now := workflow.Now(ctx)
	digest := assertion.Digest(unsigned)
	id := workflow.GetInfo(ctx).WorkflowExecution.RunID + "/" + strconv.FormatInt(now.UnixNano(), 36) + "/" + digest[:12]
	token, err := w.Signer.SignSignal(sender, assertion.For{Target: target, Action: name, Request: id, Digest: digest}, now)
	if err != nil {
		workflow.GetLogger(ctx).Error("signing a signal failed", "signal", name, "error", err)
	}
	return token
}
