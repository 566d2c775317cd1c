package intake

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/internal/jsonl"
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

// DeadLetters keeps dead letters in a JSON-lines file (or in memory only):
// every put and every replay is a line, synced before the delivery is
// answered, so an acknowledged event is on disk whatever happens next.
// The intake server appends to it and the operator's CLI reads and replays
// from it; both only ever append, so they can share the file.
type DeadLetters struct {
	mu      sync.Mutex
	file    *jsonl.File
	letters map[string]DeadLetter
}

// maxDeadLetterLine bounds a line of the file: a payload is one event of a
// delivery, written as it came (no HTML escaping), and deliveries are
// bounded by intake.max_body_bytes, far below this.
const maxDeadLetterLine = 64 << 20

// NewDeadLetters keeps dead letters in memory only.
func NewDeadLetters() *DeadLetters { return &DeadLetters{letters: map[string]DeadLetter{}} }

// OpenDeadLetters loads the dead letters at path (creating the file if
// needed) and appends to it from then on.
func OpenDeadLetters(path string, log *zap.Logger) (*DeadLetters, error) {
	d := NewDeadLetters()
	skipped, err := jsonl.Read(path, maxDeadLetterLine, func(line []byte) error {
		var l DeadLetter
		if err := json.Unmarshal(line, &l); err != nil {
			return err
		}
		if l.ID == "" {
			return errors.New("no id")
		}
		d.letters[l.ID] = l // a later line (a replay) supersedes an earlier one
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dead letters %s: %w", path, err)
	}
	jsonl.Warn(log, path, skipped)
	if d.file, err = jsonl.OpenAppend(path, true); err != nil {
		return nil, fmt.Errorf("open dead letters: %w", err)
	}
	return d, nil
}

// Close closes the file, if any.
func (d *DeadLetters) Close() error {
	if d.file == nil {
		return nil
	}
	return d.file.Close()
}

// Put keeps letters, in one synced write; one already kept (a redelivery)
// is kept once.
func (d *DeadLetters) Put(letters ...DeadLetter) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var fresh []any
	for _, l := range letters {
		if _, ok := d.letters[l.ID]; !ok {
			fresh = append(fresh, l)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if d.file != nil {
		if err := d.file.Append(fresh...); err != nil {
			return fmt.Errorf("write dead letters: %w", err)
		}
	}
	for _, l := range fresh {
		d.letters[l.(DeadLetter).ID] = l.(DeadLetter)
	}
	return nil
}

// MarkReplayed records that letter id became (or joined) the case caseID.
func (d *DeadLetters) MarkReplayed(id, caseID string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.letters[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	at = at.UTC()
	l.Replayed, l.ReplayedAs = &at, caseID
	return d.write(l)
}

func (d *DeadLetters) write(l DeadLetter) error {
	if d.file != nil {
		if err := d.file.Append(l); err != nil {
			return fmt.Errorf("write dead letter: %w", err)
		}
	}
	d.letters[l.ID] = l
	return nil
}

// Get returns one letter.
func (d *DeadLetters) Get(id string) (DeadLetter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.letters[id]
	if !ok {
		return DeadLetter{}, fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
	}
	return l, nil
}

// List returns the letters, oldest first; with all false, only those not
// replayed yet.
func (d *DeadLetters) List(all bool) []DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]DeadLetter, 0, len(d.letters))
	for _, l := range d.letters {
		if all || l.Replayed == nil {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b DeadLetter) int {
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}
