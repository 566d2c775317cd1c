package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/post"
)

// ThreadIndex remembers, for every post intake has seen, the opening post of
// the case it belongs to. X's webhooks say only which post a post replies
// to, so a customer answering the company's reply names the reply, which is
// not a case; the index knows the reply belongs to the case the customer
// opened (it saw the company's reply come back as an echo), and the
// customer's answer joins that case.
//
// With a file it survives restarts: every new entry is appended as a JSON
// line and the file is read back on open. It is a cache: a lost entry only
// means a follow-up may open a case of its own.
type ThreadIndex struct {
	mu    sync.Mutex
	roots map[threadKey]string
	file  *jsonl.File // nil: in memory only
}

type threadKey struct{ platform, id string }

type threadLine struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Root     string `json:"root"`
}

// NewThreadIndex keeps the index in memory only.
func NewThreadIndex() *ThreadIndex { return &ThreadIndex{roots: map[threadKey]string{}} }

// maxThreadLine bounds a line of the index file: three ids within
// post.MaxIDBytes, JSON-escaped, fit many times over.
const maxThreadLine = 64 << 10

// OpenThreadIndex loads the index from path (creating it if needed) and
// appends to it from then on. Lines it cannot use (torn by a crash, or
// written by a version without bounds on ids) are skipped and logged: a
// lost entry is harmless, refusing to start is not.
func OpenThreadIndex(path string, log *zap.Logger) (*ThreadIndex, error) {
	idx := NewThreadIndex()
	skipped, err := jsonl.Read(path, maxThreadLine, func(line []byte) error {
		var l threadLine
		if err := json.Unmarshal(line, &l); err != nil {
			return err
		}
		if l.ID == "" || l.Root == "" {
			return errors.New("no id or root")
		}
		idx.roots[threadKey{l.Platform, l.ID}] = l.Root
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read thread index %s: %w", path, err)
	}
	jsonl.Warn(log, path, skipped)
	if idx.file, err = jsonl.OpenAppend(path, false); err != nil {
		return nil, fmt.Errorf("open thread index: %w", err)
	}
	return idx, nil
}

// Close closes the file, if any.
func (x *ThreadIndex) Close() error {
	if x.file == nil {
		return nil
	}
	return x.file.Close()
}

// CaseRoot is the opening post of the case that post id belongs to.
func (x *ThreadIndex) CaseRoot(platform, id string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.roots[threadKey{platform, id}]
	return r, ok
}

// Len is the number of posts the index knows.
func (x *ThreadIndex) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.roots)
}

// Remember records that post id belongs to the case opened by root.
func (x *ThreadIndex) Remember(platform, id, root string) error {
	if id == "" || root == "" {
		return nil
	}
	k := threadKey{platform, id}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.roots[k] == root {
		return nil
	}
	x.roots[k] = root
	if x.file == nil {
		return nil
	}
	if err := x.file.Append(threadLine{Platform: platform, ID: id, Root: root}); err != nil {
		return fmt.Errorf("write thread index: %w", err)
	}
	return nil
}

// Follow links a post that opens no case (the company's reply) to the case
// of the post it replies to, if that is known.
func (x *ThreadIndex) Follow(l Link) error {
	root, ok := x.CaseRoot(l.Platform, l.Parent)
	if !ok {
		return nil
	}
	return x.Remember(l.Platform, l.ID, root)
}

// Resolve points a post at the case its thread belongs to, when the index
// knows the post it replies to.
func (x *ThreadIndex) Resolve(p *post.Post) {
	ref := p.ThreadRoot()
	if ref == "" {
		return
	}
	if root, ok := x.CaseRoot(p.Platform, ref); ok && root != p.ID {
		p.ThreadID = root
	}
}

// Record remembers the case a submitted post ended up in, by the platform
// id of the post that opened it.
func (x *ThreadIndex) Record(p post.Post, out caseapi.Outcome) error {
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
	return x.Remember(p.Platform, p.ID, root)
}
