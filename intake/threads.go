package intake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/post"
)

// ThreadIndex remembers, for every post intake has seen, the opening post of
// the case it belongs to. X's webhooks say only which post a post replies
// to, so a customer answering the company's reply names the reply, which is
// not a case; the index knows the reply belongs to the case the customer
// opened (it saw the company's reply come back as an echo), and the
// customer's answer joins that case.
//
// It lives in the shared store, so a follow-up joins its thread whichever
// intake replica the platform delivers it to. It is a cache: a lost entry
// only means a follow-up may open a case of its own.
type ThreadIndex struct{ store *kv.Store }

// threadTable is the shared store's table of the index.
const threadTable = "intake_threads"

// NewThreadIndex keeps the index in store.
func NewThreadIndex(store *kv.Store) *ThreadIndex { return &ThreadIndex{store: store} }

func threadKey(platform, id string) string { return platform + "/" + id }

// CaseRoot is the opening post of the case that post id belongs to.
func (x *ThreadIndex) CaseRoot(ctx context.Context, platform, id string) (string, bool, error) {
	var root string
	ok, err := x.store.Get(ctx, threadTable, threadKey(platform, id), &root)
	if err != nil {
		return "", false, fmt.Errorf("thread index: %w", err)
	}
	return root, ok, nil
}

// Remember records that post id belongs to the case opened by root.
func (x *ThreadIndex) Remember(ctx context.Context, platform, id, root string) error {
	if id == "" || root == "" {
		return nil
	}
	if err := x.store.Put(ctx, threadTable, threadKey(platform, id), root, time.Time{}); err != nil {
		return fmt.Errorf("thread index: %w", err)
	}
	return nil
}

// Follow links a post that opens no case (the company's reply) to the case
// of the post it replies to, if that is known.
func (x *ThreadIndex) Follow(ctx context.Context, l Link) error {
	root, ok, err := x.CaseRoot(ctx, l.Platform, l.Parent)
	if !ok || err != nil {
		return err
	}
	return x.Remember(ctx, l.Platform, l.ID, root)
}

// Resolve points a post at the case its thread belongs to, when the index
// knows the post it replies to.
func (x *ThreadIndex) Resolve(ctx context.Context, p *post.Post) error {
	ref := p.ThreadRoot()
	if ref == "" {
		return nil
	}
	root, ok, err := x.CaseRoot(ctx, p.Platform, ref)
	if ok && root != p.ID {
		p.ThreadID = root
	}
	return err
}

// Record remembers the case a submitted post ended up in, by the platform
// id of the post that opened it.
func (x *ThreadIndex) Record(ctx context.Context, p post.Post, out caseapi.Outcome) error {
	root := p.ID
	if out.CaseID != p.CaseID() { // joined another case
		root = p.ThreadRoot()
		if out.CaseID != post.CaseID(p.Platform, root) { // not by its thread: a private message
			// The case id holds its opening post's id unless that id had
			// to be hashed (post.WorkflowSafe), which cannot be undone.
			kept, ok := strings.CutPrefix(out.CaseID, post.CaseID(p.Platform, ""))
			if !ok || post.WorkflowSafe(kept) != kept {
				return nil
			}
			root = kept
		}
	}
	return x.Remember(ctx, p.Platform, p.ID, root)
}
