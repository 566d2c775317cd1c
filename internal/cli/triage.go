package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

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
}

func newTriageCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Triage canonical posts: JSON lines on stdin, one JSON result per line on stdout",
		Long: `Reads canonical posts as JSON lines on standard input and writes, for each,
one JSON object with id, intent, confidence, department ("none" for spam),
priority, watchers, language, sentiment, spam, private, redacted text and the
reasons for all of it. Lines that are not valid posts are reported on standard
error with their line number; the others are still triaged, and the command
then fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			engine, pol, err := triageEngine(app)
			if err != nil {
				return err
			}
			return triageStream(engine, pol, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.AddCommand(newTriageEvalCmd(app))
	return cmd
}

func newTriageEvalCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval FILE",
		Short: "Measure triage on labelled posts: accuracy per field and confusion matrices",
		Long: `Reads canonical posts that carry an "expect" object ({"intent", "department",
"language"}, each optional) from FILE, one per line ("-" for standard input),
triages and routes each with the configuration, and prints the accuracy of
each field, the confusion matrices of intent and department, and every miss
with its reasons. --json prints the same as one JSON object.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return usageError{err}
				}
				defer f.Close()
				in = f
			}
			posts, err := triage.ReadLabelled(in)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(posts) == 0 {
				return usageError{fmt.Errorf("%s: no labelled posts", args[0])}
			}
			engine, pol, err := triageEngine(app)
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
// results, both from the configuration.
func triageEngine(app *App) (*triage.Engine, *policy.Policy, error) {
	cfg, err := app.Config()
	if err != nil {
		return nil, nil, err
	}
	engine, err := triage.New(cfg.Triage)
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
