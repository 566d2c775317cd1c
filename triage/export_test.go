package triage

import (
	"math/rand"
	"time"

	"github.com/switchboard-care/switchboard/post"
)

// CrossValidate measures the whole engine (rules, thresholds and model) on
// the training set by k-fold cross-validation: the model is trained on k-1
// folds and triages the fold it did not see. It returns the share of
// examples given their labelled intent, and of those given their language.
func CrossValidate(cfg Config, k int) (intent, language float64, err error) {
	cfg.Duplicates.Window = 0 // every example is distinct; no state between folds
	e, err := New(cfg)
	if err != nil {
		return 0, 0, err
	}
	examples, err := TrainingSet()
	if err != nil {
		return 0, 0, err
	}
	perm := rand.New(rand.NewSource(1)).Perm(len(examples))
	intents, langs := 0, 0
	for fold := range k {
		var train, test []Example
		for i, p := range perm {
			if i%k == fold {
				test = append(test, examples[p])
			} else {
				train = append(train, examples[p])
			}
		}
		fe := *e
		if fe.model, err = e.learn(train, nil); err != nil {
			return 0, 0, err
		}
		for _, ex := range test {
			res := fe.Triage(post.Post{ID: "cv", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "cv"}, Text: ex.Text, CreatedAt: time.Unix(0, 0)})
			if res.Intent == ex.Intent {
				intents++
			}
			if res.Language == ex.Language {
				langs++
			}
		}
	}
	return float64(intents) / float64(len(examples)), float64(langs) / float64(len(examples)), nil
}

// LanguageByFunctionWords is the language the function-word shortcut gives
// text, or "" when it leaves the post to the detector.
func (e *Engine) LanguageByFunctionWords(text string) string {
	code, _ := e.languages.byFunctionWords(tokenize(text).tokens)
	return code
}
