package triage

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-care/switchboard/post"
)

// IntentSpam is the intent of spam; the duplicate detector gives it.
const IntentSpam = "spam"

// trainingSet is the labelled set the intent model learns from. The held-out
// set (data/heldout.jsonl) is deliberately not embedded: it measures the
// model and must never train it.
//
//go:embed data/train.jsonl
var trainingSet []byte

// Example is one labelled line of the training set.
type Example struct {
	Text     string `json:"text"`
	Intent   string `json:"intent"`
	Language string `json:"language"`
}

// Engine triages posts. Build one per worker with New: it loads the language
// models (about 130 MiB of heap) and trains the intent model. Triage is safe
// for concurrent use by many goroutines.
type Engine struct {
	cfg       Config
	personal  *personalData
	languages *languages
	sentiment *sentiment
	phrases   *phraseIndex
	rules     []rule
	model     *bayes
	dupes     *duplicates // nil when the detector is off
}

// New validates cfg and builds an engine from it and the embedded training
// set.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	examples, err := TrainingSet()
	if err != nil {
		return nil, err
	}
	sent, err := newSentiment(cfg.Language.Languages)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:       cfg,
		personal:  newPersonalData(cfg.PersonalData),
		languages: newLanguages(cfg.Language),
		sentiment: sent,
		phrases:   &phraseIndex{byFirst: map[string][]int{}},
	}
	e.rules = compileRules(&cfg, e.phrases)
	if cfg.Duplicates.Window > 0 {
		e.dupes = newDuplicates(cfg.Duplicates.Window)
	}
	e.model = e.train(examples)
	return e, nil
}

// TrainingSet returns the embedded labelled examples.
func TrainingSet() ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(bytes.NewReader(trainingSet))
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var ex Example
		if err := json.Unmarshal(line, &ex); err != nil {
			return nil, fmt.Errorf("training set line %d: %w", n, err)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("training set is empty")
	}
	return out, nil
}

// train fits the intent model to examples, reading each as a post is read.
func (e *Engine) train(examples []Example) *bayes {
	docs := make([][]string, len(examples))
	labels := make([]string, len(examples))
	for i, ex := range examples {
		redacted := redact(ex.Text, e.personal.find(ex.Text))
		d := tokenize(redacted)
		docs[i], _ = features(d, e.sentiment.score(ex.Language, redacted))
		labels[i] = ex.Intent
	}
	return trainBayes(e.cfg.Intents, docs, labels, e.cfg.Model.Alpha)
}

//go:embed data/stopwords.txt
var stopwordList string

// functionWords are the folded function words of each language (see
// data/stopwords.txt): the model ignores them, and language detection takes
// them as evidence.
var functionWords = func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(stopwordList, "\n") {
		if code, words, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			m[code] = tokenize(words).tokens
		}
	}
	return m
}()

// stopwords is every language's function words in one set.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, words := range functionWords {
		for _, w := range words {
			m[w] = true
		}
	}
	return m
}()

// stemLength is how many letters of a word the model keeps: a crude stem
// that works in every language ("delivery", "delivered" and "deliveries" are
// one feature; so are "Bestellung" and "bestellt"). Five beat four, six and
// whole words in cross-validation on the training set.
const stemLength = 5

// features are what the model sees of a post: its words without function
// words, stemmed; its emoji and special tokens; and its tone as a token,
// which carries across languages the model has few examples of ("[neg]"
// leans to complaint, "[pos]" to praise). words[i] is the word feats[i]
// came from, to explain a verdict in the post's own words.
func features(d doc, sentiment float64) (feats, words []string) {
	feats = make([]string, 0, len(d.tokens)+1)
	words = make([]string, 0, len(d.tokens)+1)
	for _, t := range d.tokens {
		if stopwords[t] {
			continue
		}
		f := t
		if !strings.HasPrefix(t, "[") && utf8.RuneCountInString(t) > stemLength {
			f = string([]rune(t)[:stemLength])
		}
		feats, words = append(feats, f), append(words, t)
	}
	switch {
	case sentiment <= -0.5:
		feats, words = append(feats, "[neg]"), append(words, "[neg]")
	case sentiment >= 0.5:
		feats, words = append(feats, "[pos]"), append(words, "[pos]")
	}
	return feats, words
}

