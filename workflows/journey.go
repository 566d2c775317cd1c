package workflows

import (
	"encoding/json"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Names of the journey's messages.
const (
	JourneyWorkflowName = "CustomerJourney"
	SignalCaseUpdate    = "case-update" // case → journey: where the case stands
	SignalMergeInto     = "merge-into"  // this identity joins another customer's journey
	SignalAbsorb        = "absorb"      // a merged identity's index
	UpdateLink          = "link"        // an agent links another identity here
	QueryJourney        = "journey"
)

// JourneyID is the workflow id of a customer identity's journey.
func JourneyID(customerID string) string { return "journey/" + post.WorkflowSafe(customerID) }

// MemoIdentity is the memo key under which a journey keeps its
// journey.Identity, so a new post finds the customer's primary journey and
// linked handles with a describe (no worker, no billable query).
const MemoIdentity = "identity"

// NewJourney is a new journey's memo and input, given at its start: the
// input says what the memo shows, so the journey never decodes its memo
// (which the client's data converter, perhaps with a codec, encoded).
func NewJourney(customerID string) (memo map[string]any, in JourneyInput) {
	who := journey.Identity{CustomerID: customerID}
	return map[string]any{MemoIdentity: who}, JourneyInput{Index: journey.Index{Identity: who}, Memo: &who}
}

// JourneyInput starts (or continues) a journey.
type JourneyInput struct {
	// Index is the journey's state; "journey" is its name since journeys
	// carried every step (journey.Index reads that shape too).
	Index journey.Index `json:"journey"`
	// Memo is what the journey's memo shows, so the journey never decodes
	// a payload the client's data converter (perhaps with a codec)
	// encoded; a journey started without it writes its memo once.
	Memo *journey.Identity `json:"memo,omitempty"`
	// Seen are the signal tokens taken, kept out of the next run too.
	Seen []assertion.Seen `json:"seen,omitempty"`
	// EventsPerRun bounds the signals one run takes before continuing as
	// new, keeping each run's history small; 0 means DefaultEventsPerRun.
	EventsPerRun int `json:"events_per_run,omitempty"`
}

// DefaultEventsPerRun keeps a journey run's history well under Temporal's
// limits even with large milestones.
const DefaultEventsPerRun = 500

// LinkRequest links another identity into this journey.
type LinkRequest struct {
	Actor    policy.Actor `json:"actor"`
	Identity string       `json:"identity"`
	Proof    string       `json:"proof,omitempty"` // that Actor asks this (package assertion)
}

// MergeInto tells an identity's journey that it belongs to Primary now.
type MergeInto struct {
	Primary string `json:"primary"`
	Proof   string `json:"proof,omitempty"` // that an agent's link was verified (package assertion)
}

// CaseReport is a case's report to its customer's journey: the update,
// flat as it always was, and the proof that a case sent it (or the
// merged journey that forwards it).
type CaseReport struct {
	journey.CaseUpdate
	Proof string `json:"proof,omitempty"`
}

// Absorbed is a merged identity's index, sent to the primary journey by
// the merged one: the index, flat as it always was, and its proof.
type Absorbed struct {
	journey.Index
	Proof string `json:"proof,omitempty"`
}

// UnmarshalJSON reads the index with its own decoder (which the embedded
// index would otherwise lend the whole struct, dropping the proof).
func (a *Absorbed) UnmarshalJSON(b []byte) error {
	var proof struct {
		Proof string `json:"proof"`
	}
	if err := json.Unmarshal(b, &proof); err != nil {
		return err
	}
	a.Proof = proof.Proof
	return a.Index.UnmarshalJSON(b)
}

// Journey is one customer identity's journey. Cases report
// where they stand here; a merged identity forwards everything to the
// journey it was linked into.
func (w *Workflows) Journey(ctx workflow.Context, in JourneyInput) (journey.Index, error) {
	r := &journeyRun{w: w, in: in, j: in.Index, limit: in.EventsPerRun, memo: newIdentityMemo(in.Memo), signals: w.newSignalGate(in.Seen)}
	if r.limit <= 0 {
		r.limit = DefaultEventsPerRun
	}
	if err := r.setup(ctx); err != nil {
		return r.j, err
	}
	return r.run(ctx)
}

type journeyRun struct {
	w       *Workflows
	in      JourneyInput
	j       journey.Index
	limit   int // signals and links a run takes before it continues as new
	taken   int
	memo    *identityMemo
	signals *signalGate
	updates workflow.ReceiveChannel
	merges  workflow.ReceiveChannel
	absorbs workflow.ReceiveChannel
}

func (r *journeyRun) setup(ctx workflow.Context) error {
	r.updates = workflow.GetSignalChannel(ctx, SignalCaseUpdate)
	r.merges = workflow.GetSignalChannel(ctx, SignalMergeInto)
	r.absorbs = workflow.GetSignalChannel(ctx, SignalAbsorb)
	if err := workflow.SetQueryHandler(ctx, QueryJourney, func() (journey.Index, error) { return r.j, nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateLink,
		func(ctx workflow.Context, l LinkRequest) (journey.Index, error) {
			r.j.Link(l.Identity)
			r.taken++
			return r.j, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, l LinkRequest) error {
			unsigned := l
			unsigned.Proof = ""
			if err := r.w.verifyActor(ctx, l.Proof, l.Actor, unsigned); err != nil {
				return err
			}
			return r.j.CheckLink(l.Identity)
		}},
	)
}

func (r *journeyRun) run(ctx workflow.Context) (journey.Index, error) {
	for {
		if err := r.memo.show(ctx, &r.j); err != nil {
			return r.j, err
		}
		if err := workflow.Await(ctx, func() bool {
			return r.updates.Len() > 0 || r.merges.Len() > 0 || r.absorbs.Len() > 0 || r.taken >= r.limit || r.memo.stale(&r.j)
		}); err != nil {
			return r.j, err
		}
		r.drain(ctx)
		if r.taken >= r.limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			// Nothing may be lost across the hand-over: finish in-flight
			// updates, take every buffered signal, then continue.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return r.j, err
			}
			r.drain(ctx)
			if err := r.memo.show(ctx, &r.j); err != nil {
				return r.j, err
			}
			return r.j, workflow.NewContinueAsNewError(ctx, JourneyWorkflowName,
				JourneyInput{Index: r.j, Memo: r.memo.carried(), Seen: r.signals.seen, EventsPerRun: r.in.EventsPerRun})
		}
	}
}

