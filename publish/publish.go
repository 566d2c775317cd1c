// Package publish sends replies back to the platforms: what a reply is, the
// publishers' configuration, the private-channel rule and the errors a
// publisher returns. The sandbox outbox is the default: it appends every
// reply to a file so a demo never posts for real. The real platforms, over
// HTTP, are in the subpackage platform.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/post"
)

// Reply is a message to publish on a platform.
type Reply struct {
	CaseID    string `json:"case_id"`
	Platform  string `json:"platform"`
	Property  string `json:"property"`
	InReplyTo string `json:"in_reply_to"` // the platform id of the customer's post
	AuthorID  string `json:"author_id"`   // the customer, for private messages
	Text      string `json:"text"`
	Private   bool   `json:"private"` // send as a private/direct message
	// InReplyToPrivate says the customer's post arrived as a private
	// message (post.Post.Private): a private reply continues that
	// conversation, where otherwise it answers a public comment privately.
	InReplyToPrivate bool `json:"in_reply_to_private,omitempty"`
	// Intent is the case's intent and PrivateMatter its routing's private
	// flag (or personal data found by triage): with either an account
	// matter, the private-channel rule limits a public reply to an
	// invitation to a private message (see CheckPublic).
	Intent        string `json:"intent,omitempty"`
	PrivateMatter bool   `json:"private_matter,omitempty"`
	// IdempotencyKey is the same on every retry of one reply, so a retried
	// activity never posts twice.
	IdempotencyKey string `json:"idempotency_key"`
	// Retry says an earlier attempt may have run elsewhere (on another
	// worker, or before a crash): a real publisher looks for the reply on
	// the platform before posting it (SentStore.Publish).
	Retry bool `json:"retry,omitempty"`
}

// Receipt is the platform's answer: the id of the published message.
type Receipt struct {
	ID          string    `json:"id"`
	PublishedAt time.Time `json:"published_at"`
}

// Publisher publishes replies.
type Publisher interface {
	Publish(ctx context.Context, r Reply) (Receipt, error)
}

// Outbox is the sandbox publisher: it appends replies as JSON lines to a file
// and answers a repeated idempotency key with the first receipt.
type Outbox struct {
	file *jsonl.File
	mu   sync.Mutex
	sent map[string]Receipt
}

// OutboxEntry is one line of the outbox file.
type OutboxEntry struct {
	Reply
	Receipt Receipt `json:"receipt"`
}

// NewOutbox opens (creating if needed) the outbox file and loads the keys
// already sent, so idempotency survives a worker restart; lines it cannot
// use (torn by a crash) are skipped and logged.
func NewOutbox(path string, log *zap.Logger) (*Outbox, error) {
	o := &Outbox{sent: map[string]Receipt{}}
	skipped, err := readOutbox(path, func(e OutboxEntry) { o.sent[e.IdempotencyKey] = e.Receipt })
	if err != nil {
		return nil, err
	}
	jsonl.Warn(log, path, skipped)
	if o.file, err = jsonl.OpenAppend(path, true); err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	return o, nil
}

// Publish appends the reply unless its key was already sent.
func (o *Outbox) Publish(_ context.Context, r Reply) (Receipt, error) {
	if r.IdempotencyKey == "" {
		return Receipt{}, errors.New("publish: idempotency key is required")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if rec, ok := o.sent[r.IdempotencyKey]; ok {
		return rec, nil
	}
	rec := Receipt{ID: fmt.Sprintf("sandbox-%d", len(o.sent)+1), PublishedAt: time.Now().UTC()}
	if err := o.file.Append(OutboxEntry{Reply: r, Receipt: rec}); err != nil {
		return Receipt{}, fmt.Errorf("write outbox: %w", err)
	}
	o.sent[r.IdempotencyKey] = rec
	return rec, nil
}

// Close closes the outbox file.
func (o *Outbox) Close() error { return o.file.Close() }

// maxOutboxLine bounds a line of the outbox: a reply's text is at most
// post.MaxTextLength, JSON-escaped.
const maxOutboxLine = 8 * post.MaxTextLength

// ReadOutbox returns every reply in an outbox file (none if it is missing),
// leaving out lines a crash tore.
func ReadOutbox(path string) ([]OutboxEntry, error) {
	var out []OutboxEntry
	_, err := readOutbox(path, func(e OutboxEntry) { out = append(out, e) })
	return out, err
}

func readOutbox(path string, each func(OutboxEntry)) ([]jsonl.Skipped, error) {
	skipped, err := jsonl.Read(path, maxOutboxLine, func(line []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		each(e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", path, err)
	}
	return skipped, nil
}

// CheckPublic holds a public reply to the case's rule for what a public
// reply may say (casestate.CheckPublicReply). The case asked it when the
// agent replied; asking again here means no adapter publishes what the
// rule forbids, whoever called it.
func (r Reply) CheckPublic() error {
	if r.Private {
		return nil
	}
	if err := casestate.CheckPublicReply(r.Text, r.Intent, r.PrivateMatter); err != nil {
		return fmt.Errorf("public reply on %s: %w", r.CaseID, err)
	}
	return nil
}