// Triage reads one post. Department and priority are the policy's to decide:
// pass r.Signals(p) to policy.Decide.
func (e *Engine) Triage(p post.Post) Result {
	spans := e.personal.find(p.Text)
	redacted := redact(p.Text, spans)
	d := tokenize(redacted)
	lang, langReason := e.languages.detect(d)
	res := Result{
		Sentiment: e.sentiment.score(lang, redacted),
		Language:  lang,
		Private:   len(spans) > 0,
		Redacted:  redacted,
	}
	var reasons []string
	decided := func(intent, why string) {
		if res.Intent == "" {
			res.Intent, res.Confidence = intent, 1
			reasons = append(reasons, why)
			return
		}
		reasons = append(reasons, why+fmt.Sprintf(" (not applied: %s comes first)", res.Intent))
	}

	if e.dupes != nil && d.letters >= e.cfg.Duplicates.MinLetters {
		n := e.dupes.observe(fingerprint(d.tokens), authorKey(p.Platform, p.Author.ID))
		if n >= e.cfg.Duplicates.MinAuthors {
			why := fmt.Sprintf("duplicate: the same text from %d authors among the last %d posts", n, e.cfg.Duplicates.Window)
			if d.hasURL || !e.cfg.Duplicates.RequireLink {
				decided(IntentSpam, why+" → spam")
			} else {
				reasons = append(reasons, why+", without a link: not spam (a campaign or an outage?)")
			}
		}
	}

	found := make([]bool, len(e.phrases.phrases))
	e.phrases.match(d.tokens, found)
	for i := range e.rules {
		r := &e.rules[i]
		if seen, ok := r.fire(found, redacted); ok {
			decided(r.intent, fmt.Sprintf("rule %s → %s: %s", r.name, r.intent, seen))
		}
	}

	feats, words := features(d, res.Sentiment)
	pred := e.model.predict(feats)
	if res.Intent != "" {
		reasons = append(reasons, e.explain(pred, pred.best, feats, words)+", overruled by the rule")
	} else {
		var why string
		res.Intent, res.Confidence, why = e.modelDecides(pred, feats, words)
		reasons = append(reasons, why)
	}
	res.Spam = res.Intent == IntentSpam
	if res.Private {
		reasons = append(reasons, "personal data: "+describeSpans(spans)+" → private, redacted")
	}
	reasons = append(reasons, fmt.Sprintf("sentiment: %.2f", res.Sentiment), langReason)
	res.Reasons = reasons
	return res
}

// modelDecides takes the most probable intent whose own threshold the model
// meets (the high-stakes intents ask for more evidence when no rule saw
// any), or the fallback if that is below the general threshold.
func (e *Engine) modelDecides(pred prediction, feats, words []string) (string, float64, string) {
	m := e.cfg.Model
	if len(pred.words) == 0 {
		return e.cfg.Fallback, 0, "model: no word it knows → " + e.cfg.Fallback
	}
	order := make([]int, len(pred.probs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pred.probs[b], pred.probs[a]) })
	var passed []string
	for _, c := range order {
		intent, p := e.cfg.Intents[c], pred.probs[c]
		if need, ok := m.MinConfidenceByIntent[intent]; ok && p < need {
			passed = append(passed, fmt.Sprintf("%s %.2f is below its %.2f", intent, p, need))
			continue
		}
		why := e.explain(pred, c, feats, words)
		if len(passed) > 0 {
			why += " (" + strings.Join(passed, "; ") + ")"
		}
		if p < m.MinConfidence {
			return e.cfg.Fallback, p, why + fmt.Sprintf(", below %.2f → %s", m.MinConfidence, e.cfg.Fallback)
		}
		return intent, p, why
	}
	return e.cfg.Fallback, 0, "model: no intent met its threshold (" + strings.Join(passed, "; ") + ") → " + e.cfg.Fallback
}

// explain names the model's probability for class and the words of the post
// that swayed it most.
func (e *Engine) explain(pred prediction, class int, feats, words []string) string {
	s := fmt.Sprintf("model: %s %.2f", e.cfg.Intents[class], pred.probs[class])
	top := e.model.topWords(pred, class, e.cfg.Model.TopWords)
	for i, f := range top {
		top[i] = words[slices.Index(feats, f)]
	}
	if len(top) > 0 {
		s += " (words: " + strings.Join(top, ", ") + ")"
	}
	return s
}

// describeSpans names the kinds of personal data found, never the values.
func describeSpans(spans []span) string {
	var kinds []string
	counts := map[string]int{}
	for _, sp := range spans {
		if counts[sp.kind] == 0 {
			kinds = append(kinds, sp.kind)
		}
		counts[sp.kind]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}
