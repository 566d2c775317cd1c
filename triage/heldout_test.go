package triage_test

import (
	"os"
	"sync"
	"testing"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/triage"
)

// The engine loads ~130 MiB of language models; the tests share one.
var (
	engineOnce sync.Once
	engine     *triage.Engine
	demo       *config.Config
	engineErr  error
)

func demoEngine(t testing.TB) (*triage.Engine, *policy.Policy) {
	t.Helper()
	engineOnce.Do(func() {
		demo, engineErr = config.Default()
		if engineErr == nil {
			engine, engineErr = triage.New(demo.Triage)
		}
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine, &demo.Policy
}

// heldOut reads the held-out labelled posts.
func heldOut(tb testing.TB) []triage.Labelled { return readLabelled(tb, "data/heldout.jsonl") }

// readLabelled reads a file of labelled posts.
func readLabelled(tb testing.TB, file string) []triage.Labelled {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	posts, err := triage.ReadLabelled(f)
	if err != nil {
		tb.Fatal(err)
	}
	return posts
}

// trainingSet reads the embedded training set.
func trainingSet(tb testing.TB) []triage.Example {
	tb.Helper()
	examples, err := triage.TrainingSet()
	if err != nil {
		tb.Fatal(err)
	}
	return examples
}

func TestHeldOutAccuracy(t *testing.T) {
	e, pol := demoEngine(t)
	rep := triage.Evaluate(e, pol, heldOut(t))
	if testing.Verbose() {
		rep.WriteText(os.Stdout)
	}
	for field, floor := range map[string]float64{"intent": 0.90, "department": 0.95, "language": 0.90} {
		if got := rep.Fields[field].Accuracy; got < floor {
			t.Errorf("%s accuracy %.3f, below %.2f", field, got, floor)
		}
	}
}

// TestCompareModels measures the candidate intent models side by side, each
// alone (no rules, no thresholds: the most probable intent), trained on the
// same shipped examples: naive Bayes over stemmed words, as the engine had
// it, and the linear model over word, bigram, negation and character
// n-gram features that replaced it. It fails if the linear model is not
// the better on each held-out set.
//
//	go test ./triage/ -run CompareModels -v
func TestCompareModels(t *testing.T) {
	e, _ := demoEngine(t)
	for _, file := range []string{"data/heldout.jsonl", "data/generated-heldout.jsonl"} {
		posts := readLabelled(t, file)
		nb, lin, err := triage.CompareModels(e, posts)
		if err != nil {
			t.Fatal(err)
		}
		n := float64(len(posts))
		t.Logf("%s, %d posts, intent by the model alone: naive Bayes %.1f %%, linear %.1f %%", file, len(posts), 100*float64(nb)/n, 100*float64(lin)/n)
		if lin <= nb {
			t.Errorf("%s: the linear model (%d right) is not better than naive Bayes (%d)", file, lin, nb)
		}
	}
}
