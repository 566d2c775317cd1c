package triage

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jonreiter/govader"
)

// sentimentLexicon extends VADER, whose lexicon is English, to the other
// languages: per language, words with a valence on VADER's scale (−4…4), the
// words that negate or boost the next ones, and English words that are
// everyday words there and must not count ("die" is an article in German).
//
//go:embed data/sentiment.tsv
var sentimentLexicon string

// VADER's own weight for a booster word ("very"), which govader keeps
// unexported.
const vaderBoost = 0.293

// sentiment scores posts with VADER, using one analyzer per language built
// from VADER's lexicon (which also scores emoji and English slang, common in
// posts of any language) plus that language's additions.
type sentiment struct {
	english *govader.SentimentIntensityAnalyzer
	byLang  map[string]*govader.SentimentIntensityAnalyzer
}

func newSentiment(langs []string) (*sentiment, error) {
	s := &sentiment{english: govader.NewSentimentIntensityAnalyzer(), byLang: map[string]*govader.SentimentIntensityAnalyzer{}}
	s.byLang["en"] = s.english
	sc := bufio.NewScanner(strings.NewReader(sentimentLexicon))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("sentiment lexicon line %d: want language, word, value separated by tabs", n)
		}
		lang, word, value := f[0], strings.ToLower(f[1]), f[2]
		if !slices.Contains(langs, lang) {
			continue
		}
		a := s.byLang[lang]
		if a == nil {
			a = govader.NewSentimentIntensityAnalyzer()
			a.EmojiDict = s.english.EmojiDict // read-only, so shared
			s.byLang[lang] = a
		}
		for _, w := range spellings(word) {
			switch value {
			case "negation":
				a.Constants.NegateList = append(a.Constants.NegateList, w)
			case "booster":
				a.Constants.BoosterDict[w] = vaderBoost
			case "neutral":
				delete(a.Lexicon, w)
			default:
				v, err := strconv.ParseFloat(value, 64)
				if err != nil || v < -4 || v > 4 {
					return nil, fmt.Errorf("sentiment lexicon line %d: value %q is not negation, booster, neutral or a number in −4…4", n, value)
				}
				a.Lexicon[w] = v
			}
		}
	}
	return s, sc.Err()
}

// spellings returns a word as written and without its accents, since posts
// are often typed without them ("pesimo" for "pésimo").
func spellings(word string) []string {
	var folded []byte
	for _, r := range word {
		folded = foldInto(folded, r)
	}
	if string(folded) == word {
		return []string{word}
	}
	return []string{word, string(folded)}
}

// tone is VADER's reading of a post: the compound score, −1…1, and the
// share of the text that is negative, 0…1. The share keeps what the
// compound sums away: "love love love how you lost my bag, awful" scores
// mildly positive, but 43 % of its words are negative.
type tone struct {
	compound, negative float64
}

// score returns VADER's tone of text in lang. A post of unknown language is
// scored with the English lexicon.
func (s *sentiment) score(lang, text string) tone {
	a := s.byLang[lang]
	if a == nil {
		a = s.english
	}
	p := a.PolarityScores(text)
	return tone{compound: p.Compound, negative: p.Negative}
}
