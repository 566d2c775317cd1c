package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// domain are the packages that hold the rules; the workflows feed them. The
// domain is plain Go: only the Temporal layer (workflows, activities,
// caseapi, the worker) knows Temporal.
var domain = []string{"post", "policy", "businesshours", "casestate", "triage", "dispatch", "journey", "slareport", "learning", "learning/retrain", "assertion"}

const module = "github.com/switchboard-care/switchboard/"

// TestDomainDoesNotImportTemporal fails when a domain package depends on
// go.temporal.io, directly or through another package.
func TestDomainDoesNotImportTemporal(t *testing.T) {
	for pkg, deps := range dependencies(t, domain) {
		for _, d := range deps {
			if d == "go.temporal.io" || strings.HasPrefix(d, "go.temporal.io/") {
				t.Errorf("%s depends on %s: domain packages are plain Go", pkg, d)
			}
		}
	}
}

// dependencies lists each package's transitive imports (tests excluded), by
// go list, which resolves them as the build does.
func dependencies(t *testing.T, pkgs []string) map[string][]string {
	t.Helper()
	args := []string{"list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`}
	for _, p := range pkgs {
		args = append(args, module+p)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		deps[fields[0]] = fields[1:]
	}
	if len(deps) != len(pkgs) {
		t.Fatalf("go list named %d packages, want %d", len(deps), len(pkgs))
	}
	return deps
}
