package triage

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pemistahl/lingua-go"
)

// Config is the triage part of the configuration (the "triage" key). Every
// rule, word list and threshold lives here so that a customer tunes triage
// with a configuration file, not a code change.
type Config struct {
	// Intents lists every intent, in the order rules are checked: the first
	// intent with a firing rule wins, so spam comes before safety, safety
	// before legal_threat, and so on.
	Intents []string `mapstructure:"intents"`
	// Fallback is the intent given when no rule fires and the model is unsure.
	Fallback     string          `mapstructure:"fallback"`
	Model        ModelConfig     `mapstructure:"model"`
	Language     LanguageConfig  `mapstructure:"language"`
	Duplicates   DuplicateConfig `mapstructure:"duplicates"`
	PersonalData PersonalConfig  `mapstructure:"personal_data"`
	// Rules are keyed by name, so a configuration file adds a rule (or
	// replaces one) by naming it, without repeating the others.
	Rules map[string]Rule `mapstructure:"rules"`
	// ModelDir, when set, is a directory `switchboard triage learn` wrote:
	// the engine triages with that model instead of training one at start.
	ModelDir string `mapstructure:"model_dir"`
}

// ModelConfig tunes how far the intent model is trusted.
type ModelConfig struct {
	// MinConfidence is the probability below which the model's guess gives
	// way to the fallback intent.
	MinConfidence float64 `mapstructure:"min_confidence"`
	// MinConfidenceByIntent asks the model alone for more evidence for some
	// intents: below it, the next most probable intent is taken and the post
	// needs review. 1 means never from the model alone (spam: closing a
	// real customer is the worst mistake triage can make).
	MinConfidenceByIntent map[string]float64 `mapstructure:"min_confidence_by_intent"`
	// SuspectAbove is the probability of a high-stakes intent, short of its
	// MinConfidenceByIntent, at which the suspicion is named in the reasons
	// and the post needs review.
	SuspectAbove float64 `mapstructure:"suspect_above"`
	// ReviewBelow is the calibrated probability below which the model's
	// intent is kept but the post needs review and goes to the responder.
	ReviewBelow float64 `mapstructure:"review_below"`
	// TopWords is how many of the words that swayed the model a reason names.
	TopWords int `mapstructure:"top_words"`
}

// LanguageConfig tunes language detection.
type LanguageConfig struct {
	// Languages are ISO 639-1 codes; the detector only tells these apart.
	Languages []string `mapstructure:"languages"`
	// MinConfidence is the detector's probability below which the language
	// is reported as "unknown".
	MinConfidence float64 `mapstructure:"min_confidence"`
	// MinLetters is the number of letters below which a post is too short to
	// have a language (emoji, a handle, "ok").
	MinLetters int `mapstructure:"min_letters"`
	// LowAccuracy uses trigrams only: far less memory, worse on short posts.
	LowAccuracy bool `mapstructure:"low_accuracy"`
	// ShortcutWords is how many function words of one language (and none of
	// another) let a post skip the statistical detector, which is most of
	// triage's time. 0 always runs the detector.
	ShortcutWords int `mapstructure:"shortcut_words"`
}

// DuplicateConfig tunes the detector of the same text posted by many authors.
type DuplicateConfig struct {
	// Window is how many recent posts are remembered.
	Window int `mapstructure:"window"`
	// MinAuthors is how many distinct authors of one text make it a duplicate.
	MinAuthors int `mapstructure:"min_authors"`
	// MinLetters keeps short common posts ("thank you!") out of the count.
	MinLetters int `mapstructure:"min_letters"`
	// RequireLink makes a duplicate spam only when it carries a link; without
	// it, a copy-pasted campaign by real customers would close as spam.
	RequireLink bool `mapstructure:"require_link"`
}

// PersonalConfig says what counts as personal data beyond the built-in card
// numbers, e-mail addresses and phone numbers.
type PersonalConfig struct {
	// OrderPatterns are regular expressions whose first group is an order
	// number; a match counts only if that group holds a digit.
	OrderPatterns []string `mapstructure:"order_patterns"`
}

// Rule assigns an intent when a post contains one of Any (or matches one of
// Patterns), and, if With is given, also one of With, and none of Unless.
//
// A phrase is one or more words, compared case- and accent-insensitively on
// whole words; a word ending in * matches any word it begins ("lawyer*"
// matches "lawyers"). The tokens [url], [card], [email], [phone], [order]
// and [?] stand for a link, a kind of personal data, and a question mark.
type Rule struct {
	Intent   string   `mapstructure:"intent"`
	Any      []string `mapstructure:"any"`
	With     []string `mapstructure:"with"`
	Unless   []string `mapstructure:"unless"`
	Patterns []string `mapstructure:"patterns"` // regular expressions on the redacted text, case-insensitive
}

