package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/console"
	"github.com/switchboard-care/switchboard/dispatch"
	"github.com/switchboard-care/switchboard/journey"
)

// EnvCredentials names the file `switchboard login` keeps its tokens in
// (default: switchboard/credentials.json in the user's configuration
// folder).
const EnvCredentials = "SWITCHBOARD_CREDENTIALS"

// credentials are the personal tokens this user signed in for, one per
// agent id (a lead who also covers as another agent signs in as each),
// and the console they came from. The file is readable by its owner only.
type credentials struct {
	Console string                   `json:"console"`
	Last    string                   `json:"last"` // the agent acted as when --as is not given
	Tokens  map[string]console.Token `json:"tokens"`
}

func credentialsPath() (string, error) {
	if p := os.Getenv(EnvCredentials); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("where to keep the sign-in token (set %s): %w", EnvCredentials, err)
	}
	return filepath.Join(dir, "switchboard", "credentials.json"), nil
}

func loadCredentials() (credentials, error) {
	c := credentials{Tokens: map[string]console.Token{}}
	path, err := credentialsPath()
	if err != nil {
		return c, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w (sign in again with `switchboard login`)", path, err)
	}
	if c.Tokens == nil {
		c.Tokens = map[string]console.Token{}
	}
	return c, nil
}

// save writes the file through a private temporary one, so a token is
// never readable by others, not even for a moment.
func (c credentials) save() error {
	path, err := credentialsPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newLoginCmd(a *App) *cobra.Command {
	var as, consoleURL string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in as an agent: later commands act as them through the console's API",
		Long: "Asks for the agent's console password (without echo on a terminal, else the first\n" +
			"line of stdin), trades it with the console for a personal token and keeps the\n" +
			"token in $" + EnvCredentials + " (default: switchboard/credentials.json in your\n" +
			"configuration folder, readable by you only). Actions then go through the\n" +
			"console, which signs who acts: the CLI itself holds no key, so --as only picks\n" +
			"among the agents you signed in as.",
		Example: "  switchboard login --as sam\n  printf '%s\\n' \"$PW\" | switchboard login --as sam --console https://care.example.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if as, _ = acting(as); as == "" {
				return usageError{errors.New("who is signing in? pass --as AGENT")}
			}
			creds, err := loadCredentials()
			if err != nil {
				return err
			}
			if consoleURL == "" {
				consoleURL = creds.Console
			}
			if consoleURL == "" {
				cfg, err := a.Config()
				if err != nil {
					return err
				}
				consoleURL = "http://" + cfg.Console.Listen
			}
			password, err := readPassword(cmd)
			if err != nil {
				return err
			}
			api := &apiClient{base: strings.TrimRight(consoleURL, "/")}
			var tok console.Token
			if err := api.call(cmd.Context(), http.MethodPost, console.APITokens, console.TokenRequest{Agent: as, Password: password}, &tok); err != nil {
				return err
			}
			if creds.Console != api.base {
				creds.Tokens = map[string]console.Token{} // another console's tokens mean nothing here
			}
			creds.Console, creds.Last, creds.Tokens[tok.Agent] = api.base, tok.Agent, tok
			if err := creds.save(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed in as %s at %s until %s\n", tok.Agent, api.base, tok.Expires.Format(time.RFC3339))
			return nil
		},
	}
	addAgentFlag(cmd, &as)
	cmd.Flags().StringVar(&consoleURL, "console", "", "the console's address (default: the last one signed in to, else http:// and console.listen)")
	return cmd
}

func newLogoutCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Revoke the agent's token at the console and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, agent, err := signedIn(as)
			if err != nil {
				return err
			}
			if err := api.call(cmd.Context(), http.MethodDelete, console.APITokens, nil, nil); err != nil && !errors.Is(err, errSignedOut) {
				return err
			}
			creds, err := loadCredentials()
			if err != nil {
				return err
			}
			delete(creds.Tokens, agent)
			if creds.Last == agent {
				creds.Last = ""
			}
			if err := creds.save(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed out %s\n", agent)
			return nil
		},
	}
	addAgentFlag(cmd, &as)
	return cmd
}

// readPassword reads a password without echo on a terminal, else the
// first line of stdin; never from an argument, which shell history and
// process lists would keep.
func readPassword(cmd *cobra.Command) (string, error) {
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return string(b), err
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", usageError{errors.New("no password on stdin")}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// signedIn is the API client acting as --as (else $SWITCHBOARD_AGENT,
// else the agent last signed in as), with that agent's token.
func signedIn(as string) (*apiClient, string, error) {
	creds, err := loadCredentials()
	if err != nil {
		return nil, "", err
	}
	if as == "" {
		as = os.Getenv(EnvAgent)
	}
	if as == "" {
		as = creds.Last
	}
	if as == "" {
		return nil, "", usageError{errors.New("not signed in: run `switchboard login --as AGENT`")}
	}
	tok, ok := creds.Tokens[as]
	if !ok {
		return nil, "", usageError{fmt.Errorf("not signed in as %s: run `switchboard login --as %s` (an agent acts only after signing in with their own password)", as, as)}
	}
	return &apiClient{base: creds.Console, token: tok.Token}, as, nil
}

// errSignedOut is a token the console no longer takes.
var errSignedOut = errors.New("signed out")

// apiClient acts through the console's API; its errors are the case API's
// (refused, not found, unavailable), so exit codes stay the same.
type apiClient struct {
	base, token string
}

func (c *apiClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return usageError{fmt.Errorf("console address %q: %w", c.base, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return unavailable(fmt.Errorf("the console at %s: %w", c.base, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return unavailable(err)
	}
	if resp.StatusCode == http.StatusOK {
		if out == nil {
			return nil
		}
		return json.Unmarshal(data, out)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	var e console.APIError
	if json.Unmarshal(data, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(data))
	}
	switch resp.StatusCode {
	case http.StatusConflict, http.StatusForbidden:
		return &caseapi.RefusedError{Reason: e.Error}
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s", caseapi.ErrNotFound, e.Error)
	case http.StatusUnauthorized:
		return usageError{fmt.Errorf("%w: %s", errSignedOut, e.Error)}
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway:
		return unavailable(errors.New(e.Error))
	}
	return errors.New(e.Error)
}

func (c *apiClient) act(ctx context.Context, caseID string, kind casestate.ActionKind, a casestate.Action) (casestate.Outcome, error) {
	var out casestate.Outcome
	err := c.call(ctx, http.MethodPost, console.APIActions, console.ActRequest{CaseID: caseID, Kind: kind, Text: a.Text, To: a.To,
		Intent: a.Intent, AwaitCustomer: a.AwaitCustomer, Private: a.Private, Request: a.Request}, &out)
	var refused *caseapi.RefusedError
	if errors.As(err, &refused) {
		refused.CaseID, refused.Action = caseID, kind
	}
	return out, err
}

func (c *apiClient) shift(ctx context.Context, dept, agent string, on bool) (dispatch.Board, error) {
	var b dispatch.Board
	return b, c.call(ctx, http.MethodPost, console.APIShifts, console.ShiftRequest{Department: dept, Agent: agent, On: on}, &b)
}

func (c *apiClient) link(ctx context.Context, customer, identity string) (journey.Journey, error) {
	var j journey.Journey
	return j, c.call(ctx, http.MethodPost, console.APILinks, console.LinkRequest{Customer: customer, Identity: identity}, &j)
}
