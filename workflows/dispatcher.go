package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/policy"
)

// Names of the dispatcher's messages.
const (
	DispatcherWorkflowName = "Dispatcher"
	SignalQueueEvent       = "queue-event" // case → dispatcher
	UpdateShift            = "shift"       // agent on/off shift
	QueryBoard             = "board"
	SignalAssign           = "assign"   // dispatcher → case
	SignalUnassign         = "unassign" // dispatcher → case
)

// DispatcherID is the workflow id of a department's dispatcher.
func DispatcherID(dept string) string { return "dispatcher/" + dept }

// Queue event kinds: where a case stands for its department's dispatcher.
const (
	QueueQueued  = "queued"
	QueueClaimed = "claimed"
	QueueGone    = "gone"
)

// QueueEvent tells a dispatcher where a case stands now.
type QueueEvent struct {
	Kind     string          `json:"kind"`
	CaseID   string          `json:"case_id"`
	Priority policy.Priority `json:"priority,omitempty"`
	At       time.Time       `json:"at"`
	Agent    string          `json:"agent,omitempty"`
	Proof    string          `json:"proof,omitempty"` // that a case sends it (package assertion)
}

// DispatchRequest is the case's message for its department's dispatcher,
// with what is needed to start the dispatcher if it is not running.
type DispatchRequest struct {
	Department string     `json:"department"`
	Mode       string     `json:"mode"`
	Event      QueueEvent `json:"event"`
}

// ShiftRequest puts an agent on or off shift.
type ShiftRequest struct {
	Actor    policy.Actor `json:"actor"`
	Agent    string       `json:"agent"`
	Capacity int          `json:"capacity"`
	On       bool         `json:"on"`
	Proof    string       `json:"proof,omitempty"` // that Actor asks this (package assertion)
}

// CaseAssignment is the dispatcher's signal to a case.
type CaseAssignment struct {
	Department string `json:"department,omitempty"` // whose dispatcher dealt it
	Agent      string `json:"agent"`
	Mode       string `json:"mode,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Proof      string `json:"proof,omitempty"` // that the dispatcher sends it (package assertion)
}

func (a CaseAssignment) unsigned() CaseAssignment {
	a.Proof = ""
	return a
}

// DispatcherInput starts (or continues) a dispatcher with its board, and
// the assignments of agents gone off shift whose cases it has yet to tell.
type DispatcherInput struct {
	Board    dispatch.Board        `json:"board"`
	Released []dispatch.Assignment `json:"released,omitempty"`
	Seen     []assertion.Seen      `json:"seen,omitempty"` // queue event tokens taken, kept out of the next run too
}

// Dispatcher deals one department's queued cases to its agents on
// shift. It lives as long as the department; it continues as new before its
// history grows large, carrying the board.
func (w *Workflows) Dispatcher(ctx workflow.Context, in DispatcherInput) error {
	board, released := in.Board, in.Released
	events := workflow.GetSignalChannel(ctx, SignalQueueEvent)
	changed := false
	if err := workflow.SetQueryHandler(ctx, QueryBoard, func() (dispatch.Board, error) { return board, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateShift,
		func(ctx workflow.Context, r ShiftRequest) (dispatch.Board, error) {
			for _, id := range board.Shift(r.Agent, r.Capacity, r.On) {
				released = append(released, dispatch.Assignment{CaseID: id, Agent: r.Agent})
			}
			changed = true
			return board, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r ShiftRequest) error {
			unsigned := r
			unsigned.Proof = ""
			if err := w.verifyActor(ctx, r.Proof, r.Actor, unsigned); err != nil {
				return err
			}
			return dispatch.CheckShift(board.Department, r.Actor, r.Agent)
		}},
	); err != nil {
		return err
	}
	signals := w.newSignalGate(in.Seen)
	take := func() {
		receiveEach(events, func(ev QueueEvent) {
			unsigned := ev
			unsigned.Proof = ""
			if !signals.admit(ctx, SignalQueueEvent, ev.Proof, unsigned) {
				return
			}
			switch ev.Kind {
			case QueueQueued:
				board.Queued(dispatch.Entry{CaseID: ev.CaseID, Priority: ev.Priority, QueuedAt: ev.At})
			case QueueClaimed:
				board.Claimed(ev.CaseID, ev.Agent)
			case QueueGone:
				board.Gone(ev.CaseID)
			}
		})
	}
	for {
		// Before this pass reads the board: a shift that lands while it
		// waits below must bring another pass.
		changed = false
		take()
		var sent []workflow.Future
		var to []string
		tell := func(caseID, name string, a CaseAssignment) {
			a.Proof = w.signSignal(ctx, SenderDispatcher, caseID, name, a)
			sent = append(sent, workflow.SignalExternalWorkflow(ctx, caseID, "", name, a))
			to = append(to, caseID)
		}
		for _, r := range released { // off shift: their cases come back through the queue
			tell(r.CaseID, SignalUnassign, CaseAssignment{Department: board.Department, Agent: r.Agent, Reason: "went off shift"})
		}
		released = nil
		for _, a := range board.Deal() {
			tell(a.CaseID, SignalAssign, CaseAssignment{Department: board.Department, Agent: a.Agent, Mode: board.Mode})
		}
		for i, f := range sent {
			if err := f.Get(ctx, nil); err != nil { // the case has completed
				board.Gone(to[i])
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && events.Len() == 0 {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			// What came in while the handlers finished goes to the next run:
			// queue events onto the board, cases to release as they are.
			take()
			return workflow.NewContinueAsNewError(ctx, DispatcherWorkflowName, DispatcherInput{Board: board, Released: released, Seen: signals.seen})
		}
		if err := workflow.Await(ctx, func() bool { return events.Len() > 0 || changed }); err != nil {
			return err
		}
	}
}
