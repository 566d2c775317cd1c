// Package devserver runs the Temporal dev server from the project's pinned
// CLI: for `switchboard dev` and for tests that need a real server.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/logging"
	"github.com/switchboard-care/switchboard/workflows"
)

// CLIVersion is the pinned Temporal CLI (the newest that builds with a plain
// `go install`).
const CLIVersion = "v1.5.1"

// EnvBinary points at a temporal binary to use instead of the pinned build.
const EnvBinary = "SWITCHBOARD_TEMPORAL_BIN"

// ModuleRoot finds the folder of switchboard's go.mod from the working
// directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(data), "module github.com/switchboard-care/switchboard\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the switchboard source tree (no go.mod found)")
		}
		dir = parent
	}
}

// PinnedPath is where the pinned CLI is built: .tools/bin under the module
// root (gitignored).
func PinnedPath() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".tools", "bin", "temporal"), nil
}

// Find returns the temporal binary to run: $SWITCHBOARD_TEMPORAL_BIN, the
// pinned build, or `temporal` on PATH, in that order.
func Find() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBinary, p, err)
		}
		return p, nil
	}
	if p, err := PinnedPath(); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", errors.New("no temporal binary: run `make temporal` (builds the pinned CLI into .tools/bin), or put temporal on PATH")
}

// Ensure finds the binary, building the pinned CLI if there is none.
func Ensure(ctx context.Context, progress func(string)) (string, error) {
	if p, err := Find(); err == nil {
		return p, nil
	}
	dest, err := PinnedPath()
	if err != nil {
		return "", err
	}
	progress(fmt.Sprintf("building the Temporal CLI %s into %s (once; a few minutes)", CLIVersion, filepath.Dir(dest)))
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/temporalio/cli/cmd/temporal@"+CLIVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(dest))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build Temporal CLI %s: %w", CLIVersion, err)
	}
	return dest, nil
}

// Options configures a dev server.
type Options struct {
	Binary    string
	IP        string // default 127.0.0.1
	Port      int    // gRPC frontend; 0 picks a free port
	UIPort    int    // Web UI; 0 picks a free port; -1 disables it
	DBFile    string // SQLite file; empty keeps everything in memory
	Namespace string // default "default"
	LogFile   string // where the server's output goes; empty discards it
	// PIDFile, when set, records the server's pid; a server left running by
	// an earlier process that died (its pid file still there) is stopped
	// before a new one starts on the same ports and database.
	PIDFile string
	// DynamicConfig are server settings, each "key=value" (a test that
	// needs continue-as-new suggested early, say).
	DynamicConfig []string
	// Retention of closed workflows in the namespace; 0 keeps the dev
	// server's own (a day). The dev server has no archival, so a long
	// retention is how `switchboard dev` keeps resolved cases readable.
	Retention time.Duration
}

// Server is a running dev server, or a cluster standing in for one.
type Server struct {
	Address   string // host:port of the frontend
	UIAddress string // http://host:port of the Web UI, empty if disabled
	// Cluster is set when the server is a Temporal cluster on PostgreSQL.
	Cluster *cluster.Cluster
	opts    Options
	cmd     *exec.Cmd
	done    chan error
}

// Start launches the dev server with switchboard's search attributes and
// waits until it answers.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if opts.UIPort == 0 {
		if opts.UIPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{opts: opts, Address: fmt.Sprintf("%s:%d", opts.IP, opts.Port)}
	if opts.UIPort > 0 {
		s.UIAddress = fmt.Sprintf("http://%s:%d", opts.IP, opts.UIPort)
	}
	return s, s.start(ctx)
}

func (s *Server) start(ctx context.Context) error {
	o := s.opts
	args := []string{"server", "start-dev", "--ip", o.IP, "--port", fmt.Sprint(o.Port),
		"--namespace", o.Namespace, "--log-level", "warn", "--log-format", "pretty"}
	if o.UIPort > 0 {
		args = append(args, "--ui-port", fmt.Sprint(o.UIPort))
	} else {
		args = append(args, "--headless")
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return err
		}
		args = append(args, "--db-filename", o.DBFile)
	}
	for _, sa := range workflows.SearchAttributes {
		args = append(args, "--search-attribute", sa.Name+"="+cliType(sa.Type))
	}
	for _, kv := range o.DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	if err := stopOrphan(o.PIDFile, o.Binary); err != nil {
		return err
	}
	cmd := exec.Command(o.Binary, args...)
	cmd.SysProcAttr = childAttrs()
	if o.LogFile != "" {
		f, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = f, f
		defer f.Close()
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start temporal dev server: %w", err)
	}
	s.cmd = cmd
	if o.PIDFile != "" {
		if err := os.WriteFile(o.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return fmt.Errorf("write %s: %w", o.PIDFile, err)
		}
	}
	s.done = make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return err
	}
	if err := s.setRetention(ctx); err != nil {
		_ = s.Stop()
		return err
	}
	return nil
}

