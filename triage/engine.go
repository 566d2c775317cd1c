package triage

import (
	"bufio"
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/switchboard-care/switchboard/post"
)

// IntentSpam is the intent of spam; the duplicate detector gives it.
const IntentSpam = "spam"

// praiseIntent is checked against the tone: praise at a sentiment of
// negativePraise or below needs review, and so does praise whose negative
// words make up negativePraiseShare of its text or more, whatever the
// compound says ("love love love how you lost my bag, awful").
const (
	praiseIntent        = "praise"
	negativePraise      = -0.3
	negativePraiseShare = 0.3
)

// trainingFiles are the labelled sets the intent model learns from: the
// first hand-written set (train.jsonl) and the posts datagen composes from
// hand-written fragments in many voices (train-generated.jsonl); and the
// set its confidence is calibrated on (calibration-generated.jsonl), in
// phrasings the training set lacks. The held-out sets (heldout*.jsonl,
// generated-heldout.jsonl) are deliberately not embedded: they measure the
// model and must never train it.
//
//go:generate go run ./datagen -out data
//go:embed data/train*.jsonl data/calibration*.jsonl
var trainingFiles embed.FS

// Example is one labelled line of the training set.
type Example struct {
	Text     string  `json:"text"`
	Intent   string  `json:"intent"`
	Language string  `json:"language"`
	weight   float32 // 0 counts as 1; corrections count correctionWeight
}

// Engine triages posts. Build one per worker with New: it loads the language
// models (about 13 MiB of heap in low-accuracy mode, 130 MiB in high) and
// trains the intent model, or loads one from Config.ModelDir. Triage is safe
// for concurrent use by many goroutines.
type Engine struct {
	cfg       Config
	personal  *personalData
	languages *languages
	sentiment *sentiment
	phrases   *phraseIndex
	rules     []rule
	model     *Model
	dupes     *duplicates // nil when the detector is off
}

// New validates cfg and builds an engine from it and the embedded training
// set, or the model in cfg.ModelDir when that is set.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
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
	if cfg.ModelDir != "" {
		m, err := LoadModel(cfg.ModelDir)
		if err != nil {
			return nil, err
		}
		if err := e.UseModel(m); err != nil {
			return nil, fmt.Errorf("triage.model_dir %s: %w", cfg.ModelDir, err)
		}
		return e, nil
	}
	e.model, err = e.Learn(nil)
	return e, err
}

// TrainingSet returns the embedded labelled examples, file by file in name
// order.
func TrainingSet() ([]Example, error) { return embeddedExamples("data/train*.jsonl") }

// calibrationSet returns the examples the model's confidence is fitted on.
func calibrationSet() ([]Example, error) { return embeddedExamples("data/calibration*.jsonl") }

func embeddedExamples(pattern string) ([]Example, error) {
	files, err := fs.Glob(trainingFiles, pattern)
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, name := range files {
		data, err := trainingFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var ex Example
			if err := json.Unmarshal(line, &ex); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", name, n, err)
			}
			out = append(out, ex)
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no examples in %s", pattern)
	}
	return out, nil
}

//go:embed data/stopwords.txt
var stopwordList string

// functionWords are the folded function words of each language (see
// data/stopwords.txt): language detection takes them as evidence.
var functionWords = func() map[string][]string {
	m := map[string][]string{}
	for _, line := range strings.Split(stopwordList, "\n") {
		if code, words, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			m[code] = tokenize(words).tokens
		}
	}
	return m
}()

// Triage reads one post. Department and priority are the policy's to decide:
// pass r.Signals(p) to policy.Decide.
func (e *Engine) Triage(p post.Post) Result {
	res, _ := e.triage(p)
	return res
}

