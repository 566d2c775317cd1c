package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
)

// The README, as a new user follows it: the command of "Run it" at a
// terminal, every command of "Using it" as written, in order, against
// what it runs, each one succeeding; then Ctrl-C, after which the first
// command exits 0.
func TestTheREADMEAsWritten(t *testing.T) {
	if _, err := devserver.Find(); err != nil {
		if os.Getenv(devservertest.EnvRequire) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	runIt, usingIt := readmeBlock(t, readme, "## Run it"), readmeBlock(t, readme, "## Using it")
	if len(runIt) != 1 || runIt[0] != "make dev" {
		t.Fatalf("Run it: %q, want the one command make dev", runIt)
	}

	// The user's machine, with free ports so that other tests may run.
	dir := t.TempDir()
	port := func() string {
		p, err := devserver.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(p)
	}
	temporalPort, uiPort := port(), port()
	env := append(os.Environ(),
		"SWITCHBOARD_DATA_DIR="+filepath.Join(dir, "data"),
		"SWITCHBOARD_TEMPORAL_ADDRESS=127.0.0.1:"+temporalPort,
		"SWITCHBOARD_CONSOLE_LISTEN=127.0.0.1:"+port(),
		"SWITCHBOARD_INTAKE_LISTEN=127.0.0.1:"+port(),
		"SWITCHBOARD_METRICS_LISTEN=127.0.0.1:"+port(),
		"SWITCHBOARD_LOG_LEVEL=warn",
		EnvCredentials+"="+filepath.Join(dir, "credentials.json"),
		EnvAgent+"=",
		"PATH="+filepath.Join(root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	dev := exec.Command("sh", "-c", runIt[0])
	dev.Dir = root
	dev.Env = append(env, "DEV_FLAGS=--port "+temporalPort+" --ui-port "+uiPort)
	terminal, err := pty.Start(dev)
	if err != nil {
		t.Fatal(err)
	}
	defer terminal.Close()
	screen := &transcript{ready: make(chan struct{})}
	go screen.read(terminal, "Press Ctrl-C to stop.")
	exited := make(chan error, 1)
	go func() { exited <- dev.Wait() }()
	select {
	case <-screen.ready:
	case err := <-exited:
		t.Fatalf("make dev ended before it was ready (%v):\n%s", err, screen)
	case <-time.After(8 * time.Minute):
		_ = dev.Process.Kill()
		t.Fatalf("make dev not ready in 8 minutes:\n%s", screen)
	}

	// The commands run where a user stands, in a folder of their own with
	// the repository's demo, triage and what-if files at hand.
	work := filepath.Join(dir, "work")
	for _, sub := range []string{"demo", "triage", "whatif"} {
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(root, sub), filepath.Join(work, sub)); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range usingIt {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // none waits on a person
		sh := exec.CommandContext(ctx, "sh", "-c", line)
		sh.Dir, sh.Env = work, env
		sh.Stdin = strings.NewReader("demo\n") // the demo agents' password, for login
		out, err := sh.CombinedOutput()
		cancel()
		t.Logf("$ %s\n%s", line, firstLines(out, 6))
		if err != nil {
			t.Errorf("README: %s: %v\n%s", line, err, out)
		}
	}

	if _, err := terminal.Write([]byte{3}); err != nil { // Ctrl-C at the terminal
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("make dev after Ctrl-C: %v (want exit 0)\n%s", err, screen)
		}
	case <-time.After(time.Minute):
		_ = dev.Process.Kill()
		t.Fatalf("make dev still running a minute after Ctrl-C:\n%s", screen)
	}
}

// readmeBlock is the commands of the first sh block under heading, one a
// line, with their trailing comments cut.
func readmeBlock(t *testing.T, readme []byte, heading string) []string {
	t.Helper()
	_, section, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatalf("README: no sh block under %q", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	comment := regexp.MustCompile(`\s+#\s.*$`)
	var lines []string
	for line := range strings.Lines(block) {
		if line = strings.TrimSpace(comment.ReplaceAllString(strings.TrimRight(line, "\n"), "")); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// transcript keeps what a terminal showed, and closes ready when a line
// containing the text it waits for has appeared.
type transcript struct {
	mu    sync.Mutex
	text  bytes.Buffer
	ready chan struct{}
}

func (s *transcript) read(terminal *os.File, waitFor string) {
	lines := bufio.NewScanner(terminal)
	for lines.Scan() {
		s.mu.Lock()
		s.text.WriteString(lines.Text() + "\n")
		s.mu.Unlock()
		if strings.Contains(lines.Text(), waitFor) && s.ready != nil {
			close(s.ready)
			s.ready = nil
		}
	}
}

func (s *transcript) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return firstLines(s.text.Bytes(), 80)
}

func firstLines(out []byte, n int) string {
	lines := strings.SplitAfterN(string(out), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…\n")
	}
	return strings.Join(lines, "")
}