// drain takes every signal waiting: a case's report, a merge into another
// journey, another journey absorbed. Once merged, what belongs to the
// primary is forwarded there.
func (r *journeyRun) drain(ctx workflow.Context) {
	for {
		var u CaseReport
		var m MergeInto
		var other Absorbed
		switch {
		case r.updates.ReceiveAsync(&u):
			proof := u.Proof
			u.Proof = ""
			switch {
			case !r.signals.admit(ctx, SignalCaseUpdate, proof, u):
			case r.j.MergedInto != "":
				r.forward(ctx, SignalCaseUpdate, func(proof string) any { return CaseReport{CaseUpdate: u.CaseUpdate, Proof: proof} })
			default:
				r.j.Record(u.CaseUpdate)
			}
		case r.merges.ReceiveAsync(&m):
			proof := m.Proof
			m.Proof = ""
			if r.signals.admit(ctx, SignalMergeInto, proof, m) && r.j.MergedInto == "" && m.Primary != r.j.CustomerID {
				r.j.MergedInto = m.Primary
				merged := r.j
				r.forward(ctx, SignalAbsorb, func(proof string) any { return Absorbed{Index: merged, Proof: proof} })
			}
		case r.absorbs.ReceiveAsync(&other):
			proof := other.Proof
			other.Proof = ""
			switch {
			case !r.signals.admit(ctx, SignalAbsorb, proof, other):
			case r.j.MergedInto != "":
				r.forward(ctx, SignalAbsorb, func(proof string) any { return Absorbed{Index: other.Index, Proof: proof} })
			default:
				r.j.Absorb(other.Index)
			}
		default:
			return
		}
		r.taken++
	}
}

// forward signs, as this journey, what belongs to the primary now.
func (r *journeyRun) forward(ctx workflow.Context, name string, signed func(proof string) any) {
	primary := JourneyID(r.j.MergedInto)
	arg := signed(r.w.signSignal(ctx, SenderJourney, primary, name, signed("")))
	if err := workflow.SignalExternalWorkflow(ctx, primary, "", name, arg).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("forward to merged journey failed", "primary", r.j.MergedInto, "error", err)
	}
}

// identityMemo keeps the journey's memo in step with its identity: upserted
// only when it changed (a link, a merge), and carried into the next run by
// continue-as-new. A run that was not told what its memo shows writes it
// once.
type identityMemo struct {
	known bool
	shown journey.Identity
}

func newIdentityMemo(shown *journey.Identity) *identityMemo {
	if shown == nil {
		return &identityMemo{}
	}
	return &identityMemo{known: true, shown: shown.Clone()}
}

func (m *identityMemo) stale(j *journey.Index) bool {
	return !m.known || !j.Identity.Equal(m.shown)
}

func (m *identityMemo) show(ctx workflow.Context, j *journey.Index) error {
	if !m.stale(j) {
		return nil
	}
	m.known, m.shown = true, j.Identity.Clone()
	return workflow.UpsertMemo(ctx, map[string]any{MemoIdentity: m.shown})
}

// carried is what the next run is told its memo shows.
func (m *identityMemo) carried() *journey.Identity {
	if !m.known {
		return nil
	}
	shown := m.shown.Clone()
	return &shown
}
