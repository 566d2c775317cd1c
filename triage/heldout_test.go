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
func heldOut(tb testing.TB) []triage.Labelled {
	tb.Helper()
	f, err := os.Open("data/heldout.jsonl")
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
