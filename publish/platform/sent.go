package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/publish"
)

// SentStore makes publishing to a real platform idempotent. Meta's and X's
// endpoints for replies and messages take no idempotency key, so the store
// records, in the shared store, each key's state around the request:
//
//   - pending is written before the request is sent, as a claim: of
//     workers publishing one key at once, one wins and the others are told
//     ErrInFlight, until the claim lapses (NewSentStore);
//   - sent (with the receipt) once the platform answered 2xx;
//   - failed once it is certain nothing was posted: the request was never
//     written, or the platform answered with an error status.
//
// A retry of a sent key returns the first receipt without a request, on
// whichever worker it runs: every replica reads one store. A key left
// pending (the request went out, and then the connection broke or the
// worker died before the answer was recorded) may or may not have posted.
// Where the platform can be searched (find: the brand's own replies to the
// same post, or in the same conversation, with the same text), the retry
// looks before posting again: found, it is recorded as sent. Where it
// cannot (Meta's private replies), the key is never sent again
// automatically: publishing it returns UnknownOutcomeError until a person
// checks the platform and calls Resolve. So real publishing is at most
// once. What remains at least once: a platform that answers 5xx after all
// having posted (marked failed, and a retry posts again: X refuses an
// identical text from the same account as a duplicate, Meta does not), and
// a platform whose listing lags behind a post it accepted (seconds, in
// practice) when a retry runs inside that lag.
type SentStore struct {
	store    *kv.Store
	claimFor time.Duration
	now      func() time.Time
}

// sentTable is the shared store's table of the sent store.
const sentTable = "publish_sent"

// The states of a key.
const (
	statePending = "pending"
	stateSent    = "sent"
	stateFailed  = "failed"
)

// keepSettled is how long a settled key (sent or failed) is remembered:
// far longer than a publish is retried. A pending key whose outcome is
// unknown is kept until a person resolves it.
const keepSettled = 30 * 24 * time.Hour

type sentEntry struct {
	Key      string          `json:"key"`
	State    string          `json:"state"`
	CaseID   string          `json:"case_id,omitempty"`
	Platform string          `json:"platform,omitempty"`
	Receipt  publish.Receipt `json:"receipt,omitzero"`
	Error    string          `json:"error,omitempty"`
	// InFlightUntil is when a pending claim lapses; zero once the attempt
	// that made it has ended without knowing whether it posted.
	InFlightUntil time.Time `json:"in_flight_until,omitzero"`
	At            time.Time `json:"at"`
}

func (e sentEntry) inFlight(now time.Time) bool {
	return e.State == statePending && now.Before(e.InFlightUntil)
}

// ErrInFlight is a second publish of a key while the first is still
// waiting for the platform; retry later.
var ErrInFlight = errors.New("this reply is being published right now")

// NewSentStore keeps the sent store in store. A claim holds a key against
// other workers for three platform requests (requestTimeout each: a
// look-up, the post, and a margin): a worker that died holding one frees
// the key when it runs out.
func NewSentStore(store *kv.Store, requestTimeout time.Duration) *SentStore {
	return &SentStore{store: store, claimFor: 3 * requestTimeout, now: time.Now}
}

// put records e as the key's state.
func (s *SentStore) put(ctx context.Context, e sentEntry) error {
	e.At = s.now().UTC()
	var expires time.Time
	if e.State != statePending {
		expires = e.At.Add(keepSettled)
	}
	if err := s.store.Put(ctx, sentTable, e.Key, e, expires); err != nil {
		return fmt.Errorf("write sent store: %w", err)
	}
	return nil
}

// claim marks the key pending by this attempt, if it is still as prev
// left it (seen says whether there was a record); false: another attempt
// claimed it first.
func (s *SentStore) claim(ctx context.Context, r publish.Reply, prev sentEntry, seen bool) (sentEntry, bool, error) {
	now := s.now().UTC()
	c := sentEntry{Key: r.IdempotencyKey, State: statePending, CaseID: r.CaseID, Platform: r.Platform, InFlightUntil: now.Add(s.claimFor), At: now}
	var won bool
	var err error
	if seen {
		won, err = s.store.Replace(ctx, sentTable, c.Key, prev, c, time.Time{})
	} else {
		won, err = s.store.Add(ctx, sentTable, c.Key, c, time.Time{})
	}
	if err != nil {
		return c, false, fmt.Errorf("claim reply %s in the sent store: %w", c.Key, err)
	}
	return c, won, nil
}

