package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchboard-care/switchboard/intake"
)

// newDeadLettersCmd is `switchboard intake dead-letters`: the events intake
// acknowledged but could not turn into a case, to list, read and replay.
func newDeadLettersCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dead-letters",
		Short: "List, show and replay the events intake could not use",
		Long: "An event of a delivery that is malformed, or maps to a post that is not valid,\n" +
			"is kept as a dead letter (the rest of the delivery goes on): its route, why it\n" +
			"failed, and a payload that holds it alone. Fix the payload and replay it, and\n" +
			"its case opens.",
		Example: "  switchboard intake dead-letters list\n" +
			"  switchboard intake dead-letters show 3f9a0c…\n" +
			"  switchboard intake dead-letters show 3f9a0c… --payload > fixed.json   # edit, then\n" +
			"  switchboard intake dead-letters replay 3f9a0c… --payload fixed.json",
	}
	cmd.AddCommand(newDeadLettersListCmd(a), newDeadLettersShowCmd(a), newDeadLettersReplayCmd(a))
	return cmd
}

func newDeadLettersListCmd(a *App) *cobra.Command {
	var output string
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "The dead letters not replayed yet (--all: every one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := newPrinter(cmd, output)
			if err != nil {
				return err
			}
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			letters, err := intake.NewDeadLetters(store).List(cmd.Context(), all)
			if err != nil {
				return unavailable(err)
			}
			if letters == nil {
				letters = []intake.DeadLetter{} // JSON: an empty list, not null
			}
			return p.print(letters, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tRECEIVED (UTC)\tROUTE\tKIND\tEVENT\tREPLAYED AS\tREASON")
				for _, l := range letters {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.ReceivedAt.UTC().Format("2006-01-02 15:04"), l.Route, l.Kind,
						orDash(l.EventID), orDash(l.ReplayedAs), l.Reason)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include the dead letters already replayed")
	addOutputFlag(cmd, &output)
	return cmd
}

func newDeadLettersShowCmd(a *App) *cobra.Command {
	var output string
	var payloadOnly bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "One dead letter, with its payload (--payload: the payload alone, to edit)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			l, err := intake.NewDeadLetters(store).Get(cmd.Context(), args[0])
			switch {
			case errors.Is(err, intake.ErrNoDeadLetter):
				return notFound(err)
			case err != nil:
				return unavailable(err)
			}
			if payloadOnly {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), string(l.Payload))
				return err
			}
			p, err := newPrinter(cmd, output)
			if err != nil {
				return err
			}
			return p.print(l, func(w io.Writer) {
				fmt.Fprintf(w, "id\t%s\nreceived (UTC)\t%s\nroute\t%s\nkind\t%s\nevent\t%s\nreason\t%s\nreplayed as\t%s\npayload\t%s\n",
					l.ID, l.ReceivedAt.UTC().Format("2006-01-02 15:04:05"), l.Route, l.Kind, orDash(l.EventID), l.Reason,
					orDash(l.ReplayedAs), l.Payload)
			})
		},
	}
	cmd.Flags().BoolVar(&payloadOnly, "payload", false, "print only the payload, to fix and replay")
	addOutputFlag(cmd, &output)
	return cmd
}

func newDeadLettersReplayCmd(a *App) *cobra.Command {
	var output, payloadFile string
	cmd := &cobra.Command{
		Use:   "replay ID",
		Short: "Deliver a dead letter again, as it is or with a fixed payload",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := newPrinter(cmd, output)
			if err != nil {
				return err
			}
			var payload json.RawMessage
			if payloadFile != "" {
				if payload, err = readPayload(cmd, payloadFile); err != nil {
					return err
				}
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			cases, err := a.submittingCaseClient(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer cases.Temporal.Close()
			srv, err := newIntake(cfg, cases, store, nil, a.Logger())
			if err != nil {
				return err
			}
			res, err := srv.Replay(cmd.Context(), args[0], payload)
			switch {
			case errors.Is(err, intake.ErrNoDeadLetter):
				return notFound(err)
			case err != nil && (len(res.DeadLetter) > 0 || res.Started+res.Joined+res.Duplicates > 0):
				return err // the payload still fails: the operator's to fix
			case err != nil:
				return unavailable(err)
			}
			return p.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "replayed %s\tstarted %d, joined %d, already there %d, ignored %d\n", args[0], res.Started, res.Joined, res.Duplicates, res.Ignored)
				for _, c := range res.Cases {
					fmt.Fprintf(w, "case\t%s\n", c)
				}
			})
		},
	}
	cmd.Flags().StringVar(&payloadFile, "payload", "", "a file with the fixed payload (- for stdin); default: the payload as kept")
	addOutputFlag(cmd, &output)
	return cmd
}

func readPayload(cmd *cobra.Command, path string) (json.RawMessage, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("--payload: %w", err)}
	}
	if !json.Valid(data) {
		return nil, usageError{fmt.Errorf("--payload %s is not JSON", path)}
	}
	return data, nil
}
