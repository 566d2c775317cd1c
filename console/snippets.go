package console

import (
	"context"
	"strings"
	"sync"

	"github.com/switchboard-care/switchboard/casestate"
)

// snippet is who wrote a case's post and what, for the inbox: the
// snippet shown, and the post's text (redacted too, lower case, up to
// searchedRunes) that the inbox search looks in.
type snippet struct {
	Handle  string
	Snippet string
	text    string
}

// searchedRunes bounds the text of a post the inbox search keeps per case:
// longer than any platform's post, short enough that a full cache stays a
// few megabytes.
const searchedRunes = 1000

// snippets remembers each case's snippet. The list query returns search
// attributes only, and a case's post never changes, so each case is queried
// once instead of on every refresh of every open inbox.
type snippets struct {
	mu sync.Mutex
	m  map[string]snippet
}

// maxSnippets bounds the cache; past it the cache starts afresh, which
// costs one query per listed case once.
const maxSnippets = 10000

// stateLookups bounds the state queries one page makes at a time.
const stateLookups = 8

func newSnippets() *snippets { return &snippets{m: map[string]snippet{}} }

// fill sets each row's snippet, querying the cases not seen before. A case
// that cannot be read now keeps an empty snippet; the next refresh retries.
func (c *snippets) fill(ctx context.Context, cases Cases, rows []row) {
	var missing []int
	c.mu.Lock()
	for i := range rows {
		if sn, ok := c.m[rows[i].CaseID]; ok {
			rows[i].snippet = sn
		} else {
			missing = append(missing, i)
		}
	}
	c.mu.Unlock()

	ids := make([]string, len(missing))
	for j, i := range missing {
		ids[j] = rows[i].CaseID
	}
	views := states(ctx, cases, ids)
	c.mu.Lock()
	defer c.mu.Unlock()
	for j, i := range missing {
		v := views[j]
		if v.ID == "" || v.Triage.Redacted == "" { // unreadable now
			continue
		}
		// The redacted text: an inbox is glanced at over shoulders and on
		// shared screens; the case page shows the post in full.
		rows[i].snippet = snippet{Handle: v.Post.Author.Handle, Snippet: clip(v.Triage.Redacted, 140), text: strings.ToLower(strings.Join(strings.Fields(firstRunes(v.Triage.Redacted, searchedRunes)), " "))}
		if len(c.m) >= maxSnippets {
			c.m = map[string]snippet{}
		}
		c.m[rows[i].CaseID] = rows[i].snippet
	}
}

// states queries the cases with ids, a few at a time. A case that cannot be
// read now has an empty view (ID ""); callers skip it.
func states(ctx context.Context, cases Cases, ids []string) []casestate.View {
	out := make([]casestate.View, len(ids))
	var wg sync.WaitGroup
	slots := make(chan struct{}, stateLookups)
	for i, id := range ids {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if v, err := cases.State(ctx, id); err == nil {
				out[i] = v
			}
		})
	}
	wg.Wait()
	return out
}

// firstRunes is s up to its first n runes.
func firstRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// clip shortens s to n runes on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
