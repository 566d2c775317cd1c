package triage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Labelled is a canonical post with what triage should make of it, one line
// of an evaluation file.
type Labelled struct {
	post.Post
	Expect Expect `json:"expect"`
}

// Expect is the expected outcome; an empty field is not scored.
type Expect struct {
	Intent     string `json:"intent,omitempty"`
	Department string `json:"department,omitempty"`
	Language   string `json:"language,omitempty"`
}

// ReadLabelled reads JSON lines of labelled posts, naming the line of any
// mistake.
func ReadLabelled(r io.Reader) ([]Labelled, error) {
	return readLines(r, func(l Labelled) error {
		if err := l.Validate(); err != nil {
			return fmt.Errorf("%s: %w", l.ID, err)
		}
		if l.Expect == (Expect{}) {
			return fmt.Errorf("%s: expect has no intent, department or language", l.ID)
		}
		return nil
	})
}

// readLines reads JSON lines (blank ones skipped) into values of T, each
// checked by check; the first mistake is returned with its line number.
func readLines[T any](r io.Reader, check func(T) error) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*post.MaxTextLength)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := check(v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// Fields scored by an evaluation, in report order.
var evalFields = []string{"intent", "department", "language"}

// Report is the outcome of an evaluation.
type Report struct {
	Posts  int                     `json:"posts"`
	Fields map[string]*FieldReport `json:"fields"` // by field: intent, department, language
	// ModelVersion names the intent model measured.
	ModelVersion string `json:"model_version"`
	// SpamFalsePositives counts the posts not expected to be spam that were
	// closed as spam: the worst mistake, a customer left without an answer.
	SpamFalsePositives Share `json:"spam_false_positives"`
	// HighStakes is the precision of each high-stakes intent: of the posts
	// given it, how many were expected to be it. A wrong one sends a routine
	// post to Legal, PR or the centre of excellence at P1/P2.
	HighStakes map[string]Share `json:"high_stakes"`
	// NeedsReview counts the posts marked for a person to read.
	NeedsReview Share `json:"needs_review"`
	// Calibration bins the posts whose intent the model gave by its
	// confidence, against how often that intent was right.
	Calibration []CalibrationBin `json:"calibration"`
	Misses      []Miss           `json:"misses"`
}

// HighStakesIntents are the intents whose mistakes cost most, in report
// order.
var HighStakesIntents = []string{IntentSpam, "safety", "legal_threat", "press_inquiry"}

// Share is Count out of Of.
type Share struct {
	Count int     `json:"count"`
	Of    int     `json:"of"`
	Rate  float64 `json:"rate"`
}

func share(count, of int) Share {
	s := Share{Count: count, Of: of}
	if of > 0 {
		s.Rate = float64(count) / float64(of)
	}
	return s
}

// CalibrationBin is one row of the reliability table: posts whose model
// confidence fell in [Low, High), their mean confidence and the share the
// model got right. Calibrated, the two columns agree.
type CalibrationBin struct {
	Low            float64 `json:"low"`
	High           float64 `json:"high"`
	Posts          int     `json:"posts"`
	MeanConfidence float64 `json:"mean_confidence"`
	Accuracy       float64 `json:"accuracy"`
}

// calibrationEdges are the reliability table's bins; below 0.3 the model
// is rarely asked to decide alone.
var calibrationEdges = []float64{0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001}

// FieldReport scores one field.
type FieldReport struct {
	Scored   int     `json:"scored"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	// Labels and Matrix form the confusion matrix: Matrix[i][j] counts posts
	// expected Labels[i] and given Labels[j].
	Labels []string `json:"labels"`
	Matrix [][]int  `json:"matrix"`
}

// Miss is one wrong field of one post, with the reasons triage gave.
type Miss struct {
	ID       string   `json:"id"`
	Field    string   `json:"field"`
	Expected string   `json:"expected"`
	Got      string   `json:"got"`
	Reasons  []string `json:"reasons"`
}

// Evaluate triages each labelled post, routes it with pol, and scores
// intent, department and language against the expectations.
func Evaluate(e *Engine, pol *policy.Policy, posts []Labelled) Report {
	rep := Report{Posts: len(posts), Fields: map[string]*FieldReport{}, Misses: []Miss{}, ModelVersion: e.model.Version, HighStakes: map[string]Share{}}
	type pair struct{ want, got string }
	pairs := map[string][]pair{}
	nonSpam, asSpam, review := 0, 0, 0
	given, givenRight := map[string]int{}, map[string]int{}
	bins := make([]CalibrationBin, len(calibrationEdges)-1)
	for i := range bins {
		bins[i].Low, bins[i].High = calibrationEdges[i], min(calibrationEdges[i+1], 1)
	}
	for _, l := range posts {
		res, byModel := e.triage(l.Post)
		dec := pol.Decide(res.Signals(l.Post))
		if res.NeedsReview {
			review++
		}
		if want := l.Expect.Intent; want != "" {
			if want != IntentSpam {
				nonSpam++
				if res.Spam {
					asSpam++
				}
			}
			given[res.Intent]++
			if res.Intent == want {
				givenRight[res.Intent]++
			}
			if byModel {
				b := &bins[sort.SearchFloat64s(calibrationEdges, res.Confidence+1e-12)-1]
				b.Posts++
				b.MeanConfidence += res.Confidence
				if res.Intent == want {
					b.Accuracy++
				}
			}
		}
		got := map[string]string{"intent": res.Intent, "department": dec.Department, "language": res.Language}
		want := map[string]string{"intent": l.Expect.Intent, "department": l.Expect.Department, "language": l.Expect.Language}
		for _, f := range evalFields {
			if want[f] == "" {
				continue
			}
			pairs[f] = append(pairs[f], pair{want[f], got[f]})
			if want[f] != got[f] {
				rep.Misses = append(rep.Misses, Miss{ID: l.ID, Field: f, Expected: want[f], Got: got[f], Reasons: slices.Concat(res.Reasons, dec.Reasons)})
			}
		}
	}
	rep.SpamFalsePositives = share(asSpam, nonSpam)
	rep.NeedsReview = share(review, len(posts))
	for _, in := range HighStakesIntents {
		rep.HighStakes[in] = share(givenRight[in], given[in])
	}
	for _, b := range bins {
		if b.Posts > 0 {
			b.MeanConfidence /= float64(b.Posts)
			b.Accuracy /= float64(b.Posts)
		}
		rep.Calibration = append(rep.Calibration, b)
	}
	for _, f := range evalFields {
		fr := &FieldReport{Labels: []string{}, Matrix: [][]int{}}
		for _, p := range pairs[f] {
			for _, l := range []string{p.want, p.got} {
				if !slices.Contains(fr.Labels, l) {
					fr.Labels = append(fr.Labels, l)
				}
			}
		}
		fr.Labels = orderLabels(fr.Labels, e.cfg.Intents)
		for range fr.Labels {
			fr.Matrix = append(fr.Matrix, make([]int, len(fr.Labels)))
		}
		for _, p := range pairs[f] {
			fr.Scored++
			if p.want == p.got {
				fr.Correct++
			}
			fr.Matrix[slices.Index(fr.Labels, p.want)][slices.Index(fr.Labels, p.got)]++
		}
		if fr.Scored > 0 {
			fr.Accuracy = float64(fr.Correct) / float64(fr.Scored)
		}
		rep.Fields[f] = fr
	}
	return rep
}

// orderLabels puts intents in their configured order and anything else
// after them alphabetically, so matrices read the same from run to run.
func orderLabels(labels, intents []string) []string {
	rank := func(l string) int {
		if i := slices.Index(intents, l); i >= 0 {
			return i
		}
		return len(intents)
	}
	slices.SortFunc(labels, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return labels
}

// WriteText prints the report for people: accuracy per field, the confusion
// matrices of intent and department, and each miss with its reasons.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "posts\t%d\t\n", r.Posts)
	for _, f := range evalFields {
		fr := r.Fields[f]
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f%%\t\n", f, fr.Correct, fr.Scored, 100*fr.Accuracy)
	}
	fmt.Fprintf(tw, "spam false positives\t%d/%d\t%.1f%%\t\n", r.SpamFalsePositives.Count, r.SpamFalsePositives.Of, 100*r.SpamFalsePositives.Rate)
	for _, in := range HighStakesIntents {
		s := r.HighStakes[in]
		if s.Of == 0 {
			fmt.Fprintf(tw, "%s precision\t0/0\t—\t\n", in)
			continue
		}
		fmt.Fprintf(tw, "%s precision\t%d/%d\t%.1f%%\t\n", in, s.Count, s.Of, 100*s.Rate)
	}
	fmt.Fprintf(tw, "needs review\t%d/%d\t%.1f%%\t\n", r.NeedsReview.Count, r.NeedsReview.Of, 100*r.NeedsReview.Rate)
	fmt.Fprintf(tw, "model\t%s\t\t\n", r.ModelVersion)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncalibration of the model's own decisions (confidence bin, posts, mean confidence, accuracy)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, b := range r.Calibration {
		if b.Posts == 0 {
			fmt.Fprintf(tw, "%.1f–%.1f\t0\t\t\t\n", b.Low, b.High)
			continue
		}
		fmt.Fprintf(tw, "%.1f–%.1f\t%d\t%.2f\t%.1f%%\t\n", b.Low, b.High, b.Posts, b.MeanConfidence, 100*b.Accuracy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range []string{"intent", "department"} {
		fr := r.Fields[f]
		fmt.Fprintf(w, "\n%s confusion (rows expected, columns given)\n", f)
		tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "\t")
		for _, l := range fr.Labels {
			fmt.Fprintf(tw, "%s\t", abbreviate(l))
		}
		fmt.Fprintln(tw)
		for i, l := range fr.Labels {
			fmt.Fprintf(tw, "%s\t", l)
			for _, n := range fr.Matrix[i] {
				if n == 0 {
					fmt.Fprint(tw, ".\t")
				} else {
					fmt.Fprintf(tw, "%d\t", n)
				}
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Misses) > 0 {
		fmt.Fprintln(w, "\nmisses")
	}
	for _, m := range r.Misses {
		fmt.Fprintf(w, "%s %s: expected %s, got %s\n    %s\n", m.ID, m.Field, m.Expected, m.Got, strings.Join(m.Reasons, "\n    "))
	}
	return nil
}

// abbreviate shortens a column heading so a matrix of ten intents fits a
// terminal: legal_threat → legal_t.
func abbreviate(label string) string {
	if len(label) <= 7 {
		return label
	}
	return label[:7]
}
