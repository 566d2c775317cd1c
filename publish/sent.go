package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/internal/jsonl"
)

// SentStore makes publishing to a real platform idempotent. Meta's and X's
// endpoints for replies and messages take no idempotency key, so the store
// records, in a file, each key's state around the request:
//
//   - pending is written before the request is sent,
//   - sent (with the receipt) once the platform answered 2xx,
//   - failed once it is certain nothing was posted: the request was never
//     written, or the platform answered with an error status.
//
// A retry of a sent key returns the first receipt without a request. A key
// left pending (the request went out, and then the connection broke or the
// worker died before the answer was recorded) may or may not have posted;
// it is never sent again automatically: publishing it returns
// UnknownOutcomeError until a person checks the platform and calls Resolve.
// So real publishing is at most once. The remaining at-least-once window is
// a platform that answers 5xx after all having posted: that key is marked
// failed and a retry posts again (X refuses an identical text from the same
// account as a duplicate, Meta does not).
//
// One store belongs to one worker process, and a retry may run on another
// worker, whose store never saw the first attempt. So a retry (Reply.Retry)
// and a key left pending first look for the reply on the platform (find:
// the brand's own replies to the same post, or in the same conversation,
// with the same text): found, it is recorded as sent and not posted again.
// What remains is a platform whose listing lags behind a post it accepted
// (seconds, in practice): a retry inside that lag posts again. Where a
// platform offers no such listing (Meta's private replies), a pending key
// stays an UnknownOutcomeError for a person, and a retry on another worker
// posts again.
type SentStore struct {
	mu       sync.Mutex
	path     string
	state    map[string]sentEntry
	inFlight map[string]bool
	file     *jsonl.File // durable: every line synced before it counts
}

// The states of a key.
const (
	statePending = "pending"
	stateSent    = "sent"
	stateFailed  = "failed"
)

type sentEntry struct {
	Key      string    `json:"key"`
	State    string    `json:"state"`
	CaseID   string    `json:"case_id,omitempty"`
	Platform string    `json:"platform,omitempty"`
	Receipt  Receipt   `json:"receipt,omitzero"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

// UnknownOutcomeError is a reply whose request reached the platform without
// its answer being recorded: it may be live. It is not sent again; check
// the platform, then SentStore.Resolve the key.
type UnknownOutcomeError struct {
	Key   string
	Cause string
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("reply %s may already be published (%s); it is not sent again: check the platform, then resolve the key as sent or failed", e.Key, e.Cause)
}

// ErrInFlight is a second publish of a key while the first is still
// waiting for the platform; retry later.
var ErrInFlight = errors.New("this reply is being published right now")

// maxSentLine bounds a line of the store: a key, a receipt and an error
// message are far shorter.
const maxSentLine = 64 << 10

// OpenSentStore loads (creating if needed) the store at path. A line that
// does not decode can only be the record a crash tore while it was being
// written, which was never acted on: it is skipped and logged.
func OpenSentStore(path string, log *zap.Logger) (*SentStore, error) {
	s := &SentStore{path: path, state: map[string]sentEntry{}, inFlight: map[string]bool{}}
	skipped, err := jsonl.Read(path, maxSentLine, func(line []byte) error {
		var e sentEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		s.state[e.Key] = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sent store: %w", err)
	}
	jsonl.Warn(log, path, skipped)
	if s.file, err = jsonl.OpenAppend(path, true); err != nil {
		return nil, fmt.Errorf("open sent store: %w", err)
	}
	return s, nil
}

// Close closes the file.
func (s *SentStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file.Close()
}

// write appends an entry and syncs it: a pending mark must be on disk
// before the request leaves, or a crash could forget it.
func (s *SentStore) write(e sentEntry) error {
	e.At = time.Now().UTC()
	if err := s.file.Append(e); err != nil {
		return fmt.Errorf("write sent store: %w", err)
	}
	s.state[e.Key] = e
	return nil
}

// Publish runs send at most once per idempotency key (see SentStore). send
// reports whether nothing was posted by returning an error that wraps
// errNotSent or an *APIError; any other error leaves the outcome unknown.
// find, if not nil, looks for the reply on the platform.
func (s *SentStore) Publish(ctx context.Context, r Reply, send func(context.Context) (Receipt, error), find func(context.Context) (Receipt, bool, error)) (Receipt, error) {
	key := r.IdempotencyKey
	if key == "" {
		return Receipt{}, errors.New("publish: idempotency key is required")
	}
	s.mu.Lock()
	prev, seen := s.state[key]
	switch {
	case s.inFlight[key]:
		s.mu.Unlock()
		return Receipt{}, ErrInFlight
	case seen && prev.State == stateSent:
		s.mu.Unlock()
		return prev.Receipt, nil
	case seen && prev.State == statePending && find == nil:
		s.mu.Unlock()
		return Receipt{}, &UnknownOutcomeError{Key: key, Cause: "an earlier attempt sent the request and its answer was never recorded"}
	}
	if find != nil && (r.Retry || (seen && prev.State == statePending)) {
		s.inFlight[key] = true
		s.mu.Unlock()
		rec, found, err := find(ctx)
		s.mu.Lock()
		delete(s.inFlight, key)
		switch {
		case err != nil:
			s.mu.Unlock()
			return Receipt{}, fmt.Errorf("look for reply %s on %s before posting it again: %w", key, r.Platform, err)
		case found:
			err := s.write(sentEntry{Key: key, State: stateSent, CaseID: r.CaseID, Platform: r.Platform, Receipt: rec})
			s.mu.Unlock()
			return rec, err
		}
	}
	if err := s.write(sentEntry{Key: key, State: statePending, CaseID: r.CaseID, Platform: r.Platform}); err != nil {
		s.mu.Unlock()
		return Receipt{}, err // nothing sent: safe to retry
	}
	s.inFlight[key] = true
	s.mu.Unlock()

	rec, err := send(ctx)

	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inFlight, key)
	var apiErr *APIError
	switch {
	case err == nil:
		if werr := s.write(sentEntry{Key: key, State: stateSent, CaseID: r.CaseID, Platform: r.Platform, Receipt: rec}); werr != nil {
			// Posted, but not recorded: the key stays pending on disk,
			// so a retry reports an unknown outcome rather than posting
			// again. This attempt succeeded all the same.
			s.state[key] = sentEntry{Key: key, State: stateSent, Receipt: rec}
		}
		return rec, nil
	case errors.Is(err, errNotSent) || errors.As(err, &apiErr):
		_ = s.write(sentEntry{Key: key, State: stateFailed, CaseID: r.CaseID, Platform: r.Platform, Error: err.Error()})
		return Receipt{}, err
	case find != nil: // the retry looks on the platform first
		return Receipt{}, fmt.Errorf("reply %s may be published (%w); a retry looks for it on %s before posting it", key, err, r.Platform)
	default:
		return Receipt{}, &UnknownOutcomeError{Key: key, Cause: err.Error()}
	}
}

// Resolve settles a key after a person has checked the platform: with a
// receipt id it is recorded as sent (retries return it); with "" as
// failed, so the next retry posts it.
func (s *SentStore) Resolve(key, receiptID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight[key] {
		return ErrInFlight
	}
	if receiptID == "" {
		return s.write(sentEntry{Key: key, State: stateFailed, Error: "resolved as not published"})
	}
	return s.write(sentEntry{Key: key, State: stateSent, Receipt: Receipt{ID: receiptID, PublishedAt: time.Now().UTC()}})
}

// Pending lists the keys whose outcome is unknown, for a person to resolve.
func (s *SentStore) Pending() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k, e := range s.state {
		if e.State == statePending && !s.inFlight[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
