package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/slareport"
	"github.com/switchboard-care/switchboard/whatif"
)

func newPolicyCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Try a policy change on the past before it goes live"}
	cmd.AddCommand(newWhatIfCmd(a))
	return cmd
}

// policyFile is the configuration of a file as written, without the
// environment's overrides, which would make two files' policies alike
// (SWITCHBOARD_POLICY_VERSION, say).
func policyFile(path string) (*config.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return config.Parse(path, data)
}

func newWhatIfCmd(a *App) *cobra.Command {
	var since, against, format string
	var depts, failIf []string
	var parallel int
	cmd := &cobra.Command{
		Use:   "whatif NEW.yaml",
		Short: "Replay the past's cases under a new policy and report what would have changed",
		Long: "Reads every case opened within --since (as sla report does), replays each through the case's\n" +
			"rules under the running policy (or --against's) and under NEW.yaml's — the post as triage read it,\n" +
			"then each step people took, at the time they took it; no worker involved — and reports the cases\n" +
			"routed otherwise and by which rules, first-response attainment per department and priority, the\n" +
			"warnings, breaches and escalations that fire, the replies held for approval, and the new cases by\n" +
			"hour of day, both ways (docs/whatif.md). NEW.yaml is a configuration file like --config's; its\n" +
			"policy.version must differ from the other's when its policy does. --fail-if makes it a check a\n" +
			"change passes before it is deployed.",
		Example: "  switchboard policy whatif new-policy.yaml --since 30d -o html > whatif.html\n" +
			"  switchboard policy whatif new-policy.yaml --fail-if 'attainment drops > 2 points' --fail-if 'moved > 100'",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "md", "json", "html":
			default:
				return usageError{fmt.Errorf("--output %q: use md, json or html", format)}
			}
			window, err := slareport.ParseWindow(since)
			if err != nil {
				return usageError{fmt.Errorf("--since: %w", err)}
			}
			var conditions []whatif.Condition
			for _, f := range failIf {
				c, err := whatif.ParseCondition(f)
				if err != nil {
					return usageError{fmt.Errorf("--fail-if %w", err)}
				}
				conditions = append(conditions, c)
			}
			cur, err := a.Config()
			if err != nil {
				return err
			}
			before := cur.Policy
			if against != "" {
				old, err := policyFile(against)
				if err != nil {
					return usageError{fmt.Errorf("--against %w", err)}
				}
				before = old.Policy
			}
			next, err := policyFile(args[0])
			if err != nil {
				return usageError{err}
			}
			if err := whatif.CheckVersions(before, next.Policy); err != nil {
				return usageError{fmt.Errorf("%s: %w", args[0], err)}
			}
			for _, d := range depts {
				if _, ok := next.Policy.Department(d); !ok {
					return usageError{fmt.Errorf("--department %q: use one of %s", d, strings.Join(next.Policy.DepartmentIDs(), ", "))}
				}
			}
			cases, err := a.reader(cmd.Context())
			if err != nil {
				return err
			}
			asOf := time.Now().UTC()
			from := asOf.Add(-window)
			past, gone, err := cases.PastCases(cmd.Context(), from, parallel)
			if err != nil {
				return unavailable(err)
			}
			rep := whatif.Compare(past, before, next.Policy, whatif.Options{Departments: depts, Since: from, AsOf: asOf})
			rep.Gone = gone
			out := cmd.OutOrStdout()
			switch format {
			case "md":
				rep.Markdown(out)
			case "html":
				err = rep.HTML(out)
			default:
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				err = enc.Encode(rep)
			}
			if err != nil {
				return err
			}
			var failed []string
			for _, c := range conditions {
				if bad, why := c.Failed(rep); bad {
					failed = append(failed, why)
				}
			}
			if len(failed) > 0 {
				return errors.New("the change fails its checks: " + strings.Join(failed, "; "))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "30d", "the cases opened within this window before now: 30d, 2w, 36h")
	fl.StringVar(&against, "against", "", "compare with this configuration file's policy instead of the running one")
	fl.StringSliceVar(&depts, "department", nil, "only these departments' rows and moves (repeat, or comma-separated)")
	fl.StringArrayVar(&failIf, "fail-if", nil, `fail (exit 1) when the change passes a bound: "attainment drops > 2 points", "breaches rises > 10", "moved > 50"`)
	fl.IntVar(&parallel, "parallel", 8, "cases read at once")
	fl.StringVarP(&format, "output", "o", "md", "md, json or html (with the charts)")
	_ = cmd.RegisterFlagCompletionFunc("department", a.completeDepartments)
	return cmd
}
