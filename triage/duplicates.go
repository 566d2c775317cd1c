package triage

import (
	"hash/fnv"
	"sync"
)

// duplicates remembers the fingerprints of the last Window posts and counts,
// for each text, the distinct authors who posted it. Memory is bounded by the
// window: the oldest post is forgotten when a new one arrives.
type duplicates struct {
	mu     sync.Mutex
	ring   []sighting // the window, oldest at next once full
	next   int
	byText map[uint64]map[uint64]int // text → author → posts in the window
}

type sighting struct{ text, author uint64 }

func newDuplicates(window int) *duplicates {
	return &duplicates{ring: make([]sighting, 0, window), byText: make(map[uint64]map[uint64]int)}
}

// observe records that author posted text and returns how many distinct
// authors posted it within the window, this post included.
func (d *duplicates) observe(text, author uint64) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ring) < cap(d.ring) {
		d.ring = append(d.ring, sighting{text, author})
	} else {
		d.forget(d.ring[d.next])
		d.ring[d.next] = sighting{text, author}
		d.next = (d.next + 1) % len(d.ring)
	}
	authors := d.byText[text]
	if authors == nil {
		authors = make(map[uint64]int, 1)
		d.byText[text] = authors
	}
	authors[author]++
	return len(authors)
}

func (d *duplicates) forget(s sighting) {
	authors := d.byText[s.text]
	if authors[s.author]--; authors[s.author] <= 0 {
		delete(authors, s.author)
	}
	if len(authors) == 0 {
		delete(d.byText, s.text)
	}
}

// fingerprint hashes a post's tokens, so copies that differ only in case,
// accents, punctuation, handles, numbers or the link they carry are one text.
func fingerprint(toks []string) uint64 {
	h := fnv.New64a()
	for _, t := range toks {
		h.Write([]byte(t))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func authorKey(platform, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(platform))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return h.Sum64()
}
