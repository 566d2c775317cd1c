package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

// triageLine is one line of `switchboard triage` output. Tooling reads it:
// fields may be added, never renamed or removed.
type triageLine struct {
	ID         string          `json:"id"`
	Intent     string          `json:"intent"`
	Confidence float64         `json:"confidence"`
	Department string          `json:"department"` // "none" for spam
	Priority   policy.Priority `json:"priority"`   // empty for spam
	Watchers   []string        `json:"watchers"`
	Language   string          `json:"language"`
	Sentiment  float64         `json:"sentiment"`
	Spam       bool            `json:"spam"`
	Private    bool            `json:"private"`
	Redacted   string          `json:"redacted"`
	Reasons    []string        `json:"reasons"`
	// NeedsReview: triage was unsure, so the post went to the property's
	// responder for a person to read.
	NeedsReview  bool   `json:"needs_review"`
	ModelVersion string `json:"model_version"`
}

func newTriageCmd(app *App) *cobra.Command {
	var modelDir string
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Triage canonical posts: JSON lines on stdin, one JSON result per line on stdout",
		Long: `Reads canonical posts as JSON lines on standard input and writes, for each,
one JSON object with id, intent, confidence, department ("none" for spam),
priority, watchers, language, sentiment, spam, private, redacted text, the
reasons for all of it, needs_review (triage was unsure: the post goes to the
property's responder) and model_version. Lines that are not valid posts are
reported on standard error with their line number; the others are still
triaged, and the command then fails. --model DIR triages with a model that
"switchboard triage learn" wrote (the configuration key triage.model_dir
does the same for the worker).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			engine, pol, err := triageEngine(app, modelDir)
			if err != nil {
				return err
			}
			return triageStream(engine, pol, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.PersistentFlags().StringVar(&modelDir, "model", "", "triage with the model in this directory (written by triage learn) instead of triage.model_dir")
	cmd.AddCommand(newTriageEvalCmd(app, &modelDir), newTriageLearnCmd(app, &modelDir), newTriageCorrectionsCmd(app))
	return cmd
}

func newTriageCorrectionsCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "corrections",
		Short: "Print the agents' corrections of triage, one JSON object a line",
		Long: `Prints every correction the cases recorded in the shared store (relabels,
rescues from the spam queue, handoffs), in the form "switchboard triage learn"
reads: switchboard triage corrections > corrections.jsonl.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := app.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			all, err := retrain.NewStore(store).All(cmd.Context())
			if err != nil {
				return unavailable(err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			for _, c := range all {
				if err := enc.Encode(c); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newTriageLearnCmd(app *App, modelDir *string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "learn FILE --out DIR",
		Short: "Train a triage model from the shipped data plus agents' corrections",
		Long: `Reads corrections from FILE ("-" for standard input), one JSON object a
line: {"post": <canonical post>, "intent": "...", "department": "..."}. A
correction without an intent teaches the intent whose route is its
department, when exactly one intent routes there; others are skipped and
counted. Trains a model from the shipped training set plus the corrections
(each counting three times a shipped example) and writes it into DIR, with
its version, a content hash of what it learned from. Use it with
"switchboard triage --model DIR", "triage eval --model DIR", or the
configuration key triage.model_dir.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("--out DIR is required")}
			}
			in, closeIn, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			defer closeIn()
			corrections, err := triage.ReadCorrections(in)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			engine, pol, err := triageEngine(app, *modelDir)
			if err != nil {
				return err
			}
			cfg, _ := app.Config()
			usable, skipped := retrain.Usable(corrections, cfg.Triage.Intents, pol)
			model, err := engine.Learn(usable)
			if err != nil {
				return err
			}
			if err := model.Save(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "model %s: %d shipped examples and %d corrections (%d skipped: a department no single intent routes to) → %s\n",
				model.Version, model.Examples, model.Corrections, skipped, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the model into")
	return cmd
}

// openInput opens the file a command reads, "-" being standard input.
func openInput(cmd *cobra.Command, name string) (io.Reader, func(), error) {
	if name == "-" {
		return cmd.InOrStdin(), func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return f, func() { f.Close() }, nil
}

func newTriageEvalCmd(app *App, modelDir *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval FILE",
		Short: "Measure triage on labelled posts: accuracy per field and confusion matrices",
		Long: `Reads canonical posts that carry an "expect" object ({"intent", "department",
"language"}, each optional) from FILE, one per line ("-" for standard input),
triages and routes each with the configuration, and prints the accuracy of
each field; the spam false-positive rate (non-spam posts closed as spam);
the precision of each high-stakes intent (spam, safety, legal_threat,
press_inquiry); the share of posts marked needs review; the calibration
table of the model's own decisions (confidence bin against accuracy); the
confusion matrices of intent and department, and every miss with its
reasons. --json prints the same as one JSON object. --model DIR measures a
model "switchboard triage learn" wrote.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, closeIn, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			defer closeIn()
			posts, err := triage.ReadLabelled(in)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(posts) == 0 {
				return usageError{fmt.Errorf("%s: no labelled posts", args[0])}
			}
			engine, pol, err := triageEngine(app, *modelDir)
			if err != nil {
				return err
			}
			rep := triage.Evaluate(engine, pol, posts)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// triageEngine builds the engine and returns the policy that routes its
// results, both from the configuration; modelDir, when given, overrides
// triage.model_dir.
func triageEngine(app *App, modelDir string) (*triage.Engine, *policy.Policy, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, nil, err
	}
	tc := cfg.Triage
	if modelDir != "" {
		tc.ModelDir = modelDir
	}
	engine, err := triage.New(tc)
	if err != nil {
		return nil, nil, err
	}
	return engine, &cfg.Policy, nil
}

// triageStream triages every post line of in onto out, reporting bad lines
// on errOut; it fails at the end if any line was bad.
func triageStream(engine *triage.Engine, pol *policy.Policy, in io.Reader, out, errOut io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 4*post.MaxTextLength)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	bad, total := 0, 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		total++
		var p post.Post
		err := json.Unmarshal(line, &p)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			bad++
			fmt.Fprintf(errOut, "line %d: %v\n", n, err)
			continue
		}
		res := engine.Triage(p)
		dec := pol.Decide(res.Signals(p))
		watchers := dec.Watchers
		if watchers == nil {
			watchers = []string{} // an array for tooling, never null
		}
		if err := enc.Encode(triageLine{
			ID: p.ID, Intent: res.Intent, Confidence: res.Confidence,
			Department: dec.Department, Priority: dec.Priority, Watchers: watchers,
			Language: res.Language, Sentiment: res.Sentiment, Spam: res.Spam, Private: dec.Private,
			Redacted: res.Redacted, Reasons: slices.Concat(res.Reasons, dec.Reasons),
			NeedsReview: res.NeedsReview, ModelVersion: res.ModelVersion,
		}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d lines were not valid posts (see above)", bad, total)
	}
	return nil
}
