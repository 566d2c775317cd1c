package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/internal/app"
)

func newConsoleCmd(a *App) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the agents' web console (inbox, cases, outbox, approvals)",
		Long: "Serves the web console on console.listen (default 127.0.0.1:8080) against the\n" +
			"configured Temporal. Agents sign in with their id and the password whose bcrypt\n" +
			"hash is their password_hash (the embedded demo agents use \"demo\"; make hashes\n" +
			"with `switchboard console hash-password`). See docs/console.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			if listen != "" {
				cfg.Console.Listen = listen
			}
			cases, err := a.signingCaseClient(cmd.Context())
			if err != nil {
				return err
			}
			defer cases.Temporal.Close()
			store, err := a.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			h, err := console.New(console.Options{Config: cfg, Cases: cases, Store: store, Log: a.Logger(), OutboxPath: app.OutboxPath(cfg)})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "console: http://%s (Ctrl-C to stop)\n", cfg.Console.Listen)
			return console.Serve(cmd.Context(), cfg.Console.Listen, h, a.Logger())
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on (overrides console.listen)")
	cmd.AddCommand(newHashPasswordCmd())
	return cmd
}

func newHashPasswordCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "hash-password",
		Short: "Print the bcrypt hash of a password, for an agent's password_hash",
		Long: "Reads a password (without echo on a terminal, else the first line of stdin)\n" +
			"and prints its bcrypt hash. The password is never taken as an argument, so it\n" +
			"stays out of shell history and process lists.",
		Example: "  switchboard console hash-password\n  printf '%s\\n' \"$PW\" | switchboard console hash-password",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var password string
			if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				fmt.Fprint(cmd.ErrOrStderr(), "password: ")
				b, err := term.ReadPassword(int(f.Fd()))
				fmt.Fprintln(cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				password = string(b)
			} else {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("no password on stdin")
				}
				password = strings.TrimRight(line, "\r\n")
			}
			h, err := console.HashPassword(password)
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintln(cmd.OutOrStdout(), h)
			return nil
		},
	}
}
