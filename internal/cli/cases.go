package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/policy"
)

// EnvAgent names the environment variable with the acting agent's id.
const EnvAgent = "SWITCHBOARD_AGENT"

func addAgentFlag(cmd *cobra.Command, as *string) {
	cmd.Flags().StringVar(as, "as", "", "the agent acting (default $"+EnvAgent+", else the agent last signed in as with `switchboard login`)")
}

// acting is the agent an action is taken as: --as, else $SWITCHBOARD_AGENT.
func acting(as string) (string, error) {
	if as == "" {
		as = os.Getenv(EnvAgent)
	}
	if as == "" {
		return "", usageError{fmt.Errorf("who is acting? pass --as AGENT or set %s", EnvAgent)}
	}
	return as, nil
}

// listedStatuses are the statuses a list can filter by.
var listedStatuses = []string{"open", "waiting_customer", "awaiting_approval", "resolved", "closed", "spam"}

// checkFilter refuses a filter value that no case can have, naming the
// valid ones, rather than listing nothing: a typo must not read as "no
// cases". A priority is taken in either case (p1 is P1).
func (a *App) checkFilter(f *caseapi.Filter) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	f.Priority = strings.ToUpper(f.Priority)
	switch {
	case f.Status != "" && !slices.Contains(listedStatuses, f.Status):
		return usageError{fmt.Errorf("--status %q: use one of %s", f.Status, strings.Join(listedStatuses, ", "))}
	case f.Priority != "" && !policy.Priority(f.Priority).Valid():
		return usageError{fmt.Errorf("--priority %q: use one of P1, P2, P3, P4", f.Priority)}
	case f.Department != "" && !slices.Contains(cfg.Policy.DepartmentIDs(), f.Department):
		return usageError{fmt.Errorf("--department %q: use one of %s", f.Department, strings.Join(cfg.Policy.DepartmentIDs(), ", "))}
	}
	return nil
}

func newCasesCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "cases", Short: "List cases"}
	cmd.AddCommand(newCasesListCmd(a))
	return cmd
}

