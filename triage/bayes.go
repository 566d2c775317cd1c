package triage

import (
	"math"
	"slices"
)

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

// topWords names the features of the post that most favoured class over
// the runner-up: the largest log-likelihood ratios, at most k of them.
func (m *bayes) topWords(p prediction, class, k int) []string {
	runnerUp := -1
	for c := range p.probs {
		if c != class && (runnerUp < 0 || p.probs[c] > p.probs[runnerUp]) {
			runnerUp = c
		}
	}
	if runnerUp < 0 || k == 0 {
		return nil
	}
	type sway struct {
		w     int
		ratio float64
	}
	sways := make([]sway, 0, len(p.words))
	for _, w := range p.words {
		if r := m.logLik[class][w] - m.logLik[runnerUp][w]; r > 0 {
			sways = append(sways, sway{w, r})
		}
	}
	slices.SortFunc(sways, func(a, b sway) int {
		switch {
		case a.ratio > b.ratio:
			return -1
		case a.ratio < b.ratio:
			return 1
		}
		return a.w - b.w
	})
	words := make([]string, 0, k)
	for _, s := range sways[:min(k, len(sways))] {
		words = append(words, m.words[s.w])
	}
	return words
}
