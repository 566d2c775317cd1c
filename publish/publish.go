// Package publish sends replies back to the platforms. The sandbox outbox is
// the default: it appends every reply to a file so a demo never posts for
// real.
package publish

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
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
	// invitation to a private message (see CheckPrivateChannel).
	Intent        string `json:"intent,omitempty"`
	PrivateMatter bool   `json:"private_matter,omitempty"`
	// IdempotencyKey is the same on every retry of one reply, so a retried
	// activity never posts twice.
	IdempotencyKey string `json:"idempotency_key"`
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
	path string
	mu   sync.Mutex
	sent map[string]Receipt
}

// OutboxEntry is one line of the outbox file.
type OutboxEntry struct {
	Reply
	Receipt Receipt `json:"receipt"`
}

// NewOutbox opens (creating if needed) the outbox file and loads the keys
// already sent, so idempotency survives a worker restart.
func NewOutbox(path string) (*Outbox, error) {
	o := &Outbox{path: path, sent: map[string]Receipt{}}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("outbox folder: %w", err)
	}
	entries, err := ReadOutbox(path)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		o.sent[e.IdempotencyKey] = e.Receipt
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
	line, err := json.Marshal(OutboxEntry{Reply: r, Receipt: rec})
	if err != nil {
		return Receipt{}, err
	}
	f, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return Receipt{}, fmt.Errorf("open outbox: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return Receipt{}, fmt.Errorf("write outbox: %w", err)
	}
	o.sent[r.IdempotencyKey] = rec
	return rec, nil
}

// ReadOutbox returns every reply in an outbox file (none if it is missing).
func ReadOutbox(path string) ([]OutboxEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	defer f.Close()
	var out []OutboxEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e OutboxEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("outbox %s line %d: %w", path, n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