// triage reads one post and says whether the model (rather than a rule or
// the duplicate detector) gave its intent, which is what calibration
// measures.
func (e *Engine) triage(p post.Post) (res Result, byModel bool) {
	spans := e.personal.find(p.Text)
	redacted := redact(p.Text, spans)
	d := tokenize(redacted)
	lang, langReason := e.languages.detect(d)
	tone := e.sentiment.score(lang, redacted)
	res = Result{
		Sentiment: tone.compound,
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

	feats, words := features(d, tone.compound)
	buckets := e.model.buckets(feats)
	probs := e.model.m.probabilities(buckets)
	if res.Intent != "" {
		best := slices.Index(probs, slices.Max(probs))
		reasons = append(reasons, e.explain(probs, best, feats, words, buckets)+", overruled by the rule")
	} else {
		var why []string
		res.Intent, res.Confidence, res.NeedsReview, why = e.modelDecides(probs, tone, feats, words, buckets)
		reasons = append(reasons, why...)
		byModel = true
	}
	res.Spam = res.Intent == IntentSpam
	res.ModelVersion = e.model.Version
	if res.Private {
		reasons = append(reasons, "personal data: "+describeSpans(spans)+" → private, redacted")
	}
	reasons = append(reasons, fmt.Sprintf("sentiment: %.2f", res.Sentiment), langReason)
	res.Reasons = reasons
	return res, byModel
}

// modelDecides takes the most probable intent the model may give on its
// own. The high-stakes intents ask for far more evidence when no rule saw
// any (min_confidence_by_intent; 1 means never from the model alone): short
// of it the suspicion is named in the reasons, the post needs review, and
// the next most probable intent is taken, so the post stays with the
// property's responder rather than going to Legal, PR or closed as spam. A
// post the model is unsure of (below review_below) needs review too, and so
// does praise in a negative tone: that is a complaint the model misread far
// more often than it is praise, and praise goes to Marketing at P4.
func (e *Engine) modelDecides(probs []float64, t tone, feats, words []string, buckets []uint32) (intent string, confidence float64, review bool, why []string) {
	m := e.cfg.Model
	if len(feats) == 0 {
		return e.cfg.Fallback, 0, true, []string{"model: nothing to read → " + e.cfg.Fallback + ", needs review"}
	}
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(probs[b], probs[a]) })
	for _, c := range order {
		intent, p := e.cfg.Intents[c], probs[c]
		if need, ok := m.MinConfidenceByIntent[intent]; ok && (need >= 1 || p < need) {
			if p >= m.SuspectAbove {
				why = append(why, fmt.Sprintf("suspected %s: %s, not enough without a rule → needs review", intent, e.explain(probs, c, feats, words, buckets)))
				review = true
			}
			continue
		}
		because := e.explain(probs, c, feats, words, buckets)
		if p < m.MinConfidence {
			return e.cfg.Fallback, p, true, append(why, because+fmt.Sprintf(", below %.2f → %s, needs review", m.MinConfidence, e.cfg.Fallback))
		}
		switch {
		case p < m.ReviewBelow:
			because += fmt.Sprintf(", below %.2f → needs review", m.ReviewBelow)
			review = true
		case intent == praiseIntent && t.compound <= negativePraise:
			because += fmt.Sprintf(", but the tone is negative (%.2f) → needs review", t.compound)
			review = true
		case intent == praiseIntent && t.negative >= negativePraiseShare:
			because += fmt.Sprintf(", but %.0f %% of the words are negative → needs review", 100*t.negative)
			review = true
		}
		return intent, p, review, append([]string{because}, why...)
	}
	return e.cfg.Fallback, 0, true, append(why, "model: no intent met its threshold → "+e.cfg.Fallback+", needs review")
}

// explain names the model's probability for class and the words of the post
// that swayed it most towards class rather than the runner-up.
func (e *Engine) explain(probs []float64, class int, feats, words []string, buckets []uint32) string {
	s := fmt.Sprintf("model: %s %.2f", e.cfg.Intents[class], probs[class])
	other := -1
	for c := range probs {
		if c != class && (other < 0 || probs[c] > probs[other]) {
			other = c
		}
	}
	if other < 0 || e.cfg.Model.TopWords == 0 {
		return s
	}
	var top []string
	for _, i := range e.model.m.sway(buckets, class, other) {
		if w := words[i]; !slices.Contains(top, w) {
			top = append(top, w)
			if len(top) == e.cfg.Model.TopWords {
				break
			}
		}
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
