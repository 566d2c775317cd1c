package intake

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/switchboard-care/switchboard/caseapi"
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
	file  *os.File
}

type threadKey struct{ platform, id string }

type threadLine struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Root     string `json:"root"`
}

// NewThreadIndex keeps the index in memory only.
func NewThreadIndex() *ThreadIndex { return &ThreadIndex{roots: map[threadKey]string{}} }

// OpenThreadIndex loads the index from path (creating it if needed) and
// appends to it from then on.
func OpenThreadIndex(path string) (*ThreadIndex, error) {
	idx := NewThreadIndex()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("thread index folder: %w", err)
	}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			var l threadLine
			// A line torn by a crash is skipped: losing one entry is
			// harmless, refusing to start is not.
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.ID != "" && l.Root != "" {
				idx.roots[threadKey{l.Platform, l.ID}] = l.Root
			}
		}
		err := sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read thread index %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open thread index: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open thread index: %w", err)
	}
	idx.file = f
	return idx, nil
}

// Close closes the file, if any.
func (x *ThreadIndex) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.file == nil {
		return nil
	}
	err := x.file.Close()
	x.file = nil
	return err
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
	line, err := json.Marshal(threadLine{Platform: platform, ID: id, Root: root})
	if err != nil {
		return err
	}
	if _, err := x.file.Write(append(line, '\n')); err != nil {
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

// Record remembers the case a submitted post ended up in.
func (x *ThreadIndex) Record(p post.Post, out caseapi.Outcome) error {
	root, ok := strings.CutPrefix(out.CaseID, post.CaseID(p.Platform, ""))
	if !ok || root == "" {
		root = p.ID
	}
	return x.Remember(p.Platform, p.ID, root)
}
