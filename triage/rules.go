package triage

import (
	"fmt"
	"regexp"
	"strings"
)

// wordPat is one word of a phrase: the folded word, or its beginning.
type wordPat struct {
	text   string
	prefix bool
}

func (w wordPat) matches(tok string) bool {
	if w.prefix {
		return strings.HasPrefix(tok, w.text)
	}
	return tok == w.text
}

// compilePhrase reads a configured phrase with the tokenizer posts go
// through, so "Anwältin", "anwaltin" and "ANWÄLTIN" compile alike. A trailing
// * on a word makes it a prefix.
func compilePhrase(phrase string) []wordPat {
	var pats []wordPat
	for _, part := range strings.Fields(phrase) {
		prefix := strings.HasSuffix(part, "*")
		toks := tokenize(strings.TrimSuffix(part, "*")).tokens
		for i, t := range toks {
			pats = append(pats, wordPat{text: t, prefix: prefix && i == len(toks)-1})
		}
	}
	return pats
}

// phraseIndex finds, in one pass over a post's tokens, which of all the
// configured phrases occur in it. Phrases are indexed by their first word so a
// post is not compared with every phrase.
type phraseIndex struct {
	phrases  [][]wordPat
	byFirst  map[string][]int // phrase ids by exact first word
	prefixed []int            // phrase ids whose first word is a prefix
}

func (x *phraseIndex) add(phrase string) int {
	id := len(x.phrases)
	pats := compilePhrase(phrase)
	x.phrases = append(x.phrases, pats)
	if pats[0].prefix {
		x.prefixed = append(x.prefixed, id)
	} else {
		x.byFirst[pats[0].text] = append(x.byFirst[pats[0].text], id)
	}
	return id
}

// match marks in found the ids of the phrases that occur in toks.
func (x *phraseIndex) match(toks []string, found []bool) {
	for i, t := range toks {
		for _, id := range x.byFirst[t] {
			if !found[id] && x.at(id, toks, i) {
				found[id] = true
			}
		}
		for _, id := range x.prefixed {
			if !found[id] && x.at(id, toks, i) {
				found[id] = true
			}
		}
	}
}

func (x *phraseIndex) at(id int, toks []string, i int) bool {
	p := x.phrases[id]
	if i+len(p) > len(toks) {
		return false
	}
	for j, w := range p {
		if !w.matches(toks[i+j]) {
			return false
		}
	}
	return true
}

// rule is a configured Rule compiled against the engine's phrase index.
type rule struct {
	name     string
	intent   string
	any      []phraseRef
	with     []phraseRef
	unless   []phraseRef
	patterns []*regexp.Regexp
}

type phraseRef struct {
	id   int
	text string // as configured, for the reason
}

func compileRules(cfg *Config, x *phraseIndex) []rule {
	refs := func(phrases []string) []phraseRef {
		out := make([]phraseRef, len(phrases))
		for i, p := range phrases {
			out[i] = phraseRef{id: x.add(p), text: p}
		}
		return out
	}
	var rules []rule
	for _, name := range cfg.ruleNames() {
		r := cfg.Rules[name]
		cr := rule{name: name, intent: r.Intent, any: refs(r.Any), with: refs(r.With), unless: refs(r.Unless)}
		for _, p := range r.Patterns {
			cr.patterns = append(cr.patterns, regexp.MustCompile("(?i)"+p)) // Validate compiled it already
		}
		rules = append(rules, cr)
	}
	return rules
}

// fire says whether the rule fires on a post and, if so, what it saw.
func (r *rule) fire(found []bool, redacted string) (string, bool) {
	first := func(refs []phraseRef) (string, bool) {
		for _, ref := range refs {
			if found[ref.id] {
				return ref.text, true
			}
		}
		return "", false
	}
	hit, ok := first(r.any)
	seen := ""
	if ok {
		seen = fmt.Sprintf("%q", hit)
	} else {
		for _, re := range r.patterns {
			// The text matched is shown: it is redacted, so it holds no personal data.
			if m := re.FindString(redacted); m != "" {
				seen, ok = fmt.Sprintf("%q (pattern)", m), true
				break
			}
		}
	}
	if !ok {
		return "", false
	}
	if len(r.with) > 0 {
		w, ok := first(r.with)
		if !ok {
			return "", false
		}
		seen += fmt.Sprintf(" with %q", w)
	}
	if _, blocked := first(r.unless); blocked {
		return "", false
	}
	return seen, true
}
