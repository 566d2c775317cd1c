package stack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchboard-care/switchboard/internal/devserver"
)

// Binary builds the switchboard command into dir and returns its path, so
// a test can run workers as real processes (killed, restarted, measured).
func Binary(ctx context.Context, dir string) (string, error) {
	root, err := devserver.ModuleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "switchboard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/switchboard")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/switchboard: %w\n%s", err, b)
	}
	return out, nil
}

// ProcessOptions starts a process of switchboard's against the stack.
type ProcessOptions struct {
	Binary    string
	Args      []string // e.g. {"worker"}
	TaskQueue string   // the process is ready once it polls this queue…
	ReadyURL  string   // …or, for a server (intake, console), once this answers 200
	Env       []string // KEY=value, after the stack's SWITCHBOARD_* settings
	Name      string   // names the log file (<Dir>/<Name>.log); default the first argument
}

// Process is a worker running as a child process.
type Process struct {
	// MetricsAddr is where its /metrics listens (host:port).
	MetricsAddr string
	// LogFile holds its output.
	LogFile string
	cmd     *exec.Cmd
	done    chan error
}

// StartWorkerProcess runs `switchboard worker` from bin against the stack,
// configured only through SWITCHBOARD_* variables as in a deployment, and
// waits until it polls the case task queue.
func (s *Stack) StartWorkerProcess(ctx context.Context, bin string, env ...string) (*Process, error) {
	return s.StartProcess(ctx, ProcessOptions{Binary: bin, Args: []string{"worker"}, TaskQueue: s.Config.Temporal.TaskQueue, Env: env})
}

// StartProcess runs a worker-like process from o and waits until it polls
// o.TaskQueue (a minute at most).
func (s *Stack) StartProcess(ctx context.Context, o ProcessOptions) (*Process, error) {
	port, err := devserver.FreePort()
	if err != nil {
		return nil, err
	}
	name := o.Name
	if name == "" && len(o.Args) > 0 {
		name = o.Args[0]
	}
	p := &Process{MetricsAddr: fmt.Sprintf("127.0.0.1:%d", port), LogFile: filepath.Join(s.Dir, name+".log")}
	logf, err := os.OpenFile(p.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(o.Binary, o.Args...)
	cmd.Env = append(cleanEnv(),
		"SWITCHBOARD_TEMPORAL_ADDRESS="+s.Config.Temporal.Address,
		"SWITCHBOARD_TEMPORAL_NAMESPACE="+s.Config.Temporal.Namespace,
		"SWITCHBOARD_TEMPORAL_TASK_QUEUE="+s.Config.Temporal.TaskQueue,
		"SWITCHBOARD_DATA_DIR="+s.Config.DataDir,
		// One signing key for the whole stack, as a deployment's secret:
		// a process given a data folder of its own still shares it.
		"SWITCHBOARD_SECURITY_SIGNING_KEY="+s.Config.SigningKeyPath(),
		"SWITCHBOARD_METRICS_LISTEN="+p.MetricsAddr,
		"SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_LOG_LEVEL=warn",
	)
	if s.Config.Store.URL != "" {
		cmd.Env = append(cmd.Env, "SWITCHBOARD_STORE_URL="+s.Config.Store.URL)
	}
	cmd.Env = append(cmd.Env, o.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %s: %w", o.Binary, strings.Join(o.Args, " "), err)
	}
	p.cmd = cmd
	p.done = make(chan error, 1)
	go func() { p.done <- cmd.Wait() }()
	ready := func() error { return s.waitPolling(ctx, p, o.TaskQueue) }
	if o.ReadyURL != "" {
		ready = func() error { return waitHTTP(ctx, p, o.ReadyURL) }
	}
	if err := ready(); err != nil {
		_ = p.Kill()
		return nil, err
	}
	return p, nil
}

// cleanEnv is this process's environment without SWITCHBOARD_* settings, so
// a developer's own configuration cannot leak into a measured worker.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitPolling waits until a poller of this process (the SDK's default
// identity begins with the pid) is on the queue: only then is a measured
// run not timing the worker's start-up.
func (s *Stack) waitPolling(ctx context.Context, p *Process, queue string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	prefix := strconv.Itoa(p.Pid()) + "@"
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("worker process exited before polling (%v); see %s", err, p.LogFile)
		case <-ctx.Done():
			return fmt.Errorf("worker process not polling %s after a minute; see %s", queue, p.LogFile)
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := s.Temporal.DescribeTaskQueue(ctx, queue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil {
			continue
		}
		for _, poller := range resp.GetPollers() {
			if strings.HasPrefix(poller.GetIdentity(), prefix) {
				return nil
			}
		}
	}
}

// waitHTTP waits until url answers 200 (a minute at most).
func waitHTTP(ctx context.Context, p *Process, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("process exited before %s answered (%v); see %s", url, err, p.LogFile)
		case <-ctx.Done():
			return fmt.Errorf("%s not answering after a minute; see %s", url, p.LogFile)
		case <-time.After(100 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Kill ends the process with SIGKILL, as a crash would, and reaps it.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	p.done <- nil
	return nil
}

// Stop asks the process to stop (SIGTERM) and kills it after 15 s.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case err := <-p.done:
		p.done <- err
		return nil
	case <-time.After(15 * time.Second):
		return p.Kill()
	}
}

// RSS is the process's resident set size in bytes (Linux /proc).
func (p *Process) RSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// ErrNoSeries: the process exports no such metric (yet: a counter appears
// when it is first counted).
var ErrNoSeries = errors.New("no series")

// Metric is the sum of the series of one metric in the process's /metrics
// whose labels include every given name=value pair (none: all of them), e.g.
// Metric(ctx, "go_goroutines") or
// Metric(ctx, "temporal_request_total", "operation", "QueryWorkflow").
func (p *Process) Metric(ctx context.Context, name string, labelPairs ...string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.MetricsAddr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("/metrics of pid %d: %w", p.Pid(), err)
	}
	family, ok := families[name]
	if !ok {
		return 0, fmt.Errorf("%w %s in /metrics of pid %d", ErrNoSeries, name, p.Pid())
	}
	sum := 0.0
	for _, m := range family.GetMetric() {
		if hasLabels(m, labelPairs) {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return sum, nil
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] }) {
			return false
		}
	}
	return true
}
