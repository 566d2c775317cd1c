package devserver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
)

func TestMakefilePinsTheSameCLIVersion(t *testing.T) {
	root, err := devserver.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "TEMPORAL_VERSION := "+devserver.CLIVersion+"\n") {
		t.Fatalf("Makefile does not pin the Temporal CLI at %s", devserver.CLIVersion)
	}
}

func TestServerSurvivesARestartWithItsDatabase(t *testing.T) {
	s := devservertest.ForTest(t)
	addr := s.Address
	if err := s.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.Address != addr {
		t.Fatalf("address moved from %s to %s", addr, s.Address)
	}
}

// The dev server has no archival: a long retention is what keeps
// `switchboard dev`'s resolved cases readable.
func TestALongRetentionIsSetAtStart(t *testing.T) {
	bin, err := devserver.Find()
	if err != nil {
		if os.Getenv(devservertest.EnvRequire) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	const retention = 10 * 365 * 24 * time.Hour
	s, err := devserver.Start(t.Context(), devserver.Options{Binary: bin, UIPort: -1, Retention: retention})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c, err := client.Dial(client.Options{HostPort: s.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ns, err := c.WorkflowService().DescribeNamespace(t.Context(), &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != retention {
		t.Fatalf("retention %v, want %v", got, retention)
	}
}
