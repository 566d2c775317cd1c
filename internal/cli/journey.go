package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/journey"
)

func newJourneyCmd(a *App) *cobra.Command {
	var format, as string
	cmd := &cobra.Command{
		Use:   "journey CUSTOMER",
		Short: "Export a customer's whole journey: every step of every case, in order",
		Long: "CUSTOMER is platform:author-id (x:u123, facebook:5521). Linked identities\n" +
			"export one journey. Each step has its time, case, channel, actor, department,\n" +
			"what was said, the SLA outcome and the policy version the case ran under.",
		Example: "  switchboard journey x:u123 --format md > jane.md",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(journeyFormats, format) {
				return usageError{fmt.Errorf("--format %q: use %s", format, strings.Join(journeyFormats, ", "))}
			}
			agent, mayOpen, cases, err := a.readFor(cmd.Context(), as)
			if err != nil {
				return err
			}
			full, err := cases.Journey(cmd.Context(), args[0])
			if err != nil {
				return unavailable(err)
			}
			if len(full.Cases) == 0 {
				return notFound(fmt.Errorf("no such customer %s: no case of theirs is known (customers are platform:author-id, as x:u123)", args[0]))
			}
			j, withheld := full.SeenBy(mayOpen)
			if len(withheld) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d of the customer's cases left out: in %s, which %s may not open\n", len(withheld), strings.Join(slices.Compact(slices.Sorted(slices.Values(withheld))), ", "), agent.ID)
			}
			return writeJourney(cmd.OutOrStdout(), j, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "json, csv or md")
	cmd.Flags().StringVar(&as, "as", "", "the agent reading: the cases they may not open are left out (default $"+EnvAgent+", else the agent last signed in as; none: an auditor, every case)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(journeyFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// journeyFormats are the formats a journey exports to.
var journeyFormats = []string{"json", "csv", "md"}

func writeJourney(w io.Writer, j journey.Journey, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"at", "case_id", "seq", "channel", "kind", "actor", "department", "text", "detail", "sla", "policy_version"})
		for _, m := range j.Timeline {
			_ = cw.Write([]string{m.At.UTC().Format(time.RFC3339), m.CaseID, strconv.Itoa(m.Seq), m.Channel, m.Kind, m.Actor,
				m.Department, m.Text, m.Detail, m.SLA, m.PolicyVersion})
		}
		cw.Flush()
		return cw.Error()
	case "md":
		fmt.Fprintf(w, "# Journey of %s\n\n", j.CustomerID)
		if len(j.Aliases) > 0 {
			fmt.Fprintf(w, "Linked identities: %s\n\n", strings.Join(j.Aliases, ", "))
		}
		fmt.Fprintln(w, "| time (UTC) | case | channel | step | actor | department | what | SLA | policy |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
		cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }
		for _, m := range j.Timeline {
			what := strings.Trim(m.Text+" · "+m.Detail, " ·")
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m.At.UTC().Format("2006-01-02 15:04:05"),
				cell(m.CaseID), m.Channel, m.Kind, cell(m.Actor), m.Department, cell(what), cell(m.SLA), m.PolicyVersion)
		}
		return nil
	}
	return usageError{fmt.Errorf("--format %q: use json, csv or md", format)}
}

func newCustomerCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "customer", Short: "Customers across channels"}
	var as, format string
	link := &cobra.Command{
		Use:     "link CUSTOMER IDENTITY",
		Short:   "Link another identity (a Facebook id, an X handle…) to a customer: one journey",
		Example: "  switchboard customer link x:u123 facebook:5521 --as sam",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			api, _, err := signedIn(as)
			if err != nil {
				return err
			}
			j, err := api.link(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return p.print(j, func(w io.Writer) {
				fmt.Fprintf(w, "%s\tlinked identities: %s\tcases: %d\topen: %d\n", j.CustomerID, strings.Join(j.Aliases, ", "), len(j.Cases), len(j.Open()))
			})
		},
	}
	addAgentFlag(link, &as)
	addOutputFlag(link, &format)
	cmd.AddCommand(link)
	return cmd
}
