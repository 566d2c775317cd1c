package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Output formats.
const (
	OutputAuto  = "auto" // a table on a terminal, JSON otherwise
	OutputTable = "table"
	OutputJSON  = "json"
)

// printer writes a result as JSON or as a human rendering.
type printer struct {
	format string
	out    io.Writer
}

func addOutputFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVarP(format, "output", "o", OutputAuto, "output format: table, json, or auto (table on a terminal)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{OutputTable, OutputJSON, OutputAuto}, cobra.ShellCompDirectiveNoFileComp))
}

func newPrinter(cmd *cobra.Command, format string) (printer, error) {
	out := cmd.OutOrStdout()
	switch format {
	case OutputJSON, OutputTable:
	case OutputAuto, "":
		format = OutputJSON
		if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = OutputTable
		}
	default:
		return printer{}, usageError{fmt.Errorf("--output %q: use table, json or auto", format)}
	}
	return printer{format: format, out: out}, nil
}

// print renders v: JSON as is, or through human for tables.
func (p printer) print(v any, human func(w io.Writer)) error {
	if p.format == OutputJSON {
		text, err := durationsAsText(v)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(p.out)
		enc.SetIndent("", "  ")
		return enc.Encode(text)
	}
	tw := tabwriter.NewWriter(p.out, 2, 4, 2, ' ', 0)
	human(tw)
	return tw.Flush()
}

// durationFields are the JSON names of casestate's durations (a clock's
// target and remaining time, an event's target and took), which payloads
// carry as nanoseconds and casestate also reads as text.
var durationFields = []string{"target", "remaining", "took"}

// durationsAsText is v as JSON with those durations as Go writes them
// ("1h0m0s"): what a person or a script reads, where nanoseconds are not.
func durationsAsText(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	var walk func(any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			for k, child := range n {
				if nanos, ok := child.(json.Number); ok && slices.Contains(durationFields, k) {
					if ns, err := nanos.Int64(); err == nil {
						n[k] = time.Duration(ns).String()
						continue
					}
				}
				walk(child)
			}
		case []any:
			for _, child := range n {
				walk(child)
			}
		}
	}
	walk(tree)
	return tree, nil
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("Mon 15:04 UTC")
}

func until(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	d := t.Sub(now).Round(time.Minute)
	if d < 0 {
		return "overdue " + (-d).String()
	}
	return "in " + d.String()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