// Publish runs send at most once per idempotency key (see SentStore). send
// reports whether nothing was posted by returning an error that wraps
// errNotSent or an *APIError; any other error leaves the outcome unknown.
// find, if not nil, looks for the reply on the platform.
func (s *SentStore) Publish(ctx context.Context, r publish.Reply, send func(context.Context) (publish.Receipt, error), find func(context.Context) (publish.Receipt, bool, error)) (publish.Receipt, error) {
	key := r.IdempotencyKey
	if key == "" {
		return publish.Receipt{}, errors.New("publish: idempotency key is required")
	}
	var prev sentEntry
	seen, err := s.store.Get(ctx, sentTable, key, &prev)
	if err != nil {
		return publish.Receipt{}, fmt.Errorf("read sent store: %w", err) // nothing sent: safe to retry
	}
	switch {
	case seen && prev.State == stateSent:
		return prev.Receipt, nil
	case seen && prev.inFlight(s.now()):
		return publish.Receipt{}, ErrInFlight
	case seen && prev.State == statePending && find == nil:
		return publish.Receipt{}, &publish.UnknownOutcomeError{Key: key, Cause: "an earlier attempt sent the request and its answer was never recorded"}
	}
	claim, won, err := s.claim(ctx, r, prev, seen)
	if err != nil {
		return publish.Receipt{}, err // nothing sent: safe to retry
	}
	if !won {
		return publish.Receipt{}, ErrInFlight
	}
	if find != nil && (r.Retry || (seen && prev.State == statePending)) {
		rec, found, err := find(ctx)
		switch {
		case err != nil:
			// Nothing posted: the key goes back as it was, so the next
			// retry looks again.
			s.giveBack(ctx, claim, prev, seen)
			return publish.Receipt{}, fmt.Errorf("look for reply %s on %s before posting it again: %w", key, r.Platform, err)
		case found:
			return rec, s.put(ctx, sentEntry{Key: key, State: stateSent, CaseID: r.CaseID, Platform: r.Platform, Receipt: rec})
		}
	}

	rec, err := send(ctx)

	var apiErr *publish.APIError
	switch {
	case err == nil:
		// Posted. If it cannot be recorded, the key stays pending, so a
		// retry looks on the platform or reports an unknown outcome
		// rather than posting again; this attempt succeeded all the same.
		_ = s.put(ctx, sentEntry{Key: key, State: stateSent, CaseID: r.CaseID, Platform: r.Platform, Receipt: rec})
		return rec, nil
	case errors.Is(err, errNotSent) || errors.As(err, &apiErr):
		_ = s.put(ctx, sentEntry{Key: key, State: stateFailed, CaseID: r.CaseID, Platform: r.Platform, Error: err.Error()})
		return publish.Receipt{}, err
	}
	// The outcome is unknown: the key stays pending, no longer in flight.
	_ = s.put(ctx, sentEntry{Key: key, State: statePending, CaseID: r.CaseID, Platform: r.Platform, Error: err.Error()})
	if find != nil { // the retry looks on the platform first
		return publish.Receipt{}, fmt.Errorf("reply %s may be published (%w); a retry looks for it on %s before posting it", key, err, r.Platform)
	}
	return publish.Receipt{}, &publish.UnknownOutcomeError{Key: key, Cause: err.Error()}
}

// giveBack undoes a claim that posted nothing; if it cannot, the claim
// lapses on its own.
func (s *SentStore) giveBack(ctx context.Context, claim, prev sentEntry, seen bool) {
	if !seen {
		_ = s.store.Delete(ctx, sentTable, claim.Key)
		return
	}
	_, _ = s.store.Replace(ctx, sentTable, claim.Key, claim, prev, time.Time{})
}

// Resolve settles a key after a person has checked the platform: with a
// receipt id it is recorded as sent (retries return it); with "" as
// failed, so the next retry posts it.
func (s *SentStore) Resolve(ctx context.Context, key, receiptID string) error {
	var prev sentEntry
	seen, err := s.store.Get(ctx, sentTable, key, &prev)
	if err != nil {
		return fmt.Errorf("read sent store: %w", err)
	}
	now := s.now().UTC()
	if seen && prev.inFlight(now) {
		return ErrInFlight
	}
	e := sentEntry{Key: key, State: stateFailed, CaseID: prev.CaseID, Platform: prev.Platform, Error: "resolved as not published", At: now}
	if receiptID != "" {
		e = sentEntry{Key: key, State: stateSent, CaseID: prev.CaseID, Platform: prev.Platform, Receipt: publish.Receipt{ID: receiptID, PublishedAt: now}, At: now}
	}
	var done bool
	if seen { // unless a retry claimed it meanwhile
		done, err = s.store.Replace(ctx, sentTable, key, prev, e, now.Add(keepSettled))
	} else {
		done, err = s.store.Add(ctx, sentTable, key, e, now.Add(keepSettled))
	}
	switch {
	case err != nil:
		return fmt.Errorf("write sent store: %w", err)
	case !done:
		return ErrInFlight
	}
	return nil
}

// Pending lists the keys whose outcome is unknown, for a person to resolve.
func (s *SentStore) Pending(ctx context.Context) ([]string, error) {
	entries, err := kv.All[sentEntry](ctx, s.store, sentTable)
	if err != nil {
		return nil, fmt.Errorf("read sent store: %w", err)
	}
	now := s.now()
	var keys []string
	for _, e := range entries {
		if e.State == statePending && !e.inFlight(now) {
			keys = append(keys, e.Key)
		}
	}
	return keys, nil
}