func (s *Server) setRetention(ctx context.Context) error {
	if s.opts.Retention == 0 {
		return nil
	}
	c, err := client.Dial(client.Options{HostPort: s.Address, Namespace: s.opts.Namespace, Logger: logging.Temporal(zap.NewNop())})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: s.opts.Namespace,
		Config: &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(s.opts.Retention)}})
	if err != nil {
		return fmt.Errorf("set the retention of namespace %s: %w", s.opts.Namespace, err)
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("temporal dev server exited early (%v); see %s", err, orNone(s.opts.LogFile))
		case <-ctx.Done():
			return fmt.Errorf("temporal dev server at %s not ready after 60s; see %s", s.Address, orNone(s.opts.LogFile))
		case <-time.After(200 * time.Millisecond):
		}
		c, err := client.Dial(client.Options{HostPort: s.Address, Namespace: s.opts.Namespace, Logger: logging.Temporal(zap.NewNop())})
		if err != nil {
			continue
		}
		_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
		c.Close()
		if err == nil {
			return nil
		}
	}
}

// Stop ends the server gracefully (SIGTERM, then SIGKILL after 10s); for a
// cluster, its Temporal services, leaving PostgreSQL for Restart (the
// cluster's own Stop ends both).
func (s *Server) Stop() error {
	if s.Cluster != nil {
		return s.Cluster.StopServices()
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	if s.opts.PIDFile != "" {
		_ = os.Remove(s.opts.PIDFile)
	}
	return nil
}

// stopOrphan kills the server a pid file names, if that process still runs
// the same binary: an earlier `switchboard dev` died without stopping it.
func stopOrphan(pidFile, binary string) error {
	if pidFile == "" {
		return nil
	}
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return os.Remove(pidFile) // not ours to act on
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.HasPrefix(string(cmdline), binary+"\x00") {
		return os.Remove(pidFile) // gone, or the pid now belongs to something else
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for range 50 { // its ports and database are free once it is gone
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return os.Remove(pidFile)
}

// Restart stops the server and starts it again on the same ports and
// database file.
func (s *Server) Restart(ctx context.Context) error {
	if s.Cluster != nil {
		return s.Cluster.StartServices(ctx)
	}
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start(ctx)
}

// EnsureServerTools finds the pinned server build, building it if missing.
func EnsureServerTools(ctx context.Context, progress func(string)) (string, error) {
	dir, err := PinnedServerTools()
	if err != nil {
		return "", err
	}
	for _, tool := range []struct{ bin, pkg string }{{"server", "cmd/server"}, {"sql", "cmd/tools/sql"}} {
		if _, err := os.Stat(filepath.Join(dir, tool.bin)); err == nil {
			continue
		}
		progress(fmt.Sprintf("building the Temporal %s %s into %s (once; about 12 minutes)", tool.bin, cluster.ServerVersion, dir))
		cmd := exec.CommandContext(ctx, "go", "install", "go.temporal.io/server/"+tool.pkg+"@"+cluster.ServerVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("build the Temporal %s %s: %w", tool.bin, cluster.ServerVersion, err)
		}
	}
	return dir, nil
}

// PinnedServerTools is where the pinned Temporal server and its SQL tool
// are built: .tools/server-<version> under the module root (gitignored;
// `make temporal-server`).
func PinnedServerTools() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".tools", "server-"+cluster.ServerVersion), nil
}

// FreePort asks the kernel for an unused TCP port on loopback.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func cliType(t enums.IndexedValueType) string {
	switch t {
	case enums.INDEXED_VALUE_TYPE_KEYWORD:
		return "Keyword"
	case enums.INDEXED_VALUE_TYPE_DATETIME:
		return "Datetime"
	case enums.INDEXED_VALUE_TYPE_BOOL:
		return "Bool"
	case enums.INDEXED_VALUE_TYPE_INT:
		return "Int"
	case enums.INDEXED_VALUE_TYPE_DOUBLE:
		return "Double"
	case enums.INDEXED_VALUE_TYPE_KEYWORD_LIST:
		return "KeywordList"
	}
	return "Text"
}

func orNone(s string) string {
	if s == "" {
		return "(no log file)"
	}
	return s
}
