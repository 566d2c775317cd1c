package intake

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/internal/kv"
)

// DeadLetter is an event intake acknowledged but could not turn into a
// case: the route it came by, why, and a payload of the route's format that
// holds it alone, so it can be replayed once fixed.
type DeadLetter struct {
	ID         string          `json:"id"` // from the route and payload: a redelivery is the same letter
	Route      string          `json:"route"`
	ReceivedAt time.Time       `json:"received_at"`
	Kind       string          `json:"kind"`
	EventID    string          `json:"event_id,omitempty"`
	Reason     string          `json:"reason"`
	Payload    json.RawMessage `json:"payload"`
	// Replayed is set once a replay turned it into a case (or found one).
	Replayed   *time.Time `json:"replayed,omitempty"`
	ReplayedAs string     `json:"replayed_as,omitempty"`
}

// newDeadLetter names a failure of a delivery on route.
func newDeadLetter(route string, f Failure, at time.Time) DeadLetter {
	sum := sha256.Sum256(append([]byte(route+"\n"+f.Kind+"\n"), f.Payload...))
	return DeadLetter{ID: hex.EncodeToString(sum[:16]), Route: route, ReceivedAt: at.UTC(), Kind: f.Kind,
		EventID: f.ID, Reason: f.Reason, Payload: f.Payload}
}

// ErrNoDeadLetter is a dead-letter id that names none.
var ErrNoDeadLetter = errors.New("no such dead letter")

// DeadLetters keeps dead letters in the shared store: every put and every
// replay is written before the delivery is answered, so an acknowledged
// event is kept whatever happens next. Intake replicas put into it and the
// operator's CLI reads and replays from it.
type DeadLetters struct{ store *kv.Store }

// deadLetterTable is the shared store's table of dead letters.
const deadLetterTable = "intake_dead_letters"

// NewDeadLetters keeps dead letters in store.
func NewDeadLetters(store *kv.Store) *DeadLetters { return &DeadLetters{store: store} }

// Put keeps letters; one already kept (a redelivery) is kept once, as it
// was first kept.
func (d *DeadLetters) Put(ctx context.Context, letters ...DeadLetter) error {
	for _, l := range letters {
		if _, err := d.store.Add(ctx, deadLetterTable, l.ID, l, time.Time{}); err != nil {
			return fmt.Errorf("keep dead letter: %w", err)
		}
	}
	return nil
}

// MarkReplayed records that letter id became (or joined) the case caseID.
func (d *DeadLetters) MarkReplayed(ctx context.Context, id, caseID string, at time.Time) error {
	l, err := d.Get(ctx, id)
	if err != nil {
		return err
	}
	at = at.UTC()
	l.Replayed, l.ReplayedAs = &at, caseID
	if err := d.store.Put(ctx, deadLetterTable, id, l, time.Time{}); err != nil {
		return fmt.Errorf("mark dead letter replayed: %w", err)
	}
	return nil
}

// Get returns one letter.
func (d *DeadLetters) Get(ctx context.Context, id string) (DeadLetter, error) {
	var l DeadLetter
	ok, err := d.store.Get(ctx, deadLetterTable, id, &l)
	switch {
	case err != nil:
		return DeadLetter{}, fmt.Errorf("read dead letter: %w", err)
	case !ok:
		return DeadLetter{}, fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	return l, nil
}

// List returns the letters, oldest first; with all false, only those not
// replayed yet.
func (d *DeadLetters) List(ctx context.Context, all bool) ([]DeadLetter, error) {
	letters, err := kv.All[DeadLetter](ctx, d.store, deadLetterTable)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	if !all {
		letters = slices.DeleteFunc(letters, func(l DeadLetter) bool { return l.Replayed != nil })
	}
	slices.SortFunc(letters, func(a, b DeadLetter) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return letters, nil
}
