package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newAgentCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "agent", Short: "Go on or off shift (departments that deal cases to agents)"}
	cmd.AddCommand(newShiftCmd(a, true), newShiftCmd(a, false))
	return cmd
}

func newShiftCmd(a *App, on bool) *cobra.Command {
	var as, dept, format string
	use, short := "on [AGENT]", "Go on shift: the dispatcher deals you cases up to your capacity"
	if !on {
		use, short = "off [AGENT]", "Go off shift: your open cases go back to the queue for others"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newPrinter(cmd, format)
			if err != nil {
				return err
			}
			api, as, err := signedIn(as)
			if err != nil {
				return err
			}
			agent := as
			if len(args) == 1 { // a lead changing someone else's shift
				agent = args[0]
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			if dept == "" {
				ag, err := cfg.Directory().Lookup(agent)
				if err != nil {
					return err
				}
				dept = ag.Departments[0]
			}
			board, err := api.shift(cmd.Context(), dept, agent, on)
			if err != nil {
				return err
			}
			return p.print(board, func(w io.Writer) {
				fmt.Fprintf(w, "%s (%s): %d queued, %d dealt\n", board.Department, board.Mode, len(board.Queue), board.Dealt)
				fmt.Fprintln(w, "AGENT\tON SHIFT\tCASES\tCAPACITY")
				for _, ag := range board.Agents {
					fmt.Fprintf(w, "%s\t%t\t%d\t%d\n", ag.ID, ag.OnShift, len(ag.Cases), ag.Capacity)
				}
			})
		},
	}
	addAgentFlag(cmd, &as)
	cmd.Flags().StringVar(&dept, "department", "", "the department (default: the agent's first)")
	_ = cmd.RegisterFlagCompletionFunc("department", a.completeDepartments)
	addOutputFlag(cmd, &format)
	return cmd
}
