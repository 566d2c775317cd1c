package triage

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Naive Bayes was the intent model until the linear model beat it side by
// side (TestCompareModels); it stays here as the baseline of that
// comparison, with the features it read.

// stopwords is every language's function words in one set: naive Bayes
// ignores them, since on a small training set they only add noise.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, words := range functionWords {
		for _, w := range words {
			m[w] = true
		}
	}
	return m
}()

// stemLength is how many letters of a word naive Bayes keeps: a crude stem
// that works in every language.
const stemLength = 5

// bayesFeatures are a post's words without function words, stemmed; its
// emoji and special tokens; and its tone as a token.
func bayesFeatures(d doc, sentiment float64) []string {
	feats := make([]string, 0, len(d.tokens)+1)
	for _, t := range d.tokens {
		if stopwords[t] {
			continue
		}
		f := t
		if !strings.HasPrefix(t, "[") && utf8.RuneCountInString(t) > stemLength {
			f = string([]rune(t)[:stemLength])
		}
		feats = append(feats, f)
	}
	switch {
	case sentiment <= -0.5:
		feats = append(feats, "[neg]")
	case sentiment >= 0.5:
		feats = append(feats, "[pos]")
	}
	return feats
}

func TestStopwordsAreFolded(t *testing.T) {
	for _, w := range []string{"the", "fur", "e", "het"} {
		if !stopwords[w] {
			t.Errorf("%q is not a stopword", w)
		}
	}
	for _, w := range []string{"my", "you", "should", "not", "mijn"} {
		if stopwords[w] {
			t.Errorf("%q must stay a feature", w)
		}
	}
	if f := bayesFeatures(tokenize("The deliveries were delivered"), 0); strings.Join(f, " ") != "deliv deliv" {
		t.Errorf("features %q", f)
	}
}

// bayes is a multinomial naive Bayes classifier over a post's tokens. Each
// token counts once per post (binarised counts): in a post of twenty words a
// repeated word is emphasis, not more evidence.
type bayes struct {
	classes  []string
	vocab    map[string]int
	words    []string // vocabulary by id, to name the words behind a verdict
	logPrior []float64
	logLik   [][]float64 // [class][word]: log P(word | class), smoothed
}

// trainBayes fits the model to labelled token lists. Classes with no
// examples keep a prior of zero probability and are never predicted.
func trainBayes(classes []string, docs [][]string, labels []string, alpha float64) *bayes {
	m := &bayes{classes: classes, vocab: map[string]int{}}
	for _, toks := range docs {
		for _, t := range toks {
			if _, ok := m.vocab[t]; !ok {
				m.vocab[t] = len(m.vocab)
				m.words = append(m.words, t)
			}
		}
	}
	counts := make([][]float64, len(classes))
	totals := make([]float64, len(classes))
	docsPer := make([]float64, len(classes))
	for c := range classes {
		counts[c] = make([]float64, len(m.vocab))
	}
	for i, toks := range docs {
		c := slices.Index(classes, labels[i])
		if c < 0 {
			continue
		}
		docsPer[c]++
		for _, w := range uniqueTokens(toks) {
			counts[c][m.vocab[w]]++
			totals[c]++
		}
	}
	m.logPrior = make([]float64, len(classes))
	m.logLik = make([][]float64, len(classes))
	v := float64(len(m.vocab))
	for c := range classes {
		m.logPrior[c] = math.Log(docsPer[c] / float64(len(docs)))
		m.logLik[c] = make([]float64, len(m.vocab))
		for w := range m.logLik[c] {
			m.logLik[c][w] = math.Log((counts[c][w] + alpha) / (totals[c] + alpha*v))
		}
	}
	return m
}

// uniqueTokens returns toks without repeats, keeping the first occurrence.
func uniqueTokens(toks []string) []string {
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// prediction is the model's verdict on one post.
type prediction struct {
	probs []float64 // per class, summing to 1
	best  int
	words []int // the post's known words, vocabulary ids
}

// predict scores a post; words the model never saw carry no evidence.
func (m *bayes) predict(toks []string) prediction {
	p := prediction{probs: slices.Clone(m.logPrior)}
	for _, t := range uniqueTokens(toks) {
		if w, ok := m.vocab[t]; ok {
			p.words = append(p.words, w)
		}
	}
	for c := range p.probs {
		for _, w := range p.words {
			p.probs[c] += m.logLik[c][w]
		}
	}
	// Softmax, shifted by the maximum so exp never underflows to all zeros.
	maxLog := slices.Max(p.probs)
	sum := 0.0
	for c, l := range p.probs {
		p.probs[c] = math.Exp(l - maxLog)
		sum += p.probs[c]
	}
	for c := range p.probs {
		p.probs[c] /= sum
		if p.probs[c] > p.probs[p.best] {
			p.best = c
		}
	}
	return p
}

// CompareModels trains naive Bayes on the shipped examples, as the engine
// had it, and counts how many of posts it and the engine's linear model,
// each alone (the most probable intent, no rules or thresholds), get right.
func CompareModels(e *Engine, posts []Labelled) (bayesRight, linearRight int, err error) {
	examples, err := TrainingSet()
	if err != nil {
		return 0, 0, err
	}
	var docs [][]string
	var labels []string
	for _, ex := range examples {
		redacted := redact(ex.Text, e.personal.find(ex.Text))
		docs = append(docs, bayesFeatures(tokenize(redacted), e.sentiment.score(ex.Language, redacted).compound))
		labels = append(labels, ex.Intent)
	}
	nb := trainBayes(e.cfg.Intents, docs, labels, 0.5)
	for _, l := range posts {
		redacted := redact(l.Text, e.personal.find(l.Text))
		d := tokenize(redacted)
		lang, _ := e.languages.detect(d)
		tone := e.sentiment.score(lang, redacted)
		if e.cfg.Intents[nb.predict(bayesFeatures(d, tone.compound)).best] == l.Expect.Intent {
			bayesRight++
		}
		feats, _ := features(d, tone.compound)
		p := e.model.m.probabilities(e.model.buckets(feats))
		if e.cfg.Intents[slices.Index(p, slices.Max(p))] == l.Expect.Intent {
			linearRight++
		}
	}
	return bayesRight, linearRight, nil
}
