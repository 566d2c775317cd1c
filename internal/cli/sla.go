package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/slareport"
)

func newSLACmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "sla", Short: "SLA reporting"}
	cmd.AddCommand(newSLAReportCmd(a), newSLALinksCmd(a))
	return cmd
}

func newSLALinksCmd(a *App) *cobra.Command {
	var as, ui string
	cmd := &cobra.Command{
		Use:   "links",
		Short: "Temporal Web UI links that list the cases breached now, due soon, escalated, awaiting approval, and an agent's",
		Long: "Prints a Web UI link for each search of docs/monitoring.md, with the times of the due-soon\n" +
			"searches as of now (the Web UI has no relative times) and --as the agent of \"mine\".",
		Example: "  switchboard sla links --as sam\n  switchboard sla links --ui https://temporal.acme.example",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			agent, err := acting(as)
			if err != nil {
				return err
			}
			if _, err := cfg.Directory().Lookup(agent); err != nil {
				return usageError{err}
			}
			printMonitors(cmd.OutOrStdout(), ui, cfg, agent)
			return nil
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "the agent whose cases \"mine\" lists (default $"+EnvAgent+")")
	cmd.Flags().StringVar(&ui, "ui", "http://localhost:8233", "the Temporal Web UI's address")
	return cmd
}

// printMonitors writes each monitoring search as a Web UI link.
func printMonitors(w io.Writer, ui string, cfg *config.Config, agent string) {
	for _, m := range caseapi.Monitors(time.Now(), agent, cfg.Policy.CoE) {
		fmt.Fprintf(w, "  %-40s %s\n", m.Name+":", caseapi.WebUIURL(ui, cfg.Temporal.Namespace, m.Query))
	}
}

func newSLAReportCmd(a *App) *cobra.Command {
	var since, dept, format, as string
	var parallel int
	cmd := &cobra.Command{
		Use:   "report",
		Short: "SLA report per department and priority: attainment, response and resolution times, breaches",
		Long: "Reads every case started within --since (a visibility list on StartTime), then each case's\n" +
			"state and audit trail (the state and events queries, which a worker answers from the case's\n" +
			"history, closed cases included while their history is retained), and computes per department\n" +
			"and priority: cases, first-response attainment, p50/p90/p99 time to first response and to\n" +
			"resolution (working time, as the SLA measured it; nearest-rank percentiles), breaches,\n" +
			"escalations and handoffs. docs/monitoring.md defines each figure and how fresh it is.",
		Example: "  switchboard sla report --since 7d\n" +
			"  switchboard sla report --since 30d --department support -o json | jq '.total.first_response'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			window, err := slareport.ParseWindow(since)
			if err != nil {
				return usageError{fmt.Errorf("--since: %w", err)}
			}
			if parallel < 1 {
				return usageError{fmt.Errorf("--parallel %d: want at least 1", parallel)}
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			if _, ok := cfg.Policy.Department(dept); dept != "" && !ok {
				return usageError{fmt.Errorf("--department %q: not a department of the configuration (%s)", dept, strings.Join(cfg.Policy.DepartmentIDs(), ", "))}
			}
			agent, err := a.viewer(as)
			if err != nil {
				return err
			}
			depts, err := a.listScope(agent, dept, false)
			if err != nil {
				return err
			}
			cases, err := a.reader(cmd.Context())
			if err != nil {
				return err
			}
			asOf := time.Now().UTC()
			from := asOf.Add(-window)
			read, gone, err := cases.PastCases(cmd.Context(), from, parallel)
			if err != nil {
				return unavailable(err)
			}
			rep := slareport.Compute(read, slareport.Options{Departments: slices.DeleteFunc(depts, func(d string) bool { return d == "" }), Since: from, AsOf: asOf})
			rep.Gone = gone
			return p.print(rep, func(w io.Writer) { renderSLAReport(w, rep) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "7d", "cases started within this window before now: 7d, 2w, 36h, 1d12h")
	fl.StringVar(&dept, "department", "", "only this department's rows (a handed-off case counts for each department that owned it)")
	fl.StringVar(&as, "as", "", "the agent reading: their departments' rows only (default $"+EnvAgent+", else the agent last signed in as; none: an operator, every department)")
	fl.IntVar(&parallel, "parallel", 8, "cases read at once (each read is two queries a worker answers)")
	addOutputFlag(cmd, &format)
	_ = cmd.RegisterFlagCompletionFunc("department", a.completeDepartments)
	return cmd
}

func renderSLAReport(w io.Writer, rep slareport.Report) {
	fmt.Fprintf(w, "cases started %s – %s: %d read", rep.Since.Format("2006-01-02 15:04 MST"), rep.AsOf.Format("2006-01-02 15:04 MST"), rep.Read)
	if rep.Unrouted > 0 {
		fmt.Fprintf(w, ", %d without an owner (spam, in triage)", rep.Unrouted)
	}
	if rep.Gone > 0 {
		fmt.Fprintf(w, ", %d gone before they could be read", rep.Gone)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "times are working time as the SLA measured it; percentiles are nearest-rank (docs/monitoring.md)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "DEPT\tPRIO\tCASES\tFR MET\tFR P50\tFR P90\tFR P99\tRES P50\tRES P90\tRES P99\tBREACHES\tESCALATIONS\tHANDOFFS\tUNANSWERED")
	for _, r := range append(rep.Rows, rep.Total) {
		fr, res := percentileCells(r.TimeToFirstResponse), percentileCells(r.TimeToResolution)
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", r.Department, r.Priority, r.Cases, attainmentCell(r.FirstResponse),
			fr[0], fr[1], fr[2], res[0], res[1], res[2], r.Breaches, r.Escalations, r.Handoffs, r.ResolvedUnanswered)
	}
}

func attainmentCell(a slareport.Attainment) string {
	if a.Pct == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", *a.Pct, a.Met, a.Met+a.Missed)
}

func percentileCells(p *slareport.Percentiles) [3]string {
	if p == nil {
		return [3]string{"-", "-", "-"}
	}
	return [3]string{shortDur(p.P50), shortDur(p.P90), shortDur(p.P99)}
}

// shortDur shows a duration to the second without empty units: 1h, 20m, 1h5m30s.
func shortDur(d slareport.Duration) string {
	s := time.Duration(d).Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
