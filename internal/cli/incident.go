package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/incident"
)

// The incident commands go through the console, as actions do: it knows
// the agent by their token and lets only the centre of excellence and PR
// see or act on incidents.
func newIncidentCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "incident", Short: "Work the incidents the crisis watch opened (docs/incidents.md)"}
	cmd.AddCommand(newIncidentListCmd(), newIncidentShowCmd())
	for _, a := range []struct {
		kind  incident.ActionKind
		args  []string // after INCIDENT
		short string
	}{
		{incident.ActionPropose, []string{"STATEMENT"}, "Propose a holding statement; another person approves it"},
		{incident.ActionApprove, []string{"VERSION"}, "Approve the proposed statement, the version you read (an approver of PR when the posts are public)"},
		{incident.ActionReject, []string{"VERSION", "REASON"}, "Return the proposed statement with a reason"},
		{incident.ActionSend, []string{"VERSION"}, "Send the approved statement to every member case, once each, and to each case that joins"},
		{incident.ActionResolve, []string{"HOW"}, "Resolve the incident and every member case, each with a link to it"},
	} {
		cmd.AddCommand(newIncidentActCmd(a.kind, a.args, a.short))
	}
	return cmd
}

// callConsole signs in as the agent, asks the console (method, path, body
// into out) and prints out as format asks, rendered by table otherwise.
func callConsole[T any](cmd *cobra.Command, as, format, method, path string, body any, table func(io.Writer, T)) error {
	p, err := newPrinter(cmd, format)
	if err != nil {
		return err
	}
	api, _, err := signedIn(as)
	if err != nil {
		return err
	}
	var out T
	if err := api.call(cmd.Context(), method, path, body, &out); err != nil {
		return err
	}
	return p.print(out, func(w io.Writer) { table(w, out) })
}

func newIncidentListCmd() *cobra.Command {
	var as, format string
	var closed bool
	cmd := &cobra.Command{
		Use: "list", Short: "List the open incidents (--closed: the resolved too)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := console.APIIncidents
			if closed {
				path += "?closed=1"
			}
			return callConsole(cmd, as, format, http.MethodGet, path, nil, func(w io.Writer, list []caseapi.IncidentSummary) {
				fmt.Fprintln(w, "INCIDENT\tOPENED\tSTATE\tWHY")
				for _, i := range list {
					state := "resolved"
					if i.Open {
						state = "open"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", i.ID, i.OpenedAt.UTC().Format("2006-01-02 15:04"), state, i.Summary)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&closed, "closed", false, "include the resolved incidents")
	addAgentFlag(cmd, &as)
	addOutputFlag(cmd, &format)
	return cmd
}

func newIncidentShowCmd() *cobra.Command {
	var as, format string
	cmd := &cobra.Command{
		Use: "show INCIDENT", Short: "Show an incident: why it opened, its posts, its statement and where each member case stands", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return callConsole(cmd, as, format, http.MethodGet, console.APIIncidents+"?id="+url.QueryEscape(args[0]), nil, writeIncident)
		},
	}
	addAgentFlag(cmd, &as)
	addOutputFlag(cmd, &format)
	return cmd
}

func writeIncident(w io.Writer, inc incident.Incident) {
	fmt.Fprintf(w, "%s\t%s on %s, opened %s, worked by %s\n", inc.ID, inc.Status, inc.Property, inc.OpenedAt.UTC().Format("2006-01-02 15:04 UTC"), strings.Join(inc.Departments, ", "))
	for _, a := range inc.Alerts {
		fmt.Fprintf(w, "spike\t%s\n", a.Why)
	}
	for _, s := range inc.Samples {
		fmt.Fprintf(w, "post\t%s\t%s\n", s.CaseID, s.Text)
	}
	if s := inc.Current(); s != nil {
		state := "awaiting approval"
		switch {
		case s.SentBy != "":
			state = "approved by " + s.ApprovedBy + ", sent by " + s.SentBy
		case s.ApprovedBy != "":
			state = "approved by " + s.ApprovedBy + ", not sent"
		}
		fmt.Fprintf(w, "statement %d\t%s (by %s; %s)\n", s.Version, s.Text, s.By, state)
		fmt.Fprintf(w, "delivered\t%v of %d member case(s)\n", inc.Tally(s.Version), len(inc.Members))
	}
	if r := inc.Resolution; r != nil {
		fmt.Fprintf(w, "resolved\tby %s: %s; %v\n", r.By, r.Text, inc.Tally(0))
	}
	fmt.Fprintf(w, "members\t%d\n", len(inc.Members))
}

func newIncidentActCmd(kind incident.ActionKind, names []string, short string) *cobra.Command {
	var as, format string
	cmd := &cobra.Command{
		Use: string(kind) + " INCIDENT " + strings.Join(names, " "), Short: short, Args: cobra.ExactArgs(1 + len(names)),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := console.IncidentActRequest{ID: args[0], Kind: kind, Request: caseapi.NewRequest()}
			for i, name := range names {
				switch v := args[1+i]; name {
				case "VERSION":
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 {
						return usageError{fmt.Errorf("VERSION %q: the statement's version, as `switchboard incident show` prints it", v)}
					}
					req.Version = n
				default:
					req.Text = v
				}
			}
			return callConsole(cmd, as, format, http.MethodPost, console.APIIncidentActions, req, writeIncident)
		},
	}
	addAgentFlag(cmd, &as)
	addOutputFlag(cmd, &format)
	return cmd
}