// Validate reports the first mistake, naming its key under "triage".
func (c *Config) Validate() error {
	if len(c.Intents) == 0 {
		return errors.New("triage.intents: at least one intent is required")
	}
	for i, in := range c.Intents {
		if in == "" {
			return fmt.Errorf("triage.intents[%d] is empty", i)
		}
		if slices.Index(c.Intents, in) != i {
			return fmt.Errorf("triage.intents[%d]: %q is listed twice", i, in)
		}
	}
	if !slices.Contains(c.Intents, c.Fallback) {
		return fmt.Errorf("triage.fallback: %q is not one of triage.intents", c.Fallback)
	}
	if c.Model.MinConfidence < 0 || c.Model.MinConfidence >= 1 {
		return fmt.Errorf("triage.model.min_confidence: %v must be in [0, 1)", c.Model.MinConfidence)
	}
	for _, in := range c.Intents {
		if v, ok := c.Model.MinConfidenceByIntent[in]; ok && (v < 0 || v > 1) {
			return fmt.Errorf("triage.model.min_confidence_by_intent.%s: %v must be in [0, 1]", in, v)
		}
	}
	for in := range c.Model.MinConfidenceByIntent {
		if !slices.Contains(c.Intents, in) {
			return fmt.Errorf("triage.model.min_confidence_by_intent: %q is not one of triage.intents", in)
		}
	}
	if c.Model.SuspectAbove < 0 || c.Model.SuspectAbove > 1 {
		return fmt.Errorf("triage.model.suspect_above: %v must be in [0, 1]", c.Model.SuspectAbove)
	}
	if c.Model.ReviewBelow < 0 || c.Model.ReviewBelow > 1 {
		return fmt.Errorf("triage.model.review_below: %v must be in [0, 1]", c.Model.ReviewBelow)
	}
	if c.Model.TopWords < 0 {
		return fmt.Errorf("triage.model.top_words: %d is negative", c.Model.TopWords)
	}
	if err := c.Language.validate(); err != nil {
		return err
	}
	d := c.Duplicates
	if d.Window < 0 || d.MinAuthors < 0 || d.MinLetters < 0 {
		return errors.New("triage.duplicates: window, min_authors and min_letters must not be negative")
	}
	if d.Window > 0 && d.MinAuthors < 2 {
		return fmt.Errorf("triage.duplicates.min_authors: %d must be at least 2 (0 with window 0 turns the detector off)", d.MinAuthors)
	}
	if d.Window > 0 && !slices.Contains(c.Intents, IntentSpam) {
		return fmt.Errorf("triage.duplicates: the detector gives intent %q, which triage.intents lacks (set window to 0 to turn it off)", IntentSpam)
	}
	for i, p := range c.PersonalData.OrderPatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return fmt.Errorf("triage.personal_data.order_patterns[%d]: %w", i, err)
		}
		if re.NumSubexp() < 1 {
			return fmt.Errorf("triage.personal_data.order_patterns[%d]: needs a group around the order number", i)
		}
	}
	for _, name := range c.ruleNames() {
		if err := c.Rules[name].validate("triage.rules."+name, c.Intents); err != nil {
			return err
		}
	}
	return nil
}

func (l LanguageConfig) validate() error {
	if len(l.Languages) < 2 {
		return errors.New("triage.language.languages: at least two languages are required")
	}
	for i, code := range l.Languages {
		if lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(code)) == lingua.Unknown {
			return fmt.Errorf("triage.language.languages[%d]: %q is not an ISO 639-1 code the detector knows", i, code)
		}
	}
	if l.MinConfidence < 0 || l.MinConfidence > 1 {
		return fmt.Errorf("triage.language.min_confidence: %v must be in [0, 1]", l.MinConfidence)
	}
	if l.MinLetters < 0 {
		return fmt.Errorf("triage.language.min_letters: %d is negative", l.MinLetters)
	}
	if l.ShortcutWords < 0 {
		return fmt.Errorf("triage.language.shortcut_words: %d is negative", l.ShortcutWords)
	}
	return nil
}

func (r Rule) validate(key string, intents []string) error {
	if !slices.Contains(intents, r.Intent) {
		return fmt.Errorf("%s.intent: %q is not one of triage.intents", key, r.Intent)
	}
	if len(r.Any) == 0 && len(r.Patterns) == 0 {
		return fmt.Errorf("%s: give at least one phrase in any or one pattern", key)
	}
	lists := []struct {
		field   string
		phrases []string
	}{{"any", r.Any}, {"with", r.With}, {"unless", r.Unless}}
	for _, l := range lists {
		for i, ph := range l.phrases {
			if len(compilePhrase(ph)) == 0 {
				return fmt.Errorf("%s.%s[%d]: %q has no word to match", key, l.field, i, ph)
			}
		}
	}
	for i, p := range r.Patterns {
		if _, err := regexp.Compile("(?i)" + p); err != nil {
			return fmt.Errorf("%s.patterns[%d]: %w", key, i, err)
		}
	}
	return nil
}

// ruleNames orders the rules by the precedence of their intent, then by
// name, which is the order they are checked and reported in.
func (c *Config) ruleNames() []string {
	names := make([]string, 0, len(c.Rules))
	for n := range c.Rules {
		names = append(names, n)
	}
	rank := func(n string) int {
		if i := slices.Index(c.Intents, c.Rules[n].Intent); i >= 0 {
			return i
		}
		return len(c.Intents)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return names
}
