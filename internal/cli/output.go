package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
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
		enc := json.NewEncoder(p.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(p.out, 2, 4, 2, ' ', 0)
	human(tw)
	return tw.Flush()
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