func newCasesListCmd(a *App) *cobra.Command {
	var f caseapi.Filter
	var breached, completed, every bool
	var format, as string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List cases, most urgent SLA first: the acting agent's departments unless --all",
		Example: "  switchboard cases list --department support --status open\n" +
			"  switchboard cases list --status spam                # the spam queue\n" +
			"  switchboard cases list --needs-review --department support\n" +
			"  switchboard cases list --breached -o json | jq '.[].case_id'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("breached") {
				f.Breached = &breached
			}
			if err := a.checkFilter(&f); err != nil {
				return err
			}
			f.Running = !completed
			agent, err := a.viewer(as)
			if err != nil {
				return err
			}
			depts, err := a.listScope(agent, f.Department, every)
			if err != nil {
				return err
			}
			cases, err := a.reader(cmd.Context())
			if err != nil {
				return err
			}
			list := []caseapi.Summary{}
			for _, dept := range depts {
				f.Department = dept
				part, err := cases.List(cmd.Context(), f)
				if err != nil {
					return unavailable(err)
				}
				list = append(list, part...)
			}
			caseapi.SortBySLA(list)
			now := time.Now()
			return p.print(list, func(w io.Writer) {
				fmt.Fprintln(w, "CASE\tSTATUS\tDEPT\tPRIO\tASSIGNEE\tINTENT\tSLA DUE\tBREACHED\tLEVEL")
				for _, c := range list {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%t\t%d\n", c.CaseID, c.Status, orDash(c.Department), orDash(c.Priority),
						orDash(c.Assignee), orDash(c.Intent), until(c.SLADueAt, now), c.SLABreached, c.EscalationLevel)
				}
				if len(list) == 0 {
					fmt.Fprintln(w, "(no cases match)")
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Department, "department", "", "only cases owned by this department (one the acting agent may open)")
	fl.StringVar(&f.Status, "status", "", "open, waiting_customer, awaiting_approval, resolved, closed or spam (the spam queue)")
	fl.StringVar(&f.Assignee, "assignee", "", `only cases claimed by this agent ("none" for unclaimed)`)
	fl.StringVar(&f.Priority, "priority", "", "P1, P2, P3 or P4")
	fl.StringVar(&f.CustomerID, "customer", "", "only this customer's cases (platform:id)")
	fl.BoolVar(&breached, "breached", false, "only cases breaching an SLA now (--breached=false for the others)")
	fl.BoolVar(&completed, "completed", false, "include completed cases")
	fl.BoolVar(&every, "all", false, "every department's cases (for those who see every department: the centre of excellence, operators)")
	fl.BoolVar(&f.NeedsReview, "needs-review", false, "only cases triage was unsure of that nobody has confirmed (relabel to confirm)")
	fl.StringVar(&as, "as", "", "the agent looking (default $"+EnvAgent+", else the agent last signed in as; none: an operator, every department)")
	addOutputFlag(cmd, &format)
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(listedStatuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("priority", cobra.FixedCompletions([]string{"P1", "P2", "P3", "P4"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("department", a.completeDepartments)
	return cmd
}

// listScope is the departments a list asks for ("" is every one): the
// one named, if the agent may open its cases; every one for an operator
// or for an agent who sees them all; else the agent's own, unless --all,
// which is refused to them as the console refuses their URL.
func (a *App) listScope(agent *policy.Agent, dept string, every bool) ([]string, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	mayOpen, err := a.mayOpen(agent)
	if err != nil {
		return nil, err
	}
	if dept != "" {
		if !mayOpen(dept) {
			return nil, refused(fmt.Errorf("%s may not open %s's cases (only its agents and %s)", agent.ID, dept, cfg.Policy.CoE))
		}
		return []string{dept}, nil
	}
	var own []string
	for _, d := range cfg.Policy.DepartmentIDs() {
		if mayOpen(d) {
			own = append(own, d)
		}
	}
	if len(own) == len(cfg.Policy.DepartmentIDs()) {
		return []string{""}, nil
	}
	if every {
		return nil, refused(fmt.Errorf("--all: %s sees the cases of %s only (every department is for %s)", agent.ID, strings.Join(own, ", "), cfg.Policy.CoE))
	}
	return own, nil
}

func (a *App) completeDepartments(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	cfg, err := a.Config()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	return cfg.Policy.DepartmentIDs(), cobra.ShellCompDirectiveNoFileComp
}

func (a *App) completeIntents(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	cfg, err := a.Config()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	return cfg.Policy.Intents(), cobra.ShellCompDirectiveNoFileComp
}

func newCaseCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "Show a case or act on it as an agent"}
	cmd.AddCommand(newCaseShowCmd(a))
	for _, spec := range actionSpecs {
		cmd.AddCommand(newCaseActionCmd(a, spec))
	}
	return cmd
}

func newCaseShowCmd(a *App) *cobra.Command {
	var format, as string
	cmd := &cobra.Command{
		Use:   "show CASE",
		Short: "Show a case: the post, why triage routed it, its state and its timeline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			agent, mayOpen, cases, err := a.readFor(cmd.Context(), as)
			if err != nil {
				return err
			}
			v, err := cases.State(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := a.mayOpenCase(agent, v); err != nil {
				return err
			}
			ev, err := cases.Events(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			full, err := cases.Customer(cmd.Context(), v.CustomerID)
			if err != nil {
				return err
			}
			// The customer's other cases as the agent may see them: those in
			// other departments only by department.
			policyOf, err := a.Config()
			if err != nil {
				return err
			}
			customer, withheld := full.SeenBy(mayOpen)
			elsewhere := make([]string, len(withheld))
			for i, dept := range withheld {
				elsewhere[i] = "another case with " + orDash(policyOf.Policy.DepartmentName(dept))
			}
			return p.print(struct {
				casestate.View
				Events    []casestate.Event `json:"events"`
				Customer  journey.Journey   `json:"customer"`
				Elsewhere []string          `json:"elsewhere,omitempty"`
			}{v, ev, customer, elsewhere}, func(w io.Writer) { renderCase(w, v, ev, customer, elsewhere) })
		},
	}
	addOutputFlag(cmd, &format)
	cmd.Flags().StringVar(&as, "as", "", "the agent looking (default $"+EnvAgent+", else the agent last signed in as; none: an operator); the customer's cases they may not open show only by department")
	return cmd
}

// mayOpenCase refuses the case to an agent who may not open it, as the
// console does: the case's own department, the centre of excellence, and
// the approvers its drafted reply waits for.
func (a *App) mayOpenCase(agent *policy.Agent, v casestate.View) error {
	cfg, err := a.Config()
	if err != nil || agent == nil {
		return err
	}
	if !cfg.Policy.MaySeeCase(agent.Actor(), v.Department, v.Approver, v.Draft != nil) {
		return refused(fmt.Errorf("%s may not open %s: %s has it (only its agents, %s and the approvers of a drafted reply)", agent.ID, v.ID, v.Department, cfg.Policy.CoE))
	}
	return nil
}

func renderCase(w io.Writer, v casestate.View, ev []casestate.Event, customer journey.Journey, elsewhere []string) {
	fmt.Fprintf(w, "%s\t%s · %s · %s · assignee %s\n", v.ID, v.Status, orDash(v.Department), orDash(v.Priority), orDash(v.Assignee))
	fmt.Fprintf(w, "post\t%s on %s:%s — %s\n", v.Post.Author.Handle, v.Post.Platform, v.Post.Property, v.Post.Text)
	fmt.Fprintf(w, "triage\t%s (%.0f%%), sentiment %.2f, language %s, private %t\n", v.Triage.Intent, v.Triage.Confidence*100, v.Triage.Sentiment, v.Triage.Language, v.Private)
	if v.TriagedIntent != "" && v.TriagedIntent != v.Triage.Intent {
		fmt.Fprintf(w, "\tcorrected by an agent: triage said %s\n", v.TriagedIntent)
	}
	if v.NeedsReview {
		fmt.Fprintf(w, "\tneeds review: triage was unsure (confirm with `case relabel %s --intent %s REASON`)\n", v.ID, v.Triage.Intent)
	}
	if v.SpamCloseAt != nil {
		fmt.Fprintf(w, "\tin the spam queue until %s (rescue with `case rescue %s --intent INTENT`)\n", v.SpamCloseAt.UTC().Format("Mon 2 Jan 15:04 UTC"), v.ID)
	}
	for _, r := range append(v.Triage.Reasons, v.Routing...) {
		fmt.Fprintf(w, "\t· %s\n", r)
	}
	now := time.Now()
	if v.Response != nil {
		fmt.Fprintf(w, "reply due\t%s (%s)\n", fmtTime(&v.Response.DueAt), until(&v.Response.DueAt, now))
	}
	if v.Resolution != nil {
		fmt.Fprintf(w, "resolve by\t%s (paused %t)\n", fmtTime(&v.Resolution.DueAt), v.Resolution.Paused)
	}
	if v.Escalation.Level > 0 {
		fmt.Fprintf(w, "escalation\tlevel %d (%s)\n", v.Escalation.Level, v.Escalation.To)
	}
	fmt.Fprintf(w, "policy\t%s\n", v.PolicyVersion)
	if v.ModelVersion != "" {
		fmt.Fprintf(w, "model\t%s\n", v.ModelVersion)
	}
	others, open := 0, 0
	for _, c := range customer.Cases {
		if c.CaseID != v.ID {
			others++
			if !c.Closed {
				open++
			}
		}
	}
	fmt.Fprintf(w, "customer\t%s", customer.CustomerID)
	if len(customer.Aliases) > 0 {
		fmt.Fprintf(w, " (also %s)", strings.Join(customer.Aliases, ", "))
	}
	fmt.Fprintf(w, " · %d other cases, %d open · switchboard journey %s\n", others, open, customer.CustomerID)
	for _, e := range elsewhere {
		fmt.Fprintf(w, "\t· %s\n", e)
	}
	fmt.Fprintln(w)
	for _, e := range ev {
		line := strings.Join(slices.DeleteFunc([]string{e.Text, e.Detail, e.SLA}, func(s string) bool { return strings.TrimSpace(s) == "" }), " · ")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format("Jan 02 15:04 UTC"), e.Kind, orDash(e.Actor), orDash(e.Department), line)
	}
}

// actionSpec describes one `switchboard case VERB` command.
type actionSpec struct {
	kind  casestate.ActionKind
	short string
	text  string // what the TEXT argument is, "" if the action takes none
	to    string // what --to names, "" if the action takes no --to
	// intent: takes --intent, the intent the agent says the post has
	intent bool
}

var actionSpecs = []actionSpec{
	{kind: casestate.ActionClaim, short: "Claim a case: it is yours to answer"},
	{kind: casestate.ActionRelease, short: "Release your claim: the case goes back to the queue"},
	{kind: casestate.ActionReply, short: "Reply to the customer (published on the platform)", text: "the reply"},
	{kind: casestate.ActionNote, short: "Add an internal note to the case", text: "the note"},
	{kind: casestate.ActionHandoff, short: "Hand the case to another department with the reason", text: "the reason", to: "the department taking over"},
	{kind: casestate.ActionAssign, short: "Give the case to an agent of its department (leads and heads)", text: "an optional note", to: "the agent taking the case"},
	{kind: casestate.ActionEscalate, short: "Call in the next level of the escalation chain", text: "the reason"},
	{kind: casestate.ActionResolve, short: "Resolve the case (it reopens if the customer writes within the window)", text: "why, if the customer is still owed a reply (\"" + casestate.NoReplyNeeded + "\" will do)"},
	{kind: casestate.ActionReopen, short: "Reopen a resolved case", text: "the reason"},
	{kind: casestate.ActionApprove, short: "Approve the drafted reply: it is published"},
	{kind: casestate.ActionReject, short: "Reject the drafted reply: it goes back to its author with the reason", text: "the reason"},
	{kind: casestate.ActionRelabel, short: "Correct triage: give the post its real intent; the case goes where that intent is routed (teaches triage)", text: "the reason", intent: true},
	{kind: casestate.ActionRescue, short: "Take a post out of the spam queue as a case; its SLA runs from when it arrived (teaches triage)", text: "an optional note", intent: true},
}

func newCaseActionCmd(a *App, spec actionSpec) *cobra.Command {
	var as, to, intent, format string
	var await, private bool
	use := string(spec.kind) + " CASE"
	args := cobra.ExactArgs(1)
	if spec.text != "" {
		use += " TEXT"
		args = cobra.RangeArgs(1, 2)
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: spec.short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			api, as, err := signedIn(as)
			if err != nil {
				return err
			}
			// One request per run: the client's retries of this call are one
			// Update, and the case refuses this reply if it was already sent.
			action := casestate.Action{To: to, Intent: intent, AwaitCustomer: await, Private: private, Request: caseapi.NewRequest()}
			if len(args) == 2 {
				action.Text = args[1]
			}
			v, err := api.act(cmd.Context(), args[0], spec.kind, action)
			if err != nil {
				return err
			}
			return p.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "%s: %s by %s\t%s · %s · %s · assignee %s\n", v.ID, spec.kind, as, v.Status, orDash(v.Department), orDash(v.Priority), orDash(v.Assignee))
			})
		},
	}
	addAgentFlag(cmd, &as)
	if spec.to != "" {
		cmd.Flags().StringVar(&to, "to", "", spec.to)
		_ = cmd.MarkFlagRequired("to")
		if spec.kind == casestate.ActionHandoff {
			_ = cmd.RegisterFlagCompletionFunc("to", a.completeDepartments)
		}
	}
	if spec.intent {
		cmd.Flags().StringVar(&intent, "intent", "", "the post's real intent (complaint, question, …)")
		_ = cmd.MarkFlagRequired("intent")
		_ = cmd.RegisterFlagCompletionFunc("intent", a.completeIntents)
	}
	if spec.kind == casestate.ActionReply {
		cmd.Flags().BoolVar(&await, "await-customer", false, "the reply asks the customer something: pause the resolution clock until they answer")
		cmd.Flags().BoolVar(&private, "private", false, "reply by private message (account matters may only be discussed privately)")
	}
	addOutputFlag(cmd, &format)
	return cmd
}
