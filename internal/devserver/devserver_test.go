package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMakefilePinsTheSameCLIVersion(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "TEMPORAL_VERSION := "+CLIVersion+"\n") {
		t.Fatalf("Makefile does not pin the Temporal CLI at %s", CLIVersion)
	}
}

func TestServerSurvivesARestartWithItsDatabase(t *testing.T) {
	s := ForTest(t)
	addr := s.Address
	if err := s.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.Address != addr {
		t.Fatalf("address moved from %s to %s", addr, s.Address)
	}
}
